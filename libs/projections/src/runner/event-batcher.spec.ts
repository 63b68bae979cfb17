import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type RecordedEvent } from '@lead/event-store';
import { EventBatcher } from './event-batcher';

const recorded = (n: number): RecordedEvent => ({
  id: `e-${n}`,
  streamId: 'lead-1',
  type: 'Tested',
  data: { n },
  metadata: {},
  revision: BigInt(n),
  position: { commit: BigInt(n), prepare: BigInt(n) },
  recordedAt: new Date(0),
});

/** A subscription whose held events can be taken at once, and whose later events arrive in a macrotask. */
class FakeSubscription implements AsyncIterable<RecordedEvent> {
  private held: RecordedEvent[] = [];
  private waiting: ((result: IteratorResult<RecordedEvent>) => void) | null = null;
  private count = 0;
  reading = false;

  readingAhead(): boolean {
    return this.reading;
  }

  takeAvailable(maxCount: number): RecordedEvent[] {
    return this.held.splice(0, maxCount);
  }

  hold(events: number): void {
    for (let i = 0; i < events; i++) this.held.push(recorded(++this.count));
  }

  /** Events that come later, as from a thread or the network. */
  arriveLater(events: number): void {
    setTimeout(() => {
      this.hold(events);
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.({ done: false, value: this.held.shift()! });
    }, 5);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () =>
        this.held.length > 0
          ? Promise.resolve({ done: false, value: this.held.shift()! })
          : new Promise((resolve) => (this.waiting = resolve)),
    };
  }
}

const positions = (batch: RecordedEvent[] | null) => batch?.map((e) => Number(e.position.commit));
const settledWithin = async <T>(promise: Promise<T>, ms: number): Promise<boolean> => {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
};

describe('EventBatcher', () => {
  it('hands out what the subscription holds as soon as it would wait, up to the batch size', async () => {
    const source = new FakeSubscription();
    const batcher = new EventBatcher(source, 10);
    source.hold(13);
    expect(positions(await batcher.next())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(positions(await batcher.next())).toEqual([11, 12, 13]);
    // Nothing held and the subscription waits for appends: an idle consumer gets an empty batch.
    expect(await batcher.next({ orIdle: true })).toEqual([]);
  });

  it('waits for a full batch rather than hand out a short one while the subscription reads events the store holds', async () => {
    const source = new FakeSubscription();
    const batcher = new EventBatcher(source, 10);
    source.reading = true;
    source.hold(3);
    const full = batcher.next({ orIdle: true });
    expect(await settledWithin(full, 20)).toBe(false);
    source.arriveLater(4);
    source.arriveLater(5);
    expect(positions(await full)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // Nor is waiting for the rest an idle moment.
    const rest = batcher.next({ orIdle: true });
    expect(await settledWithin(rest, 20)).toBe(false);
    // Once it reads no more ahead, what it has is handed out as before.
    source.reading = false;
    source.arriveLater(1);
    expect(positions(await rest)).toEqual([11, 12, 13]);
  });

  it('drains a store that reads ahead on a thread into full batches, hands out the rest, then reports the log idle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-batcher-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), readAheadThreshold: 0 });
    try {
      // A whole number of read-ahead pages: as many as the thread reads ahead, so that it learns it is done only with a read of its own after they are taken.
      for (let s = 0; s < 8; s++)
        await store.appendToStream(
          `s-${s}`,
          Array.from({ length: 128 }, (_, n) => ({ id: `e-${s}-${n}`, type: 'Tested', data: { n }, metadata: {} })),
        );
      // A few times over: whether the thread's last read lands before or after the consumer checks depends on timing.
      for (let round = 0; round < 5; round++) {
        const subscription = store.subscribeToAll();
        const batcher = new EventBatcher(subscription, 500);
        const sizes: number[] = [];
        for (;;) {
          const batch = await batcher.next({ orIdle: true });
          if (batch === null || batch.length === 0) break;
          sizes.push(batch.length);
        }
        expect(sizes).toEqual([500, 500, 24]);
        expect(subscription.readingAhead!()).toBe(false);
        await subscription.unsubscribe();
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
