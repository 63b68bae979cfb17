import { randomUUID } from 'node:crypto';
import {
  comparePositions,
  WrongExpectedRevisionError,
  type AllSubscription,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type RecordedEvent,
} from '@lead/event-store';

export interface ContractFixture {
  store: EventStore;
  teardown: () => Promise<void>;
}

/**
 * The behaviour every EventStore adapter must have. The store may be shared with other tests
 * (and, for EventStoreDB, with other writers), so every case uses its own streams and makes
 * $all assertions about its own events only.
 */
export function describeEventStoreContract(name: string, setup: () => Promise<ContractFixture>, options?: { skipReason?: string }): void {
  if (options?.skipReason !== undefined) {
    // A skip must show up as a skip, with its reason, not as a passing test.
    console.warn(`Event store contract "${name}" skipped: ${options.skipReason}`);
    describe.skip(`${name} (skipped: ${options.skipReason})`, () => registerCases(() => undefined as unknown as EventStore));
    return;
  }
  describe(name, () => {
    let fixture: ContractFixture | undefined;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });
    registerCases(() => {
      if (fixture === undefined) throw new Error('The contract fixture was not set up');
      return fixture.store;
    });
  });
}

const newStream = (label: string): string => `contract_${label}-${randomUUID()}`;

function event(type = 'ContractTested', data: unknown = { n: 0 }, metadata: Record<string, unknown> = {}): EventToAppend {
  return { id: randomUUID(), type, data, metadata };
}

function events(count: number, type = 'ContractTested'): EventToAppend[] {
  return Array.from({ length: count }, (_, n) => event(type, { n }));
}

