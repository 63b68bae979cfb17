import { formatPosition, type Position } from '@lead/event-store';

/** Where a projection stopped: the event it could not apply. */
export interface ProjectionFailure {
  readonly message: string;
  readonly eventType: string;
  readonly streamId: string;
  readonly position: string;
  readonly eventId: string;
  readonly at: string;
}

/** A projection met an event it cannot apply; it stops there instead of skipping it. */
export class ProjectionApplyError extends Error {
  override readonly name = 'ProjectionApplyError';
  constructor(
    readonly projection: string,
    readonly failure: ProjectionFailure,
  ) {
    super(
      `Projection "${projection}" cannot apply ${failure.eventType} at position ${failure.position} in stream ${failure.streamId}: ${failure.message}`,
    );
  }
}

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
  constructor(
    readonly projection: string,
    known: readonly string[],
  ) {
    super(`No projection named "${projection}" (known: ${known.join(', ')})`);
  }
}

/** waitForPosition gave up: the projection had not reached the position in time. */
export class ProjectionLagTimeoutError extends Error {
  override readonly name = 'ProjectionLagTimeoutError';
  constructor(
    readonly projection: string,
    readonly position: Position,
    readonly checkpoint: Position | null,
    readonly timeoutMs: number,
  ) {
    super(
      `Projection "${projection}" has not reached position ${formatPosition(position)} within ${timeoutMs} ms ` +
        `(it is at ${checkpoint ? formatPosition(checkpoint) : 'the start'}); retry shortly`,
    );
  }
}

/** waitForPosition on a projection that is stopped (with an error, or not started): it will not get there by itself. */
export class ProjectionStoppedError extends Error {
  override readonly name = 'ProjectionStoppedError';
  constructor(
    readonly projection: string,
    reason: string,
  ) {
    super(`Projection "${projection}" is stopped: ${reason}`);
  }
}
