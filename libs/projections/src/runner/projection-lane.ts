import { comparePositions, type AllSubscription, type EventStore, type Position, type RecordedEvent } from '@lead/event-store';
import { EventBatcher } from './event-batcher';
import type { ChunkOutcome, InFlight, ProjectionWindow, WindowMember, WindowWork } from './projection-window';

/** What a lane needs of a projection it carries. */
export interface LaneMember extends WindowMember {
  /** Members of a lane share one checkpoint: the lane (re)subscribes from it. */
  readonly checkpoint: Position | null;
  /** Its read model's secondary indexes are still to be built (a rebuild defers them). */
  readonly indexesPending: boolean;
  /** The lane it is in; a lane clears it when the member leaves. */
  lane?: unknown;
}

/**
 * What a lane asks of the runner that owns it: the lane runs the subscription loop, the host owns
 * windows, commits, checkpoints and status. An interface here rather than the runner's class, so
 * that the lane does not depend on the runner.
 */
export interface LaneHost<M extends LaneMember> {
  readonly store: Pick<EventStore, 'subscribeToAll'>;
  readonly maxBatchSize: number;
  readonly chunkSize: number;
  readonly retryDelayMs: { readonly min: number; readonly max: number };
  openWindow(lane: Lane<M>): ProjectionWindow<M>;
  applyChunk(
    lane: Lane<M>,
    window: ProjectionWindow<M>,
    events: readonly RecordedEvent[],
    previous: InFlight<M> | null,
  ): Promise<ChunkOutcome>;
  commitWindow(lane: Lane<M>, sealed: readonly WindowWork<M>[], window: { events: number; last: RecordedEvent }): Promise<void>;
  buildIndexesNearHead(lane: Lane<M>, from: Position): Promise<void>;
  laneRestarting(lane: Lane<M>): void;
  laneRetrying(lane: Lane<M>, attempts: number, error: unknown): void;
  laneRunning(lane: Lane<M>): Promise<void>;
  laneStopped(lane: Lane<M>): void;
}

/** Thrown inside a lane to drop its open window and replay it one chunk per window (see ChunkOutcome 'split'). */
class WindowSplit extends Error {
  constructor(readonly through: Position) {
    super('window split');
  }
}

/**
 * One subscription shared by projections at the same checkpoint. Events are taken in chunks and
 * applied to a window, committed once it holds maxBatchSize events or the log has no more for now;
 * a window is applied while the previous one commits. Retries from the checkpoint after a failure of
 * the event store or the read store.
 */
export class Lane<M extends LaneMember> {
  readonly members: Set<M>;
  private subscription: AllSubscription | null = null;
  private batcher: EventBatcher | null = null;
  /** Chunks being applied and windows being committed. */
  private readonly busy = new Set<Promise<unknown>>();
  /** The window being filled: applied, not committed yet. */
  private window: ProjectionWindow<M> | null = null;
  /** After a split: windows of one chunk until past this position. */
  private preciseThrough: Position | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private runningAfterCommit = false;
  /** The subscription has reached the head at least once. */
  private live = false;
  private goingLive: Promise<void> | null = null;
  private wakeFromSleep: (() => void) | null = null;

  constructor(
    private readonly runner: LaneHost<M>,
    members: readonly M[],
  ) {
    this.members = new Set(members);
  }

  start(): void {
    this.loop = this.run();
  }