async function expectWrongRevision(
  promise: Promise<unknown>,
  streamId: string,
  expected: ExpectedRevision,
  actual: bigint | 'no_stream',
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  const wrong = error as WrongExpectedRevisionError;
  expect(wrong.streamId).toBe(streamId);
  expect(wrong.expected).toBe(expected);
  expect(wrong.actual).toBe(actual);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Consumes a subscription in the background, keeping the events of the given streams. */
function consume(subscription: AllSubscription, streamIds: readonly string[]) {
  const wanted = new Set(streamIds);
  const seen: RecordedEvent[] = [];
  const finished = (async () => {
    for await (const e of subscription) if (wanted.has(e.streamId)) seen.push(e);
  })();
  return { seen, finished };
}

const ids = (list: readonly { id: string }[]): string[] => list.map((e) => e.id);
const mine = (list: readonly RecordedEvent[], streamIds: readonly string[]): RecordedEvent[] =>
  list.filter((e) => streamIds.includes(e.streamId));

function expectStrictlyIncreasing(positions: readonly Position[]): void {
  for (let i = 1; i < positions.length; i++) expect(comparePositions(positions[i - 1], positions[i])).toBe(-1);
}

function registerCases(getStore: () => EventStore): void {
  describe('expected revision', () => {
    it('no_stream on a new stream appends from revision 0', async () => {
      const stream = newStream('no-stream-new');
      const batch = events(2);
      const result = await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(1n);
      const read = await getStore().readStream(stream);
      expect(ids(read)).toEqual(ids(batch));
      expect(read.map((e) => e.revision)).toEqual([0n, 1n]);
      expect(result.position).toEqual(read[1].position);
    });

    it('no_stream on an existing stream fails with the actual revision', async () => {
      const stream = newStream('no-stream-existing');
      await getStore().appendToStream(stream, events(1), { expectedRevision: 'no_stream' });
      await expectWrongRevision(getStore().appendToStream(stream, events(1), { expectedRevision: 'no_stream' }), stream, 'no_stream', 0n);
      expect(await getStore().readStream(stream)).toHaveLength(1);
    });

    it('any appends to a new and to an existing stream, and is the default', async () => {
      const stream = newStream('any');
      expect((await getStore().appendToStream(stream, events(1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(0n);
      expect((await getStore().appendToStream(stream, events(2), { expectedRevision: 'any' })).nextExpectedRevision).toBe(2n);
      expect((await getStore().appendToStream(stream, events(1))).nextExpectedRevision).toBe(3n);
      expect((await getStore().readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    });

    it('stream_exists fails on a missing stream with actual no_stream, and appends to an existing one', async () => {
      const stream = newStream('stream-exists');
      await expectWrongRevision(
        getStore().appendToStream(stream, events(1), { expectedRevision: 'stream_exists' }),
        stream,
        'stream_exists',
        'no_stream',
      );
      expect(await getStore().readStream(stream)).toEqual([]);
      await getStore().appendToStream(stream, events(1), { expectedRevision: 'no_stream' });
      expect((await getStore().appendToStream(stream, events(1), { expectedRevision: 'stream_exists' })).nextExpectedRevision).toBe(1n);
    });

    it('an exact revision appends when current, and fails naming the actual revision when stale', async () => {
      const stream = newStream('exact');
      await getStore().appendToStream(stream, events(3), { expectedRevision: 'no_stream' });
      const result = await getStore().appendToStream(stream, events(1), { expectedRevision: 2n });
      expect(result.nextExpectedRevision).toBe(3n);
      await expectWrongRevision(getStore().appendToStream(stream, events(1), { expectedRevision: 2n }), stream, 2n, 3n);
      await expectWrongRevision(getStore().appendToStream(stream, events(1), { expectedRevision: 7n }), stream, 7n, 3n);
      expect(await getStore().readStream(stream)).toHaveLength(4);
    });

    it('an exact revision on a missing stream fails with actual no_stream', async () => {
      const stream = newStream('exact-missing');
      await expectWrongRevision(getStore().appendToStream(stream, events(1), { expectedRevision: 0n }), stream, 0n, 'no_stream');
    });

    it('an empty append checks the expectation and returns the current revision', async () => {
      const stream = newStream('empty-append');
      await getStore().appendToStream(stream, events(2), { expectedRevision: 'no_stream' });
      expect((await getStore().appendToStream(stream, [], { expectedRevision: 1n })).nextExpectedRevision).toBe(1n);
      expect((await getStore().appendToStream(stream, [], { expectedRevision: 'any' })).nextExpectedRevision).toBe(1n);
      await expectWrongRevision(getStore().appendToStream(stream, [], { expectedRevision: 0n }), stream, 0n, 1n);
      expect(await getStore().readStream(stream)).toHaveLength(2);
    });
  });

  describe('idempotency', () => {
    it('re-appending the same ids at the same exact revision returns the original result and writes nothing', async () => {
      const stream = newStream('idempotent-exact');
      await getStore().appendToStream(stream, events(1), { expectedRevision: 'no_stream' });
      const batch = events(2);
      const first = await getStore().appendToStream(stream, batch, { expectedRevision: 0n });
      await getStore().appendToStream(stream, events(1), { expectedRevision: 2n });
      const again = await getStore().appendToStream(stream, batch, { expectedRevision: 0n });
      expect(again.nextExpectedRevision).toBe(2n);
      expect(again).toEqual(first);
      expect(await getStore().readStream(stream)).toHaveLength(4);
    });

    it('re-appending the same ids with no_stream returns the original result', async () => {
      const stream = newStream('idempotent-no-stream');
      const batch = events(3);
      const first = await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const again = await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      expect(ids(await getStore().readStream(stream))).toEqual(ids(batch));
    });

    it('re-appending the same ids with any returns the original result', async () => {
      const stream = newStream('idempotent-any');
      const batch = events(2);
      const first = await getStore().appendToStream(stream, batch, { expectedRevision: 'any' });
      await getStore().appendToStream(stream, events(1), { expectedRevision: 'any' });
      const again = await getStore().appendToStream(stream, batch, { expectedRevision: 'any' });
      expect(again).toEqual(first);
      expect(await getStore().readStream(stream)).toHaveLength(3);
    });

    it('a batch whose ids only partly match what was written fails', async () => {
      const stream = newStream('idempotent-partial');
      const batch = events(2);
      await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const partly = [batch[0], event()];
      await expectWrongRevision(getStore().appendToStream(stream, partly, { expectedRevision: 'no_stream' }), stream, 'no_stream', 1n);
      await expectWrongRevision(getStore().appendToStream(stream, partly, { expectedRevision: 'any' }), stream, 'any', 1n);
      // The written events are a prefix of the batch: still not a retry.
      const longer = [...batch, event()];
      await expectWrongRevision(getStore().appendToStream(stream, longer, { expectedRevision: 'no_stream' }), stream, 'no_stream', 1n);
      expect(ids(await getStore().readStream(stream))).toEqual(ids(batch));
    });

    it('the same ids at a different expected revision are not a retry', async () => {
      const stream = newStream('idempotent-other-revision');
      await getStore().appendToStream(stream, events(1), { expectedRevision: 'no_stream' });
      const batch = events(2);
      await getStore().appendToStream(stream, batch, { expectedRevision: 0n });
      await expectWrongRevision(getStore().appendToStream(stream, batch, { expectedRevision: 1n }), stream, 1n, 2n);
      await expectWrongRevision(getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' }), stream, 'no_stream', 2n);
      expect(await getStore().readStream(stream)).toHaveLength(3);
    });
  });

  describe('reading a stream', () => {
    it('reads forwards and backwards, from a revision (inclusive), up to maxCount', async () => {
      const stream = newStream('read-stream');
      const batch = events(5);
      await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const all = await getStore().readStream(stream);
      expect(ids(all)).toEqual(ids(batch));
      expect(all.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
      expect(all.every((e) => e.streamId === stream)).toBe(true);

      const forwards = await getStore().readStream(stream, { direction: 'forwards', fromRevision: 1n, maxCount: 2 });
      expect(forwards.map((e) => e.revision)).toEqual([1n, 2n]);
      expect(ids(forwards)).toEqual(ids(batch.slice(1, 3)));

      const backwards = await getStore().readStream(stream, { direction: 'backwards' });
      expect(backwards.map((e) => e.revision)).toEqual([4n, 3n, 2n, 1n, 0n]);

      const backwardsFrom = await getStore().readStream(stream, { direction: 'backwards', fromRevision: 3n, maxCount: 2 });
      expect(backwardsFrom.map((e) => e.revision)).toEqual([3n, 2n]);

      expect((await getStore().readStream(stream, { direction: 'backwards', maxCount: 1 })).map((e) => e.revision)).toEqual([4n]);
      expect(await getStore().readStream(stream, { fromRevision: 5n })).toEqual([]);
    });

    it('reads a missing stream as an empty list', async () => {
      const stream = newStream('missing');
      expect(await getStore().readStream(stream)).toEqual([]);
      expect(await getStore().readStream(stream, { direction: 'backwards', maxCount: 10 })).toEqual([]);
    });
  });

  describe('the global log', () => {
    it('orders events across streams; backwards is the reverse', async () => {
      const streams = [newStream('global-a'), newStream('global-b'), newStream('global-c')];
      const appended: string[] = [];
      for (let round = 0; round < 3; round++) {
        for (const stream of streams) {
          const batch = events(round + 1);
          await getStore().appendToStream(stream, batch);
          appended.push(...ids(batch));
        }
      }
      const forwards = mine(await getStore().readAll(), streams);
      expect(ids(forwards)).toEqual(appended);
      expectStrictlyIncreasing(forwards.map((e) => e.position));
      const byStream = await Promise.all(streams.map((s) => getStore().readStream(s)));
      const positionsById = new Map(byStream.flat().map((e) => [e.id, e.position]));
      expect(forwards.map((e) => positionsById.get(e.id))).toEqual(forwards.map((e) => e.position));

      const backwards = mine(await getStore().readAll({ direction: 'backwards' }), streams);
      expect(ids(backwards)).toEqual([...appended].reverse());
    });

    it('reads from a position: inclusive forwards, exclusive backwards', async () => {
      const stream = newStream('read-all-from');
      const batch = events(3);
      // One append is written contiguously in $all, even with other writers around.
      await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const [e0, e1, e2] = await getStore().readStream(stream);

      const forwards = await getStore().readAll({ direction: 'forwards', fromPosition: e1.position, maxCount: 2 });
      expect(ids(forwards)).toEqual([e1.id, e2.id]);
      expect(forwards[0].position).toEqual(e1.position);

      const backwards = await getStore().readAll({ direction: 'backwards', fromPosition: e1.position, maxCount: 1 });
      expect(ids(backwards)).toEqual([e0.id]);
      const backwardsFromLast = await getStore().readAll({ direction: 'backwards', fromPosition: e2.position, maxCount: 2 });
      expect(ids(backwardsFromLast)).toEqual([e1.id, e0.id]);
    });

    it('reports the head position', async () => {
      const stream = newStream('head');
      const result = await getStore().appendToStream(stream, events(2));
      const head = await getStore().headPosition();
      expect(head).not.toBeNull();
      expect(comparePositions(head!, result.position)).toBeGreaterThanOrEqual(0);
      const [last] = await getStore().readAll({ direction: 'backwards', maxCount: 1 });
      const headNow = await getStore().headPosition();
      expect(comparePositions(headNow!, last.position)).toBeGreaterThanOrEqual(0);
    });
  });

  describe('payloads', () => {
    it('round-trips data, metadata, type, id and recording time', async () => {
      const stream = newStream('round-trip');
      const data = {
        leadId: randomUUID(),
        contact: { name: 'Ada "the first" Lovelace', email: 'ada@example.com', phone: null },
        company: {
          name: 'Analytical\nEngines\tLtd',
          employees: 42,
          annualRevenue: 1234567.89,
          tags: [],
          nested: { deep: { deeper: [1, 'two', false, null, { x: -0.5 }] } },
        },
        flags: [true, false],
        empty: {},
        zero: 0,
        big: Number.MAX_SAFE_INTEGER,
        backslash: 'C:\\leads\\import.csv',
      };
      const metadata = {
        eventId: randomUUID(),
        correlationId: randomUUID(),
        actor: 'user:ada',
        occurredAt: '2024-01-02T03:04:05.678Z',
        schemaVersion: 1,
        trace: { hops: ['api', 'decider'] },
      };
      const e = { id: randomUUID(), type: 'LeadCaptured', data, metadata };
      const before = Date.now();
      const result = await getStore().appendToStream(stream, [e], { expectedRevision: 'no_stream' });
      const after = Date.now();
      const [read] = await getStore().readStream(stream);
      expect(read.id).toBe(e.id);
      expect(read.type).toBe('LeadCaptured');
      expect(read.streamId).toBe(stream);
      expect(read.revision).toBe(0n);
      expect(read.position).toEqual(result.position);
      expect(read.data).toEqual(data);
      expect(read.metadata).toEqual(metadata);
      expect(read.recordedAt).toBeInstanceOf(Date);
      // Allow for a server clock slightly apart from ours.
      expect(read.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
      expect(read.recordedAt.getTime()).toBeLessThanOrEqual(after + 5_000);
      const [fromAll] = await getStore().readAll({ fromPosition: read.position, maxCount: 1 });
      expect(fromAll).toEqual(read);
    });

    it('round-trips a large event (about 600 KB)', async () => {
      const stream = newStream('large');
      const notes = Array.from({ length: 6000 }, (_, i) => `note ${i}: ${'x'.repeat(88)}`);
      const data = { leadId: randomUUID(), notes };
      expect(JSON.stringify(data).length).toBeGreaterThan(600_000);
      await getStore().appendToStream(stream, [event('LargeEvent', data)], { expectedRevision: 'no_stream' });
      const [read] = await getStore().readStream(stream);
      expect(read.data).toEqual(data);
    });

    it('round-trips unicode in data, metadata, type and stream id without normalising it', async () => {
      const text = {
        emoji: '🚀 lead 👩🏽‍💻 family 👨‍👩‍👧‍👦 flag 🇫🇷',
        cjk: '潜在顧客 고객 客户',
        rtl: 'עסקה مرحبا بالعميل',
        // Decomposed forms must survive as written: "é" as e + U+0301 is not "é".
        combining: 'Cafe\u0301 Zoe\u0308 n\u0303',
        controls: 'tab\tnewline\nnull\u0000end',
      };
      const stream = newStream(`unicode-客户-🚀-עסקה`);
      const type = 'Événement客户🚀';
      await getStore().appendToStream(stream, [event(type, text, { note: text.combining, actor: `user:${text.rtl}` })], {
        expectedRevision: 'no_stream',
      });
      const [read] = await getStore().readStream(stream);
      expect(read.streamId).toBe(stream);
      expect(read.type).toBe(type);
      expect(read.data).toEqual(text);
      expect((read.data as typeof text).combining).toHaveLength(text.combining.length);
      expect((read.data as typeof text).combining).not.toBe(text.combining.normalize('NFC'));
      expect(read.metadata).toEqual({ note: text.combining, actor: `user:${text.rtl}` });
    });
  });

  describe('subscriptions to $all', () => {
    it('catches up on existing events, reports caught up, then delivers live appends in order', async () => {
      const streams = [newStream('sub-a'), newStream('sub-b')];
      const existing = [...events(3), ...events(2)];
      await getStore().appendToStream(streams[0], existing.slice(0, 3));
      await getStore().appendToStream(streams[1], existing.slice(3));

      let seenAtCaughtUp: string[] | undefined;
      let caughtUpCalls = 0;
      let consumer: ReturnType<typeof consume> | undefined;
      const subscription = getStore().subscribeToAll({
        onCaughtUp: () => {
          caughtUpCalls++;
          seenAtCaughtUp ??= ids(consumer?.seen ?? []);
        },
      });
      consumer = consume(subscription, streams);
      try {
        await waitFor(() => seenAtCaughtUp !== undefined, 'the subscription to catch up');
        expect(seenAtCaughtUp).toEqual(ids(existing));

        const live = [event(), event(), event()];
        await getStore().appendToStream(streams[1], [live[0]]);
        await getStore().appendToStream(streams[0], [live[1], live[2]]);
        await waitFor(() => consumer.seen.length >= existing.length + live.length, 'live events');
        expect(ids(consumer.seen)).toEqual([...ids(existing), ...ids(live)]);
        expectStrictlyIncreasing(consumer.seen.map((e) => e.position));
        expect(caughtUpCalls).toBe(1);
      } finally {
        await subscription.unsubscribe();
        await consumer.finished;
      }
    });

    it('resumed from a position delivers exactly the events after it', async () => {
      const stream = newStream('sub-resume');
      const batch = events(5);
      await getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' });
      const read = await getStore().readStream(stream);

      let caughtUp = false;
      const subscription = getStore().subscribeToAll({ fromPosition: read[2].position, onCaughtUp: () => (caughtUp = true) });
      const consumer = consume(subscription, [stream]);
      try {
        await waitFor(() => caughtUp, 'the subscription to catch up');
        expect(ids(consumer.seen)).toEqual(ids(batch.slice(3)));
        expect(consumer.seen.map((e) => e.revision)).toEqual([3n, 4n]);
        expect(consumer.seen.map((e) => e.position)).toEqual([read[3].position, read[4].position]);
      } finally {
        await subscription.unsubscribe();
        await consumer.finished;
      }
    });

    it('unsubscribe ends a pending iteration', async () => {
      let caughtUp = false;
      const head = await getStore().headPosition();
      const subscription = getStore().subscribeToAll({ fromPosition: head ?? undefined, onCaughtUp: () => (caughtUp = true) });
      const consumer = consume(subscription, []);
      let ended = false;
      void consumer.finished.then(() => (ended = true));
      await waitFor(() => caughtUp, 'the subscription to catch up');
      expect(ended).toBe(false);
      await subscription.unsubscribe();
      await waitFor(() => ended, 'the iteration to end', 5_000);
      await expect(consumer.finished).resolves.toBeUndefined();
    });
  });

  describe('concurrency', () => {
    it('of concurrent appends at the same expected revision exactly one wins', async () => {
      const stream = newStream('race');
      await getStore().appendToStream(stream, events(1), { expectedRevision: 'no_stream' });
      const contenders = Array.from({ length: 8 }, () => [event()]);
      const outcomes = await Promise.allSettled(
        contenders.map((batch) => getStore().appendToStream(stream, batch, { expectedRevision: 0n })),
      );
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect((outcomes[winners[0]] as PromiseFulfilledResult<{ nextExpectedRevision: bigint }>).value.nextExpectedRevision).toBe(1n);
      for (const o of outcomes) {
        if (o.status === 'fulfilled') continue;
        expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((o.reason as WrongExpectedRevisionError).actual).toBe(1n);
      }
      const read = await getStore().readStream(stream);
      expect(ids(read)).toEqual([read[0].id, contenders[winners[0]][0].id]);
    });

    it('of concurrent creations of one stream with no_stream exactly one wins', async () => {
      const stream = newStream('race-create');
      const contenders = Array.from({ length: 8 }, () => events(2));
      const outcomes = await Promise.allSettled(
        contenders.map((batch) => getStore().appendToStream(stream, batch, { expectedRevision: 'no_stream' })),
      );
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as WrongExpectedRevisionError).actual).toBe(1n);
      expect(ids(await getStore().readStream(stream))).toEqual(ids(contenders[winners[0]]));
    });
  });
}
