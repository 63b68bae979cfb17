import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteEventStore, type EventToAppend } from '@lead/event-store';
import { applyStorePragmas, eventsTableDdl } from '../libs/event-store/src/sqlite/sqlite-schema';
import { alternate, mechanismsToCompare, opsPerSecond, runStandalone, type BenchResult } from './bench-kit';

/** Events read by the read benchmarks: enough that the figure is not a cache artefact. */
export const READ_BENCH_EVENTS = 200_000;
const CONCURRENT_WRITERS = 64;
/** A lead's life is about this many events; writers move to a new stream after it, as the app does. */
const EVENTS_PER_STREAM = 8;

/** A realistic event: a captured lead with the metadata every stored event carries (~700 bytes of JSON). */
function sampleEvent(leadId: string, i: number): EventToAppend {
  const id = randomUUID();
  return {
    id,
    type: i % EVENTS_PER_STREAM === 0 ? 'LeadCaptured' : 'ActivityRecorded',
    data: {
      leadId,
      kind: 'B2B',
      contact: { name: `Lead ${i}`, email: `lead${i}@example.com`, phone: '+33 1 23 45 67 89' },
      company: { name: `Company ${i}`, industry: 'software', employees: 50 + (i % 500), country: 'FR' },
      source: { channel: 'web_form', origin: 'organic_search', campaign: 'spring-webinar' },
      need: 'Replace the spreadsheet used to follow up prospects',
      normalizedEmail: `lead${i}@example.com`,
    },
    metadata: {
      eventId: id,
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: 'service:bench',
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
}

/** Hands out (stream, expected revision) pairs the way commands do: a new lead stream every few events. */
class StreamCursor {
  private streamId = `lead-${randomUUID()}`;
  private next = 0;
  private counter = 0;

  take(): { streamId: string; event: EventToAppend; expectedRevision: bigint | 'no_stream' } {
    if (this.next === EVENTS_PER_STREAM) {
      this.streamId = `lead-${randomUUID()}`;
      this.next = 0;
    }
    const expectedRevision = this.next === 0 ? 'no_stream' : BigInt(this.next - 1);
    const event = sampleEvent(this.streamId.slice(5), this.counter++);
    this.next++;
    return { streamId: this.streamId, event, expectedRevision };
  }
}

/**
 * The limit: one-event write transactions per second with plain better-sqlite3 and the store's
 * durability (WAL, synchronous FULL), into a table identical to the store's. An event store that
 * commits each append separately cannot beat this figure; group commit can.
 */
export async function rawOneEventTransactionsPerSecond(file: string, seconds = 3): Promise<number> {
  const db = new BetterSqlite3(file);
  try {
    applyStorePragmas(db, 'FULL');
    db.exec(eventsTableDdl('raw_events'));
    const insert = db.prepare(
      'INSERT INTO raw_events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // The same rows as the store benchmarks write: lead streams of 8 events, serialised per event.
    const cursor = new StreamCursor();
    const writeOne = db.transaction(() => {
      const { streamId, event, expectedRevision } = cursor.take();
      const revision = expectedRevision === 'no_stream' ? 0 : Number(expectedRevision) + 1;
      insert.run(streamId, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), Date.now());
    });
    return await opsPerSecond(() => {
      writeOne();
      return 1;
    }, seconds);
  } finally {
    db.close();
  }
}

/** Fills a store file with `count` realistic events (lead streams of 8), in large transactions. */
export async function seedEvents(file: string, count: number): Promise<void> {
  await new SqliteEventStore({ path: file }).close(); // creates the schema
  const db = new BetterSqlite3(file);
  try {
    applyStorePragmas(db, 'NORMAL');
    const insert = db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const cursor = new StreamCursor();
    const chunk = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        const { streamId, event, expectedRevision } = cursor.take();
        const revision = expectedRevision === 'no_stream' ? 0 : Number(expectedRevision) + 1;
        insert.run(streamId, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), Date.now());
      }
    });
    for (let done = 0; done < count; done += 10_000) chunk(Math.min(10_000, count - done));
  } finally {
    db.close();
  }
}

/**
 * The read limit: rows per second that plain better-sqlite3 can read from a store file's log in
 * global order and JSON-parse (data and metadata). Projection catch-up cannot be faster than this.
 */
