import type { PredictiveModel, ScoringModel } from '@lead/scoring';
import type { LeadPolicyRow } from './lead-policy-row';

/**
 * The policy reactor's own state: its checkpoint in $all, one row per lead (timers and the facts
 * policies decide on), round-robin counters and the active models. Everything here is derived from
 * events and can be rebuilt by replaying from the start (delete the state, restart: reactions replay
 * idempotently, nothing is appended twice).
 */
export interface PolicyStateStore {
  /** Position after which the reactor resumes; null before the first event. Bigints as strings. */
  checkpoint(): Promise<PolicyCheckpoint | null>;
  lead(leadId: string): Promise<LeadPolicyRow | undefined>;
  /** Category → number of assignments made so far (the next manager is counter mod managers). */
  roundRobin(): Promise<Record<string, number>>;
  models(): Promise<ActiveModels>;
  /**
   * Rows with something due at `now`: nextRescoreAt ≤ now; nurturing with revisitAt ≤ now; open with
   * slaClockFrom ≤ slaClockBefore (when given). Ordered by leadId (for paging), at most `limit`.
   */
  due(query: DueQuery): Promise<LeadPolicyRow[]>;
  /** Applies every change atomically: all of them, checkpoint included, or none. */
  commit(changes: PolicyStateChanges): Promise<void>;
  close(): Promise<void>;
}

export interface PolicyCheckpoint {
  commit: string;
  prepare: string;
}

export interface ActiveScoringModel {
  version: string;
  model: ScoringModel;
  activatedAt: string;
  eventId: string;
}

export interface ActivePredictiveModel {
  version: string;
  model: PredictiveModel;
  trainedAt: string;
  eventId: string;
}

export interface ActiveModels {
  scoring?: ActiveScoringModel;
  predictive?: ActivePredictiveModel;
}

export interface DueQuery {
  now: string;
  /** Open rows whose SLA clock started at or before this are due (omit when the SLA is off). */
  slaClockBefore?: string;
  /** Skip rows at or after this id (paging through a long list); rows come ordered by leadId. */
  afterLeadId?: string;
  limit: number;
}

export interface PolicyStateChanges {
  checkpoint?: PolicyCheckpoint;
  upsert?: LeadPolicyRow[];
  remove?: string[];
  /** Absolute counter values (not increments): applying the same change twice is harmless. */
  roundRobin?: Record<string, number>;
  models?: ActiveModels;
  /** Every row in a scored status becomes due for rescoring at this time (a model changed). */
  rescoreAllAt?: string;
}

export { SCORED_STATUS_LIST } from './lead-policy-row';
