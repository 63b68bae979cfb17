import { BadRequestException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { comparePositions, formatPosition, parsePosition } from '@lead/event-store';
import type { Response } from 'express';
import { DEFAULT_MIN_POSITION_WAIT_MS, type ProjectionsModuleOptions } from '../projections.options';
import { PROJECTIONS_OPTIONS } from '../projections.tokens';
import { InvalidCursorError } from '../read-models/paging';
import { ProjectionLagTimeoutError, ProjectionStoppedError } from '../runner/projection-errors';
import { ProjectionRunner } from '../runner/projection-runner';

/** Read-your-writes for the query endpoints, and the mapping of query errors to HTTP. */
@Injectable()
export class MinPositionGate {
  private readonly waitMs: number;

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(PROJECTIONS_OPTIONS) options: ProjectionsModuleOptions,
  ) {
    this.waitMs = options.minPositionWaitMs ?? DEFAULT_MIN_POSITION_WAIT_MS;
  }

  /** Waits, bounded, until the projection has applied the event at minPosition; 503 (with Retry-After) when it has not in time. */
  async reach(projection: string, minPosition: string | undefined, res?: Response): Promise<void> {
    if (minPosition === undefined) return;
    try {
      await this.runner.waitForPosition(parsePosition(minPosition), this.waitMs, [projection]);
    } catch (error) {
      if (error instanceof ProjectionLagTimeoutError) {
        // A position past the last event was never handed out: waiting cannot help, the caller is mistaken.
        const head = await this.runner.store.headPosition();
        if (!head || comparePositions(parsePosition(minPosition), head) > 0) {
          throw new BadRequestException(`minPosition ${minPosition} is beyond the last event (${head ? formatPosition(head) : 'none'})`);
        }
      }
      if (error instanceof ProjectionLagTimeoutError || error instanceof ProjectionStoppedError) {
        res?.setHeader('Retry-After', '1');
        throw new ServiceUnavailableException(error.message);
      }
      if (error instanceof RangeError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** The position the answer reflects, so that a client can tell how fresh it is. */
  asOf(projection: string): string | null {
    const checkpoint = this.runner.checkpointOf(projection);
    return checkpoint === null ? null : formatPosition(checkpoint);
  }

  /** Runs a query; a bad cursor, limit or range is the caller's mistake (400). */
  async query<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof InvalidCursorError || error instanceof RangeError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
