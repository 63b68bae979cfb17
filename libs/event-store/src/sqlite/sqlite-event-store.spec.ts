import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { WrongExpectedRevisionError } from '../event-store.errors';
import type { EventToAppend, RecordedEvent } from '../event-store.port';
import { DuplicateEventIdError, SqliteEventStore } from './sqlite-event-store';

const event = (n = 0): EventToAppend => ({ id: randomUUID(), type: 'Tested', data: { n }, metadata: {} });

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SqliteEventStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-event-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('states dense positions, and numbers the log consecutively across streams', async () => {
    const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
    try {
      expect(store.capabilities.densePositions).toBe(true);
      await store.appendToStream('dense-a', [event(0), event(1)]);
      await store.appendToStream('dense-b', [event(2)]);
      await store.appendToStream('dense-a', [event(3)]);
      const all = await store.readAll();
      expect(all.map((e) => [e.position.commit, e.position.prepare])).toEqual([
        [1n, 1n],
        [2n, 2n],
        [3n, 3n],
        [4n, 4n],
      ]);
    } finally {
      await store.close();
    }
  });

  describe('group commit', () => {
    it('commits concurrent appends to different streams in one transaction, each with its own result', async () => {
      const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
      try {
        const before = store.stats();
        const streams = Array.from({ length: 50 }, (_, i) => `group-${i}`);
        const results = await Promise.all(
          streams.map((s, i) => store.appendToStream(s, [event(i), event(i)], { expectedRevision: 'no_stream' })),
        );
        expect(store.stats().transactions - before.transactions).toBe(1);
        expect(store.stats().appends - before.appends).toBe(50);
        // Each append got the position of its own last event, in the order the appends were issued.
        expect(results.map((r) => r.position.commit)).toEqual(streams.map((_, i) => BigInt(2 * i + 2)));
        expect(results.every((r) => r.nextExpectedRevision === 1n)).toBe(true);
        const all = await store.readAll();
        expect(all).toHaveLength(100);
        expect(new Set(all.map((e) => e.recordedAt.getTime())).size).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('with groupCommit: false, commits each of the same concurrent appends in a transaction of its own', async () => {
      const store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), groupCommit: false });
      try {
        const before = store.stats();
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => store.appendToStream(`single-${i}`, [event(i)], { expectedRevision: 'no_stream' })),
        );
        expect(store.stats().transactions - before.transactions).toBe(5);
        expect(results.map((r) => r.position.commit)).toEqual([1n, 2n, 3n, 4n, 5n]);
      } finally {
        await store.close();
      }
    });

    it('rejects only the append whose expectation fails; the rest of the batch commits', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        await store.appendToStream('existing', [event()]);
        const before = store.stats().transactions;
        const outcomes = await Promise.allSettled([
          store.appendToStream('a', [event()], { expectedRevision: 'no_stream' }),
          store.appendToStream('existing', [event()], { expectedRevision: 'no_stream' }),
          store.appendToStream('b', [event()], { expectedRevision: 'no_stream' }),
          store.appendToStream('c', [event()], { expectedRevision: 5n }),
          store.appendToStream('existing', [event()], { expectedRevision: 0n }),
        ]);
        expect(store.stats().transactions - before).toBe(1);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
        expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new WrongExpectedRevisionError('existing', 'no_stream', 0n));
        expect((outcomes[3] as PromiseRejectedResult).reason).toEqual(new WrongExpectedRevisionError('c', 5n, 'no_stream'));
        expect((await store.readAll()).map((e) => `${e.streamId}@${e.revision}`)).toEqual(['existing@0', 'a@0', 'b@0', 'existing@1']);
      } finally {
        await store.close();
      }
    });

    it('checks expectations in order inside a batch: an earlier append counts', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        const retried = [event(), event()];
        const outcomes = await Promise.allSettled([
          store.appendToStream('s', retried, { expectedRevision: 'no_stream' }),
          store.appendToStream('s', [event()], { expectedRevision: 1n }),
          store.appendToStream('s', [event()], { expectedRevision: 1n }),
          // A retry within the same batch is idempotent too.
          store.appendToStream('s', retried, { expectedRevision: 'no_stream' }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
        expect((outcomes[2] as PromiseRejectedResult).reason).toEqual(new WrongExpectedRevisionError('s', 1n, 2n));
        expect((outcomes[3] as PromiseFulfilledResult<unknown>).value).toEqual((outcomes[0] as PromiseFulfilledResult<unknown>).value);
        expect(await store.readStream('s')).toHaveLength(3);
      } finally {
        await store.close();
      }
    });

    it('rejects an append that cannot be serialised without failing the batch', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const outcomes = await Promise.allSettled([
          store.appendToStream('ok', [event()]),
          store.appendToStream('bad', [{ id: randomUUID(), type: 'Bad', data: circular, metadata: {} }]),
          store.appendToStream('bigint', [{ id: randomUUID(), type: 'Bad', data: { n: 1n }, metadata: {} }]),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
        expect((await store.readAll()).map((e) => e.streamId)).toEqual(['ok']);
      } finally {
        await store.close();
      }
    });
  });

  describe('appending', () => {
    it('rejects an event id already used in another stream or twice in one batch', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        const e = event();
        await store.appendToStream('one', [e]);
        await expect(store.appendToStream('two', [e])).rejects.toBeInstanceOf(DuplicateEventIdError);
        const twice = event();
        await expect(store.appendToStream('three', [event(), twice, twice])).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect((await store.readAll()).map((r) => r.streamId)).toEqual(['one']);
      } finally {
        await store.close();
      }
    });

    it('an empty append returns the position of the stream’s last event, or -1 and the start for a missing stream', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        const written = await store.appendToStream('s', [event(), event()]);
        await store.appendToStream('other', [event()]);
        expect(await store.appendToStream('s', [])).toEqual(written);
        expect(await store.appendToStream('missing', [], { expectedRevision: 'no_stream' })).toEqual({
          nextExpectedRevision: -1n,
          position: { commit: 0n, prepare: 0n },
        });
      } finally {
        await store.close();
      }
    });

    it('rejects invalid arguments and appends after close', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      await expect(store.appendToStream('', [event()])).rejects.toThrow(TypeError);
      await expect(store.appendToStream('s', [event()], { expectedRevision: -1n })).rejects.toThrow(TypeError);
      await store.close();
      await expect(store.appendToStream('s', [event()])).rejects.toThrow(/closed/);
    });

    it('commits appends still queued when closed', async () => {
      const path = join(dir, 'events.sqlite');
      const store = new SqliteEventStore({ path });
      const pending = store.appendToStream('s', [event()]);
      await store.close();
      await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0n });
      const reopened = new SqliteEventStore({ path });
      expect(await reopened.readStream('s')).toHaveLength(1);
      await reopened.close();
    });

    it('positions and revisions survive reopening, and the head is null on an empty store', async () => {
      const path = join(dir, 'events.sqlite');
      const store = new SqliteEventStore({ path });
      expect(await store.headPosition()).toBeNull();
      await store.appendToStream('s', [event(), event()]);
      await store.close();
      const reopened = new SqliteEventStore({ path });
      try {
        const result = await reopened.appendToStream('s', [event()], { expectedRevision: 1n });
        expect(result).toEqual({ nextExpectedRevision: 2n, position: { commit: 3n, prepare: 3n } });
        expect(await reopened.headPosition()).toEqual({ commit: 3n, prepare: 3n });
      } finally {
        await reopened.close();
      }
    });
  });

  describe('subscriptions', () => {
    it('see appends made by another store instance on the same file (polling)', async () => {
      const path = join(dir, 'shared.sqlite');
      const reader = new SqliteEventStore({ path, pollIntervalMs: 20 });
      const writer = new SqliteEventStore({ path });
      const seen: RecordedEvent[] = [];
      let caughtUp = false;
      const subscription = reader.subscribeToAll({ onCaughtUp: () => (caughtUp = true) });
      const finished = (async () => {
        for await (const e of subscription) seen.push(e);
      })();
      try {
        await waitFor(() => caughtUp, 'catch-up');
        const batch = [event(1), event(2), event(3)];
        await writer.appendToStream('elsewhere', batch);
        await waitFor(() => seen.length === 3, 'the other instance’s appends');
        expect(seen.map((e) => e.id)).toEqual(batch.map((e) => e.id));
      } finally {
        await subscription.unsubscribe();
        await finished;
        await writer.close();
        await reader.close();
      }
    });

    it('pages through catch-up without reading more than one page ahead', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        await Promise.all(
          Array.from({ length: 25 }, (_, s) =>
            store.appendToStream(
              `s-${s}`,
              Array.from({ length: 100 }, (_, n) => event(n)),
            ),
          ),
        );
        const pages: number[] = [];
        const readPageAfter = store.readPageAfter.bind(store);
        jest.spyOn(store, 'readPageAfter').mockImplementation((after) => {
          const page = readPageAfter(after);
          pages.push(page.length);
          return page;
        });
        let caughtUp = false;
        const subscription = store.subscribeToAll({ onCaughtUp: () => (caughtUp = true) });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await iterator.next()).value?.position.commit).toBe(1n);
        await new Promise((resolve) => setTimeout(resolve, 20));
        // The consumer is slow: nothing beyond the first page has been read.
        expect(pages).toEqual([1000]);
        for (let count = 1; count < 2500; count++) expect((await iterator.next()).done).toBe(false);
        expect(pages).toEqual([1000, 1000, 500]);
        expect(caughtUp).toBe(false);
        // The next pull finds the head, reports catch-up and waits for live events.
        const pending = iterator.next();
        await waitFor(() => caughtUp, 'catch-up');
        expect(pages).toEqual([1000, 1000, 500, 0]);
        await subscription.unsubscribe();
        await expect(pending).resolves.toEqual({ done: true, value: undefined });
      } finally {
        await store.close();
      }
    });

    it('hands out what it can read without waiting in one call, in log order, and the iterator goes on after it', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        await Promise.all(
          Array.from({ length: 3 }, (_, s) =>
            store.appendToStream(
              `s-${s}`,
              Array.from({ length: 1000 }, (_, n) => event(n)),
            ),
          ),
        );
        let caughtUp = false;
        const subscription = store.subscribeToAll({ fromPosition: { commit: 10n, prepare: 10n }, onCaughtUp: () => (caughtUp = true) });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await iterator.next()).value?.position.commit).toBe(11n);
        // The rest of the first page and more pages, read synchronously, up to the count asked for.
        const taken = subscription.takeAvailable!(1500);
        expect(taken.map((e) => Number(e.position.commit))).toEqual(Array.from({ length: 1500 }, (_, i) => 12 + i));
        expect((await iterator.next()).value?.position.commit).toBe(1512n);
        expect(subscription.takeAvailable!(5000)).toHaveLength(3000 - 1512);
        // At the head it takes nothing; catch-up is reported by the next pull, which then waits.
        expect(subscription.takeAvailable!(10)).toEqual([]);
        expect(caughtUp).toBe(false);
        const pending = iterator.next();
        await waitFor(() => caughtUp, 'catch-up');
        expect(subscription.takeAvailable!(10)).toEqual([]);
        await store.appendToStream('s-9', [event()]);
        expect((await pending).value?.position.commit).toBe(3001n);
        await subscription.unsubscribe();
        expect(subscription.takeAvailable!(10)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('end when the store closes, and a subscription opened on an empty store reports catch-up without being iterated', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      let caughtUp = false;
      const subscription = store.subscribeToAll({ onCaughtUp: () => (caughtUp = true) });
      await waitFor(() => caughtUp, 'catch-up');
      const pending = subscription[Symbol.asyncIterator]().next();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await store.close();
      await expect(pending).resolves.toEqual({ done: true, value: undefined });
    });

    it('break in for-await unsubscribes', async () => {
      const store = new SqliteEventStore({ path: ':memory:' });
      try {
        await store.appendToStream('s', [event(), event(), event()]);
        const subscription = store.subscribeToAll();
        for await (const e of subscription) if (e.revision === 1n) break;
        await expect(subscription[Symbol.asyncIterator]().next()).resolves.toEqual({ done: true, value: undefined });
      } finally {
        await store.close();
      }
    });
  });

  describe('durability', () => {
    /** Appends in a loop with 16 concurrent writers (so group commit is exercised) and prints every acknowledged append. */
    const writerScript = `
      const { randomUUID } = require('node:crypto');
      const { SqliteEventStore } = require(process.env.STORE_MODULE);
      const store = new SqliteEventStore({ path: process.env.STORE_FILE });
      async function write(w) {
        const streamId = 'crash-' + w;
        const [last] = await store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
        let expectedRevision = last ? last.revision : 'no_stream';
        for (;;) {
          const events = Array.from({ length: 1 + (w % 3) }, (_, n) => ({ id: randomUUID(), type: 'CrashTested', data: { w, n, pad: 'x'.repeat(300) }, metadata: { w } }));
          const result = await store.appendToStream(streamId, events, { expectedRevision });
          expectedRevision = result.nextExpectedRevision;
          process.stdout.write(streamId + ' ' + result.nextExpectedRevision + ' ' + result.position.commit + ' ' + events[events.length - 1].id + '\\n');
        }
      }
      for (let w = 0; w < 16; w++) write(w).catch((e) => { console.error(e); process.exit(1); });
    `;

    interface Ack {
      streamId: string;
      revision: bigint;
      position: bigint;
      eventId: string;
    }

    /** Runs the writer until it has acknowledged `minAcks` appends plus a random delay, then SIGKILLs it. */
    function writeThenKill(file: string, minAcks: number): Promise<Ack[]> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', writerScript], {
          cwd: join(__dirname, '..', '..', '..', '..'),
          env: {
            ...process.env,
            STORE_FILE: file,
            STORE_MODULE: require.resolve('./sqlite-event-store.ts'),
            TS_NODE_TRANSPILE_ONLY: 'true',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const acks: Ack[] = [];
        let partial = '';
        let stderr = '';
        let killScheduled = false;
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on('data', (chunk: Buffer) => {
          const lines = (partial + chunk.toString()).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            const [streamId, revision, position, eventId] = line.split(' ');
            acks.push({ streamId, revision: BigInt(revision), position: BigInt(position), eventId });
          }
          if (!killScheduled && acks.length >= minAcks) {
            killScheduled = true;
            // Kill at a random moment, most likely in the middle of a commit.
            setTimeout(() => child.kill('SIGKILL'), Math.random() * 50);
          }
        });
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          if (signal === 'SIGKILL') resolve(acks);
          else reject(new Error(`The writer exited on its own (code ${code}): ${stderr}`));
        });
      });
    }

    it('keeps every acknowledged append across SIGKILLs, with contiguous revisions and an intact file', async () => {
      const file = join(dir, 'crash', 'events.sqlite');
      const acks: Ack[] = [];
      for (let round = 0; round < 4; round++) {
        acks.push(...(await writeThenKill(file, 300)));
        // Reopening after each crash recovers the WAL; the next writer continues from there.
        const reopened = new SqliteEventStore({ path: file });
        expect(await reopened.headPosition()).not.toBeNull();
        await reopened.close();
      }
      expect(acks.length).toBeGreaterThanOrEqual(4 * 300);

      const store = new SqliteEventStore({ path: file });
      try {
        const all = await store.readAll();
        const byPosition = new Map(all.map((e) => [e.position.commit, e]));
        for (const ack of acks) {
          const stored = byPosition.get(ack.position);
          expect(stored && { streamId: stored.streamId, revision: stored.revision, eventId: stored.id }).toEqual({
            streamId: ack.streamId,
            revision: ack.revision,
            eventId: ack.eventId,
          });
        }
        for (let i = 1; i < all.length; i++) expect(all[i].position.commit).toBeGreaterThan(all[i - 1].position.commit);
        const revisions = new Map<string, bigint[]>();
        for (const e of all) revisions.set(e.streamId, [...(revisions.get(e.streamId) ?? []), e.revision]);
        expect(revisions.size).toBe(16);
        for (const list of revisions.values()) expect(list).toEqual(list.map((_, i) => BigInt(i)));
      } finally {
        await store.close();
      }

      const db = new BetterSqlite3(file, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    }, 20_000);
  });
});
