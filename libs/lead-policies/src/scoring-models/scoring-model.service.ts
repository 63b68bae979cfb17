import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_SCHEMA_VERSION, LeadRuleRefusedError, LeadValidationError } from '@lead/domain';
import { EVENT_STORE, WrongExpectedRevisionError, formatPosition, type EventStore, type ExpectedRevision } from '@lead/event-store';
import { Clock, deterministicUuid } from '@lead/lifecycle';
import { ScoringModelError, parseScoringModel, type ScoringModel } from '@lead/scoring';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LEAD_POLICIES_SETTINGS, type LeadPoliciesSettings } from '../lead-policies.options';
import { readLeadHistories, type ReadProgress } from './history-reader';
import { trainPredictive, trainingSetFrom } from './predictive-training';
import {
  SCORING_MODELS_STREAM,
  parseScoringModelEvent,
  type PredictiveModelTrained,
  type ScoringModelActivated,
  type ScoringModelEvent,
  type ScoringModelEventMetadata,
} from './scoring-model.events';

export interface ModelHistoryEntry {
  event: ScoringModelEvent;
  metadata: ScoringModelEventMetadata;
  position: string;
  revision: bigint;
}

export interface ActiveModelView {
  scoring?: {
    version: string;
    model: ScoringModel;
    source?: string;
    origin?: string;
    activatedAt: string;
    actor: string;
    position: string;
  };
  predictive?: {
    version: string;
    trainedAt: string;
    actor: string;
    trainedOn: { leads: number; won: number };
    metrics?: Record<string, number>;
    position: string;
  };
}

export interface ActivationResult {
  version: string;
  /** False when the same model was active already (nothing appended). */
  activated: boolean;
  previousVersion?: string;
  position?: string;
}

export interface RetrainResult {
  version: string;
  trainedOn: { leads: number; won: number };
  metrics: Record<string, number>;
  excluded: { withoutOutcome: number; erased: number; merged: number };
  position: string;
}

/** JSON with sorted keys: two texts of the same model compare equal whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );

/**
 * Versioned models as events on the "scoring-models" stream: activation of a scoring model (the
 * first start activates the default file), and predictive models trained on the history.
 */
