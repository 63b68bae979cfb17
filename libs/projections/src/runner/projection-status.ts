import type { ProjectionFailure } from './projection-errors';

export type ProjectionState = 'stopped' | 'catching_up' | 'running' | 'stopped_with_error';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly state: ProjectionState;
  /** Position of the last event taken into account ("<commit>" or "<commit>/<prepare>"), null before the first. */
  readonly checkpoint: string | null;
  readonly headPosition: string | null;
  /** Events in the log after the checkpoint (commit difference where positions are dense, else counted up to a cap). */
  readonly eventsBehind: number;
  /** Present when eventsBehind was counted and stopped at the cap: the real figure is larger. */
  readonly eventsBehindCapped?: true;
  /** Recorded time of the head minus that of the last applied event (0 when caught up). */
  readonly secondsBehind: number;
  readonly lastAppliedRecordedAt: string | null;
  /** Why it stopped (state stopped_with_error). */
  readonly error?: ProjectionFailure;
  /** The event store or read store failed and the projection is retrying from its checkpoint. */
  readonly retry?: { readonly attempts: number; readonly error: string; readonly since: string };
}