export function rawReadParsePerSecond(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    // Keyset pages of raw rows: the fastest plain better-sqlite3 read we found (iterate() is slower per row).
    const page = db
      .prepare(
        'SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT 1000',
      )
      .raw(true);
    let count = 0;
    let parsed = 0;
    let after = 0;
    const start = process.hrtime.bigint();
    for (;;) {
      const rows = page.all(after) as unknown[][];
      if (rows.length === 0) break;
      for (const row of rows) {
        // Keep the parsed values reachable so the parse cannot be optimised away.
        if (JSON.parse(row[5] as string) !== JSON.parse(row[6] as string)) parsed++;
      }
      count += rows.length;
      after = rows[rows.length - 1][0] as number;
    }
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    if (parsed !== count) throw new Error('unreachable');
    return count / elapsed;
  } finally {
    db.close();
  }
}

async function storeReadAllPerSecond(file: string): Promise<number> {
  const store = new SqliteEventStore({ path: file });
  try {
    let count = 0;
    let from = 0n;
    const start = process.hrtime.bigint();
    for (;;) {
      const page = await store.readAll({ fromPosition: { commit: from, prepare: from }, maxCount: 1000 });
      if (page.length === 0) break;
      count += page.length;
      from = page[page.length - 1].position.commit + 1n;
    }
    return count / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await store.close();
  }
}

async function subscriptionCatchUpPerSecond(file: string): Promise<number> {
  const store = new SqliteEventStore({ path: file });
  try {
    let caughtUp = false;
    const subscription = store.subscribeToAll({ onCaughtUp: () => (caughtUp = true) });
    let count = 0;
    const start = process.hrtime.bigint();
    const iterator = subscription[Symbol.asyncIterator]();
    // Stop at the head rather than waiting for live events.
    const head = (await store.headPosition())?.commit ?? 0n;
    while (!caughtUp) {
      const { done, value } = await iterator.next();
      if (done) break;
      count++;
      if (value.position.commit === head) break;
    }
    const rate = count / (Number(process.hrtime.bigint() - start) / 1e9);
    await subscription.unsubscribe();
    return rate;
  } finally {
    await store.close();
  }
}

/** The same catch-up taking what the store holds a page at a time (takeAvailable), as the projection runner does. */
async function subscriptionPagesPerSecond(file: string): Promise<number> {
  const store = new SqliteEventStore({ path: file });
  try {
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const head = (await store.headPosition())?.commit ?? 0n;
    let count = 0;
    const start = process.hrtime.bigint();
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) break;
      const page = subscription.takeAvailable!(1000);
      count += 1 + page.length;
      if ((page.length > 0 ? page[page.length - 1] : value).position.commit === head) break;
    }
    const rate = count / (Number(process.hrtime.bigint() - start) / 1e9);
    await subscription.unsubscribe();
    return rate;
  } finally {
    await store.close();
  }
}

/** Read passes are short: the first also pays for JIT warm-up and the OS page cache, so keep the better of two. */
async function bestOfTwo(measure: () => Promise<number>): Promise<number> {
  return Math.max(await measure(), await measure());
}

const ratio = (value: number, limit: number): string =>
  value >= limit ? `${(value / limit).toFixed(1)}×` : `${((100 * value) / limit).toFixed(0)}%`;

/** 64 concurrent writers appending one event each, as the commands do, for `seconds`. */
async function concurrentAppendsPerSecond(file: string, seconds: number, groupCommit: boolean): Promise<number> {
  const store = new SqliteEventStore({ path: file, groupCommit });
  try {
    const writers = Array.from({ length: CONCURRENT_WRITERS }, () => new StreamCursor());
    return await opsPerSecond(async () => {
      await Promise.all(
        writers.map((writer) => {
          const { streamId, event, expectedRevision } = writer.take();
          return store.appendToStream(streamId, [event], { expectedRevision });
        }),
      );
      return writers.length;
    }, seconds);
  } finally {
    await store.close();
  }
}