@Injectable()
export class ScoringModelService {
  private readonly logger = new Logger('ScoringModels');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
    @Inject(LEAD_POLICIES_SETTINGS) private readonly settings: LeadPoliciesSettings,
  ) {}

  async history(): Promise<ModelHistoryEntry[]> {
    return (await this.read()).entries;
  }

  private async read(): Promise<{ entries: ModelHistoryEntry[]; lastRevision: bigint | undefined }> {
    const recorded = await this.store.readStream(SCORING_MODELS_STREAM);
    const entries = recorded.flatMap((e) => {
      const event = parseScoringModelEvent(e);
      return event
        ? [{ event, metadata: e.metadata as ScoringModelEventMetadata, position: formatPosition(e.position), revision: e.revision }]
        : [];
    });
    return { entries, lastRevision: recorded.at(-1)?.revision };
  }

  async active(): Promise<ActiveModelView> {
    const view: ActiveModelView = {};
    for (const { event, metadata, position } of await this.history()) {
      if (event.type === 'ScoringModelActivated') {
        const { version, model, source, origin } = event.data;
        view.scoring = {
          version,
          model,
          ...(source ? { source } : {}),
          ...(origin ? { origin } : {}),
          activatedAt: metadata.occurredAt,
          actor: metadata.actor,
          position,
        };
      } else {
        const { version, trainedOn, metrics, model } = event.data;
        view.predictive = {
          version,
          trainedAt: model.trainedAt ?? metadata.occurredAt,
          actor: metadata.actor,
          trainedOn,
          ...(metrics ? { metrics } : {}),
          position,
        };
      }
    }
    return view;
  }

  /**
   * On a first start (no scoring model activated yet), activates the configured model file. Two
   * instances starting at once append at the revision they read: one wins, the other finds the model.
   */
  async bootstrap(): Promise<'activated' | 'present' | 'no_model_file'> {
    const { entries, lastRevision } = await this.read();
    if (entries.some((e) => e.event.type === 'ScoringModelActivated')) return 'present';
    const file = this.settings.scoringModelFile;
    if (!file) {
      this.logger.warn(
        'No scoring model is active and no model file was found (set SCORING_MODEL_PATH): leads are not scored until one is PUT to /scoring/model',
      );
      return 'no_model_file';
    }
    const source = readFileSync(file, 'utf8');
    const model = this.parse(source, basename(file));
    const commandId = deterministicUuid(`scoring-model:bootstrap:${model.version}`);
    try {
      await this.append(
        [{ type: 'ScoringModelActivated', data: { version: model.version, model, source, origin: basename(file) } }],
        lastRevision ?? 'no_stream',
        commandId,
        'service:lead-engine',
      );
      this.logger.log(`Activated scoring model ${model.version} from ${file}`);
      return 'activated';
    } catch (error) {
      // Another instance wrote meanwhile: look again.
      if (error instanceof WrongExpectedRevisionError) return this.bootstrap();
      throw error;
    }
  }

  /** Validates and activates a model text (YAML or JSON); refuses a version reused for different rules. */
  async activate(source: string, actor: string, origin = 'api'): Promise<ActivationResult> {
    const model = this.parse(source, 'model');
    for (let attempt = 1; ; attempt++) {
      const { entries, lastRevision } = await this.read();
      const activations = entries.filter(
        (e): e is ModelHistoryEntry & { event: ScoringModelActivated } => e.event.type === 'ScoringModelActivated',
      );
      const current = activations.at(-1);
      if (current && canonical(current.event.data.model) === canonical(model))
        return { version: model.version, activated: false, position: current.position };
      const reused = activations.find((a) => a.event.data.version === model.version && canonical(a.event.data.model) !== canonical(model));
      if (reused) {
        throw new LeadRuleRefusedError(
          'scoring_model.version_reused',
          `Version "${model.version}" was activated on ${reused.metadata.occurredAt} with different rules: scores name their model version, so a changed model needs a new version`,
        );
      }
      try {
        const appended = await this.append(
          [{ type: 'ScoringModelActivated', data: { version: model.version, model, source, origin } }],
          lastRevision ?? 'no_stream',
          randomUUID(),
          actor,
        );
        return {
          version: model.version,
          activated: true,
          ...(current ? { previousVersion: current.event.data.version } : {}),
          position: appended,
        };
      } catch (error) {
        // Someone activated or trained meanwhile: decide again on the fresh stream.
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error;
      }
    }
  }

  /** Trains the predictive model on every lead with an outcome and appends it as the next version. */
  async retrain(actor: string, onProgress?: (p: ReadProgress) => void): Promise<RetrainResult> {
    const histories = await readLeadHistories(this.store, onProgress);
    const set = trainingSetFrom(histories);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(SCORING_MODELS_STREAM);
      const trainedBefore = recorded.filter((e) => e.type === 'PredictiveModelTrained').length;
      const version = `predictive-${trainedBefore + 1}`;
      const trained = trainPredictive(set, {
        version,
        trainedAt: this.clock.now().toISOString(),
        minOutcomes: this.settings.minTrainingOutcomes,
      });
      const event: PredictiveModelTrained = {
        type: 'PredictiveModelTrained',
        data: { version, model: trained.model, trainedOn: trained.trainedOn, metrics: trained.metrics },
      };
      try {
        const position = await this.append([event], recorded.at(-1)?.revision ?? 'no_stream', randomUUID(), actor);
        return { version, trainedOn: trained.trainedOn, metrics: trained.metrics, excluded: set.excluded, position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error;
      }
    }
  }

  /** Parse errors become a validation error whose problems name line, column and field. */
  parse(source: string, fileName: string): ScoringModel {
    try {
      return parseScoringModel(source, fileName);
    } catch (error) {
      if (!(error instanceof ScoringModelError)) throw error;
      throw new LeadValidationError(
        error.problems.map((p) =>
          Object.assign(
            { field: p.path ? `source.${p.path}` : 'source', message: `line ${p.line}, column ${p.column}: ${p.message}` },
            { line: p.line, column: p.column },
          ),
        ),
      );
    }
  }

  private async append(events: ScoringModelEvent[], expectedRevision: ExpectedRevision, commandId: string, actor: string): Promise<string> {
    const occurredAt = this.clock.now().toISOString();
    const toAppend = events.map((event, i) => {
      const eventId = deterministicUuid(`event:${commandId}:${i}`);
      const metadata: ScoringModelEventMetadata = {
        eventId,
        commandId,
        correlationId: commandId,
        causationId: commandId,
        actor,
        occurredAt,
        schemaVersion: EVENT_SCHEMA_VERSION,
      };
      return { id: eventId, type: event.type, data: event.data, metadata };
    });
    const result = await this.store.appendToStream(SCORING_MODELS_STREAM, toAppend, { expectedRevision });
    return formatPosition(result.position);
  }
}
