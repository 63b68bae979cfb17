import type { RecordedEvent } from '@lead/event-store';
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
      next: () => (this.held.length > 0 ? Promise.resolve({ done: false, value: this.held.shift()! }) : new Promise((resolve) => (this.waiting = resolve))),
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
});