/** `npm run bench -- event-store --ab group-commit`: each mechanism on and off in alternating rounds. */
async function compareMechanisms(dir: string, mechanisms: readonly string[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let run = 0;
  for (const mechanism of mechanisms) {
    if (mechanism === 'group-commit') {
      results.push(
        await alternate(mechanism, `${CONCURRENT_WRITERS} concurrent appends`, 'appends/s', (on) =>
          concurrentAppendsPerSecond(join(dir, `ab-appends-${run++}.sqlite`), 3, on),
        ),
      );
    } else {
      throw new Error(`Unknown mechanism "${mechanism}" (known: group-commit)`);
    }
  }
  return results;
}

export async function benchEventStore(dir: string, compare: readonly string[] = mechanismsToCompare()): Promise<BenchResult[]> {
  mkdirSync(dir, { recursive: true });
  if (compare.length > 0) return compareMechanisms(dir, compare);
  const seconds = 3;
  const results: BenchResult[] = [];

  const rawTps = await rawOneEventTransactionsPerSecond(join(dir, 'raw-transactions.sqlite'), seconds);
  results.push({
    name: 'raw SQLite: one-event transactions (WAL, synchronous FULL)',
    value: rawTps,
    unit: 'tx/s',
    note: 'the write limit without group commit',
  });

  const writeFile = join(dir, 'appends.sqlite');
  const store = new SqliteEventStore({ path: writeFile });
  try {
    const sequential = new StreamCursor();
    const sequentialRate = await opsPerSecond(async () => {
      const { streamId, event, expectedRevision } = sequential.take();
      await store.appendToStream(streamId, [event], { expectedRevision });
      return 1;
    }, seconds);
    results.push({
      name: 'SqliteEventStore appends, sequential',
      value: sequentialRate,
      unit: 'appends/s',
      comparedWith: `raw one-event SQLite transactions (${ratio(sequentialRate, rawTps)})`,
    });

    const writers = Array.from({ length: CONCURRENT_WRITERS }, () => new StreamCursor());
    const before = store.stats();
    const concurrentRate = await opsPerSecond(async () => {
      await Promise.all(
        writers.map((writer) => {
          const { streamId, event, expectedRevision } = writer.take();
          return store.appendToStream(streamId, [event], { expectedRevision });
        }),
      );
      return writers.length;
    }, seconds);
    const after = store.stats();
    const perTransaction = (after.appends - before.appends) / (after.transactions - before.transactions);
    results.push({
      name: `SqliteEventStore appends, ${CONCURRENT_WRITERS} concurrent writers (group commit)`,
      value: concurrentRate,
      unit: 'appends/s',
      comparedWith: `raw one-event SQLite transactions (${ratio(concurrentRate, rawTps)})`,
      note: `${perTransaction.toFixed(1)} appends per transaction`,
    });
  } finally {
    await store.close();
  }

  const readFile = join(dir, 'reads.sqlite');
  await seedEvents(readFile, READ_BENCH_EVENTS);
  const rawRead = await bestOfTwo(async () => rawReadParsePerSecond(readFile));
  results.push({
    name: 'raw SQLite: read + JSON.parse, global order',
    value: rawRead,
    unit: 'events/s',
    note: `${READ_BENCH_EVENTS.toLocaleString('en-US')} events, the read limit`,
  });
  const readAll = await bestOfTwo(() => storeReadAllPerSecond(readFile));
  results.push({
    name: 'SqliteEventStore.readAll, pages of 1000',
    value: readAll,
    unit: 'events/s',
    comparedWith: `raw read + parse (${ratio(readAll, rawRead)})`,
  });
  const catchUp = await bestOfTwo(() => subscriptionCatchUpPerSecond(readFile));
  results.push({
    name: 'SqliteEventStore.subscribeToAll catch-up, event by event',
    value: catchUp,
    unit: 'events/s',
    comparedWith: `raw read + parse (${ratio(catchUp, rawRead)})`,
  });
  const pages = await bestOfTwo(() => subscriptionPagesPerSecond(readFile));
  results.push({
    name: 'SqliteEventStore.subscribeToAll catch-up, a page per takeAvailable()',
    value: pages,
    unit: 'events/s',
    comparedWith: `raw read + parse (${ratio(pages, rawRead)})`,
  });

  return results;
}

if (require.main === module) runStandalone(benchEventStore);
