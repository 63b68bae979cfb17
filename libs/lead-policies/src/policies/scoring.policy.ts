import type { LeadEvent, LeadEventType, ScoreContribution } from '@lead/domain';
import { predict, scoreLead, type PredictionResult, type ScoreResult, type ScoringModel } from '@lead/scoring';
import { SCORED_STATUSES, type LeadPolicyRow } from '../policy-state/lead-policy-row';
import type { ActiveModels } from '../policy-state/policy-state.store';
import type { RoutingConfig } from '../routing/routing-config';
import { predictiveFeatures, type LeadHistory } from '../scoring-models/lead-history';
import { POLICY, type PolicyCommand } from './policy.types';

/** Events after which a lead's score may have changed (LeadScored itself is not one: no loop). */
export const SCORING_TRIGGERS: readonly LeadEventType[] = [
  'LeadCaptured',
  'ActivityRecorded',
  'ContactDetailsCorrected',
  'NeedConfirmed',
  'LeadReactivated',
];

/** The sweep found the lead due for rescoring (decay, or a model change). */
export interface RescoreDue {
  type: 'RescoreDue';
  dueAt: string;
}

export interface ScoringState {
  row: LeadPolicyRow;
  history: LeadHistory;
  models: ActiveModels;
}

export interface ScoringDecision {
  commands: PolicyCommand[];
  score?: ScoreResult;
  /** When the sweep should look at the lead again (undefined: nothing changes with time alone). */
  nextRescoreAt?: string;
}

const DAY_MS = 86_400_000;

export const isScoringTrigger = (event: LeadEvent | RescoreDue): boolean =>
  event.type === 'RescoreDue' || SCORING_TRIGGERS.includes(event.type);

/**
 * policy:scoring — scores the lead with the active model (and the predictive model, when one was
 * trained) as of `now`, and asks for RecordScore. The decider appends LeadScored only when the
 * total, temperature or model version changed, so a rescoring that changes nothing writes nothing.
 */
export function scoringPolicy(
  state: ScoringState,
  event: LeadEvent | RescoreDue,
  config: Pick<RoutingConfig, 'rescoring'>,
  now: Date,
): ScoringDecision {
  const { row, history, models } = state;
  if (!isScoringTrigger(event) || !SCORED_STATUSES.includes(row.status) || !models.scoring || !history.profile) return { commands: [] };
  const model = models.scoring.model;
  const prediction = models.predictive ? predict(models.predictive.model, predictiveFeatures(history), { topFactors: 3 }) : undefined;
  const score = scoreWith(history, model, now, prediction);
  const command: PolicyCommand = {
    policy: POLICY.scoring,
    type: 'RecordScore',
    leadId: row.leadId,
    data: {
      total: score.total,
      temperature: score.temperature,
      modelVersion: score.modelVersion,
      breakdown: score.breakdown,
      scoredAt: now.toISOString(),
    },
    // Rescoring for the same due time with the same models is the same reaction.
    ...(event.type === 'RescoreDue' ? { dueKey: `${event.dueAt}|${models.scoring.version}|${models.predictive?.version ?? '-'}` } : {}),
  };
  const next = nextRescoreAt(history, model, prediction, now, score, config.rescoring.refreshDays);
  return { commands: [command], score, ...(next ? { nextRescoreAt: next } : {}) };
}

/** The score, with the predictive model's top factors in the detail of its line. */
export function scoreWith(history: LeadHistory, model: ScoringModel, now: Date, prediction?: PredictionResult): ScoreResult {
  const result = scoreLead(
    history.profile!,
    history.activities,
    model,
    now,
    prediction ? { score: prediction.score, modelVersion: prediction.modelVersion } : undefined,
  );
  if (!prediction || prediction.topFactors.length === 0) return result;
  const factors = prediction.topFactors
    .map((f) => `${f.feature} ${f.value} ${f.contribution >= 0 ? '+' : '−'}${Math.abs(f.contribution).toFixed(2)}`)
    .join(', ');
  const breakdown: ScoreContribution[] = result.breakdown.map((c) =>
    c.rule === 'predictive' ? { ...c, detail: `${c.detail}; top factors (log-odds): ${factors}` } : c,
  );
  return { ...result, breakdown };
}

/**
 * When decay next matters: the moment the temperature would change (found by bisection on the pure
 * scorer, to the minute), or the refresh interval while the points are still fading. Time alone
 * only lowers engagement, so the temperature can only cool.
 */
export function nextRescoreAt(
  history: LeadHistory,
  model: ScoringModel,
  prediction: PredictionResult | undefined,
  now: Date,
  current: ScoreResult,
  refreshDays: number,
): string | undefined {
  if (!model.decay || !history.profile) return undefined;
  const p = prediction ? { score: prediction.score, modelVersion: prediction.modelVersion } : undefined;
  const at = (ms: number) => scoreLead(history.profile!, history.activities, model, new Date(ms), p);
  const nowMs = now.getTime();
  // Beyond this, positive engagement has decayed to nothing (2^-40 of it is left).
  const horizonMs = nowMs + model.decay.half_life_days * 40 * DAY_MS;
  if (at(horizonMs).total === current.total) return undefined;
  const refreshMs = refreshDays > 0 ? nowMs + refreshDays * DAY_MS : horizonMs;
  const limitMs = Math.min(refreshMs, horizonMs);
  if (at(limitMs).temperature === current.temperature) return new Date(limitMs).toISOString();
  let lo = nowMs;
  let hi = limitMs;
  while (hi - lo > 60_000) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid).temperature === current.temperature) lo = mid;
    else hi = mid;
  }
  return new Date(hi).toISOString();
}