  /** Takes a projection out of the lane once the work in flight (which may include it) is done. */
  async detach(member: M): Promise<void> {
    this.members.delete(member);
    member.lane = undefined;
    await Promise.allSettled([...this.busy]);
    if (this.members.size === 0) await this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeFromSleep?.();
    await this.subscription?.unsubscribe().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    let attempts = 0;
    const { min, max } = this.runner.retryDelayMs;
    const windowSize = this.runner.maxBatchSize;
    const chunkSize = Math.min(this.runner.chunkSize, windowSize);
    try {
      while (!this.stopped && this.members.size > 0) {
        // Members of a lane share one checkpoint; after a failure the lane resumes from it.
        const from = [...this.members][0].checkpoint;
        const subscription = this.runner.store.subscribeToAll({
          ...(from ? { fromPosition: from } : {}),
          onCaughtUp: () => this.caughtUp(),
        });
        this.subscription = subscription;
        const batcher = (this.batcher = new EventBatcher(subscription, chunkSize));
        let committing: Promise<void> | null = null;
        let inFlight: InFlight<M> | null = null;
        try {
          try {
            for (;;) {
              // While a window is open, an empty chunk says the log has no more for now: commit it.
              const chunk = await batcher.next({ orIdle: this.window !== null });
              if (chunk === null || this.stopped || this.members.size === 0) break;
              const idle = chunk.length === 0;
              if (!idle) {
                // Near the head, a rebuild's deferred indexes are built beside the last windows (if that fails, at the head).
                if (this.window === null) void this.track(this.runner.buildIndexesNearHead(this, chunk[0].position));
                const window = (this.window ??= this.runner.openWindow(this));
                // Pipelined: this window is applied while the previous one commits; commits stay in log order.
                const outcome = await this.track(this.runner.applyChunk(this, window, chunk, inFlight));
                if (outcome === 'split') throw new WindowSplit(chunk[chunk.length - 1].position);
                const precise = this.preciseThrough !== null && comparePositions(chunk[0].position, this.preciseThrough) <= 0;
                if (!precise) this.preciseThrough = null;
                if (outcome === 'open' && !precise && window.events < windowSize) {
                  // Catch-up from an embedded store never waits on I/O: let timers and HTTP requests in between chunks.
                  await new Promise((resolve) => setImmediate(resolve));
                  continue;
                }
              }
              const window = this.window!;
              this.window = null;
              const sealed = window.seal();
              if (committing) await committing;
              committing = this.track(this.runner.commitWindow(this, sealed, { events: window.events, last: window.last! }));
              committing.catch(() => undefined);
              inFlight = { window, committed: committing };
              if (idle) {
                // Nothing to apply meanwhile: finish the commit (and notice its failure) now.
                await committing;
                committing = null;
                inFlight = null;
                attempts = 0;
              }
              await new Promise((resolve) => setImmediate(resolve));
              if (committing === null && (this.runningAfterCommit || (this.live && [...this.members].some((m) => m.indexesPending))))
                await this.goLive();
            }
          } finally {
            this.window = null;
            if (committing) await committing;
          }
          attempts = 0;
          if (!this.stopped && this.members.size > 0) throw new Error('the event store subscription ended');
        } catch (error) {
          if (this.stopped) break;
          if (error instanceof WindowSplit) {
            // Not a failure: replay from the checkpoint so that the failing event starts a window.
            this.preciseThrough = error.through;
            this.runner.laneRestarting(this);
            continue;
          }
          attempts++;
          this.runner.laneRetrying(this, attempts, error);
          await this.sleep(Math.min(max, min * 2 ** (attempts - 1)));
        } finally {
          await subscription.unsubscribe().catch(() => undefined);
        }
      }
    } finally {
      this.runner.laneStopped(this);
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.busy.add(work);
    const done = () => this.busy.delete(work);
    work.then(done, done);
    return work;
  }

  private caughtUp(): void {
    this.live = true;
    // Running only once every event taken from the subscription is committed.
    if (this.busy.size === 0 && this.window === null && (this.batcher?.buffered ?? 0) === 0) void this.goLive();
    else this.runningAfterCommit = true;
  }

  private goLive(): Promise<void> {
    this.runningAfterCommit = false;
    this.goingLive ??= this.runner.laneRunning(this).finally(() => (this.goingLive = null));
    return this.goingLive;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeFromSleep = done;
    });
  }
}
