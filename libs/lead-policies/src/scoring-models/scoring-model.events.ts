import type { LeadEventMetadata } from '@lead/domain';
import type { RecordedEvent } from '@lead/event-store';
import { parsePredictiveModel, type PredictiveModel, type ScoringModel } from '@lead/scoring';

/**
 * Model changes are events too, in one stream (deliberately not "lead-…", so lead projections
 * ignore it): a LeadScored names the model version it was computed with, and this stream says
 * what that version was, who activated it and when.
 */
export const SCORING_MODELS_STREAM = 'scoring-models';

export type ScoringModelActivated = {
  type: 'ScoringModelActivated';
  data: {
    version: string;
    /** The parsed, validated model: what scoring uses. */
    model: ScoringModel;
    /** The YAML or JSON text it was parsed from, for people reading the history. */
    source?: string;
    /** Where it came from: "api", a file name, "default". */
    origin?: string;
  };
};

export type PredictiveModelTrained = {
  type: 'PredictiveModelTrained';
  data: {
    version: string;
    model: PredictiveModel;
    trainedOn: { leads: number; won: number };
    metrics?: Record<string, number>;
  };
};

export type ScoringModelEvent = ScoringModelActivated | PredictiveModelTrained;

/** Metadata of model events: the same fields as lead events, so audits read both alike. */
export type ScoringModelEventMetadata = LeadEventMetadata;

export function parseScoringModelEvent(e: RecordedEvent): ScoringModelEvent | undefined {
  const data = e.data as Record<string, unknown> | null;
  if (!data || typeof data !== 'object') return undefined;
  switch (e.type) {
    case 'ScoringModelActivated':
      if (typeof data.version !== 'string' || !data.model || typeof data.model !== 'object')
        throw new Error(`ScoringModelActivated ${e.id}: missing version or model`);
      return { type: 'ScoringModelActivated', data: data as ScoringModelActivated['data'] };
    case 'PredictiveModelTrained':
      if (typeof data.version !== 'string') throw new Error(`PredictiveModelTrained ${e.id}: missing version`);
      return {
        type: 'PredictiveModelTrained',
        data: { ...(data as PredictiveModelTrained['data']), model: parsePredictiveModel(data.model) },
      };
    default:
      return undefined; // a type this version does not know: skipped, not fatal
  }
}
