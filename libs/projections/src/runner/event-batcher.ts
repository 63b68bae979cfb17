import type { RecordedEvent } from '@lead/event-store';

/**
 * Groups a subscription's events into batches: a batch ends at `maxBatch` events or as soon as the
 * subscription would wait for the next one. Catch-up therefore commits large batches, and a live
 * event is applied at once instead of waiting for company.
 *
 * "Would wait" = the next event is not there before the event loop turns. Events a store already
 * holds are handed out in microtasks, while waiting for new appends or network data takes a macrotask,
 * which a setImmediate armed when a batch starts detects. A pump pulls events one `await` each (no
 * per-event timer or race) and reads at most one batch ahead of the consumer.
 */
export class EventBatcher {
  private readonly iterator: AsyncIterator<RecordedEvent>;
  private readonly takeAvailable: ((maxCount: number) => RecordedEvent[]) | undefined;
  private readonly readingAhead: () => boolean;
  private batch: RecordedEvent[] = [];
  private consumer: { resolve: (batch: RecordedEvent[] | null) => void; reject: (error: unknown) => void } | null = null;
  private pumping = false;
  private done = false;
  private error: unknown = undefined;
  private resumePump: (() => void) | null = null;
  private flushArmed = false;

  constructor(
    source: AsyncIterable<RecordedEvent> & { takeAvailable?(maxCount: number): RecordedEvent[]; readingAhead?(): boolean },
    private readonly maxBatch: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
    this.takeAvailable = source.takeAvailable?.bind(source);
    this.readingAhead = source.readingAhead?.bind(source) ?? (() => false);
  }

  /** Events taken from the subscription and not yet handed out in a batch. */
  get buffered(): number {
    return this.batch.length;
  }

  /**
   * The next batch, or null when the subscription has ended. With `orIdle`, an empty batch as soon as
   * the subscription would wait for the next event: the consumer can finish work it was holding open.
   */
  next(options: { orIdle?: boolean } = {}): Promise<RecordedEvent[] | null> {
    if (this.consumer) return Promise.reject(new Error('EventBatcher.next() called while a batch is pending'));
    return new Promise<RecordedEvent[] | null>((resolve, reject) => {
      const consumer = { resolve, reject };
      this.consumer = consumer;
      if (this.batch.length >= this.maxBatch || this.done || this.error !== undefined) this.deliver();
      else if (this.batch.length > 0 && !this.flushArmed) this.armFlush();
      else if (this.batch.length === 0 && options.orIdle) {
        setImmediate(() => {
          // Events the store holds are on their way: the pump hands them out when they come.
          if (this.consumer !== consumer || this.batch.length > 0 || this.readingAhead()) return;
          this.consumer = null;
          resolve([]);
        });
      }
      const resume = this.resumePump;
      this.resumePump = null;
      resume?.();
      if (!this.pumping && !this.done && this.error === undefined) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.done) {
        // One batch ahead is enough: wait for the consumer. A source that hands out what it holds
        // synchronously is not read ahead at all: that would only keep more events alive (and make
        // every garbage collection copy them) without saving a wait.
        if (this.batch.length >= this.maxBatch || (this.takeAvailable && !this.consumer)) {
          await new Promise<void>((resolve) => (this.resumePump = resolve));
          continue;
        }
        const result = await this.iterator.next();
        if (result.done) {
          this.done = true;
          break;
        }
        this.batch.push(result.value);
        // The rest of what the store already holds comes in one call rather than one await per event.
        if (this.takeAvailable && this.batch.length < this.maxBatch) {
          const more = this.takeAvailable(this.maxBatch - this.batch.length);
          for (let i = 0; i < more.length; i++) this.batch.push(more[i]);
        }
        if (this.consumer) {
          if (this.batch.length >= this.maxBatch) this.deliver();
          else if (!this.flushArmed) this.armFlush();
        }
      }
    } catch (error) {
      this.error = error;
    } finally {
      this.pumping = false;
      if (this.consumer) this.deliver();
    }
  }

  /** Hands out the batch when the event loop turns, i.e. once the subscription has to wait. */
  private armFlush(): void {
    this.flushArmed = true;
    setImmediate(() => {
      this.flushArmed = false;
      // Not a short batch for waiting on a read-ahead: the pump re-arms once the next events are in.
      if (this.consumer && this.batch.length > 0 && !this.readingAhead()) this.deliver();
    });
  }

  private deliver(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = null;
    if (this.batch.length > 0) {
      const batch = this.batch;
      this.batch = [];
      consumer.resolve(batch);
      return;
    }
    if (this.error !== undefined) consumer.reject(this.error);
    else consumer.resolve(null);
  }
}
