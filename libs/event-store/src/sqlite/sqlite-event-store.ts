import { mkdirSync } from 'node:fs';
import { checkExpectedRevision, expectationHolds } from '../expected-revision';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import { WrongExpectedRevisionError } from '../event-store.errors';
import {
  START_POSITION,
  type AllSubscription,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventStoreCapabilities,
  type EventToAppend,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '../event-store.port';
import { applyStorePragmas, EVENTS_TABLE_DDL, type SqliteSynchronous } from './sqlite-schema';

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for tests. A missing parent directory is created. */
  readonly path: string;
  /** Default FULL: an acknowledged append survives power loss. NORMAL survives a process crash only. */
  readonly synchronous?: SqliteSynchronous;
  /** How often a live subscription looks for appends made by other processes. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /**
   * @deprecated Ignored. Subscriptions far behind the head used to read on a thread of their own; it
   * did not pay for itself (README, Benchmarks), and every subscription now reads on the caller's thread.
   */
  readonly readAheadThreshold?: number;
  /**
   * Default true: appends issued while a commit is pending share its transaction (one fsync for all).
   * false: one transaction per append, as raw SQLite would; kept to measure what grouping buys.
   */
  readonly groupCommit?: boolean;
}

/** An event id is already used by another event (ids are unique across the whole store). */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`Stream ${streamId}: event id ${eventId} is already used by another event`);
  }
}

/** Counters for tests and metrics: appends per transaction is the group-commit factor. */
export interface SqliteEventStoreStats {
  readonly transactions: number;
  readonly appends: number;
}

/** Subscriptions pull the log in pages of this size and never hold more than one page. */
const PAGE_SIZE = 1000;
/** SQLite's largest rowid: "no upper bound" for backwards reads. */
const MAX_POSITION = 9223372036854775807n;

/** A row as returned by the raw (array) statements; arrays skip building a keyed object per row. */
type EventRow = [
  position: number,
  streamId: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];

const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';

interface PendingAppend {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EventToAppend[];
  /** Serialised before queueing, so a payload that cannot be stored fails only its own append. */
  readonly data: string[];
  readonly metadata: string[];
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/**
 * Events and positions read back are class instances, not object literals: V8 tracks the survival of
 * objects per literal and, seeing a page of events outlive a young-generation collection, starts
 * allocating that literal's objects in the old generation, where every event then keeps its freshly
 * parsed data alive until a full collection.
 */
class StoredPosition implements Position {
  constructor(
    readonly commit: bigint,
    readonly prepare: bigint,
  ) {}
}

class StoredEvent implements RecordedEvent {
  constructor(
    readonly id: string,
    readonly streamId: string,
    readonly type: string,
    readonly data: unknown,
    readonly metadata: EventMetadata,
    readonly revision: bigint,
    readonly position: Position,
    readonly recordedAt: Date,
  ) {}
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  const position = BigInt(row[0]);
  return new StoredEvent(
    row[3],
    row[1],
    row[4],
    JSON.parse(row[5]),
    JSON.parse(row[6]) as EventMetadata,
    BigInt(row[2]),
    new StoredPosition(position, position),
    new Date(row[7]),
  );
}

function positionOf(seq: number | bigint): Position {
  const p = BigInt(seq);
  return { commit: p, prepare: p };
}

/** Whether a batch that was first written at `revision` could have been written under `expected` (an idempotent retry). */
function couldHaveStartedAt(expected: ExpectedRevision, revision: bigint): boolean {
  switch (expected) {
    case 'any':
    case 'stream_exists':
      return true;
    case 'no_stream':
      return revision === 0n;
    default:
      return revision === expected + 1n;
  }
}

/**
 * The embedded event store: one SQLite file, EventStoreDB semantics.
 *
 * Appends are group-committed: every append issued while a flush is pending joins one
 * transaction, flushed on the next setImmediate. Each append's expectation is checked in order
 * inside that transaction, and a failing append rejects only its own promise.
 */
export class SqliteEventStore implements EventStore {
  /** One sequence for the whole log: positions are consecutive. */
  readonly capabilities: EventStoreCapabilities = Object.freeze({ densePositions: true });
  private readonly db: Database;
  private readonly path: string;
  private readonly pollIntervalMs: number;
  private readonly groupCommit: boolean;
  private readonly statements: {
    streamHead: Statement;
    eventById: Statement;
    streamIdsFrom: Statement;
    insert: Statement;
    readStreamForwards: Statement;
    readStreamBackwards: Statement;
    readAllForwards: Statement;
    readAllBackwards: Statement;
    readAfter: Statement;
    head: Statement;
  };
  private readonly commitBatch: (batch: readonly PendingAppend[]) => Outcome[];
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** Live subscriptions waiting for new events: woken right after each commit in this process. */
  private readonly waiters = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteAllSubscription>();
  private closed = false;
  private transactions = 0;
  private appends = 0;

  constructor(options: SqliteEventStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.groupCommit = options.groupCommit ?? true;
    this.path = options.path;
    this.db = new BetterSqlite3(options.path);
    applyStorePragmas(this.db, options.synchronous ?? 'FULL');
    this.db.exec(EVENTS_TABLE_DDL);

    const raw = (sql: string) => this.db.prepare(sql).raw(true);
    this.statements = {
      streamHead: raw('SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      eventById: raw('SELECT stream_id, revision FROM events WHERE event_id = ?'),
      streamIdsFrom: raw('SELECT event_id, position FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?'),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readStreamForwards: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`),
      readStreamBackwards: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      readAllForwards: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      readAllBackwards: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE position < ? ORDER BY position DESC LIMIT ?`),
      readAfter: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      head: raw('SELECT max(position) FROM events'),
    };

    const transaction = this.db.transaction((batch: readonly PendingAppend[]) => {
      const recordedAt = Date.now();
      return batch.map((append): Outcome => {
        try {
          return { ok: true, result: this.applyAppend(append, recordedAt) };
        } catch (error) {
          // These are thrown before anything is written, so the rest of the batch can still commit.
          if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) return { ok: false, error };
          // Anything else (disk full, I/O error) may strike halfway through an append: roll the whole batch back.
          throw error;
        }
      });
    });
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes can
    // hit SQLITE_BUSY without waiting when another process commits in between.
    this.commitBatch = (batch) => transaction.immediate(batch);
  }

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.closed) throw new Error('The event store is closed');
      if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('A stream id must be a non-empty string');
      const expected = options?.expectedRevision ?? 'any';
      checkExpectedRevision(expected);
      const data = events.map((e) => JSON.stringify(e.data ?? null));
      const metadata = events.map((e) => JSON.stringify(e.metadata ?? {}));
      this.queue.push({ streamId, expected, events, data, metadata, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.statements.readStreamBackwards.all(streamId, options.fromRevision ?? MAX_POSITION, limit)
        : this.statements.readStreamForwards.all(streamId, options.fromRevision ?? 0n, limit);
    return (rows as EventRow[]).map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.statements.readAllBackwards.all(options.fromPosition?.commit ?? MAX_POSITION, limit)
        : this.statements.readAllForwards.all(options.fromPosition?.commit ?? 0n, limit);
    return (rows as EventRow[]).map(toRecordedEvent);
  }

  /** A live subscription keeps the process alive (its poll timer) until it is unsubscribed or the store is closed. */
  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const subscription = new SqliteAllSubscription(this, options.fromPosition?.commit ?? 0n, options.onCaughtUp);
    if (this.closed) {
      subscription.end();
    } else {
      this.subscriptions.add(subscription);
      // Start reading without waiting for the first next(), so onCaughtUp fires on an empty log even before the consumer iterates.
      setImmediate(() => subscription.prefetch());
    }
    return subscription;
  }

  /**
   * Deletes the stream's rows (secure_delete overwrites them). The rowid is the position and SQLite
   * hands out max(rowid)+1, so the log's last row is never deleted: when it belongs to the stream it
   * becomes an empty `$streamDeleted` system row instead, and no position is ever reused.
   */
  async deleteStream(streamId: string): Promise<void> {
    if (this.closed) throw new Error('The event store is closed');
    this.db
      .transaction(() => {
        const [head] = this.statements.head.get() as [number | null];
        this.db
          .prepare(
            `UPDATE events SET stream_id = '$deleted', revision = position, event_id = 'deleted-' || position, type = '$streamDeleted', data = '{}', metadata = '{}' WHERE position = ? AND stream_id = ?`,
          )
          .run(head, streamId);
        this.db.prepare('DELETE FROM events WHERE stream_id = ?').run(streamId);
      })
      .immediate();
  }

  /** Folds the WAL back into the file and truncates it, so that overwritten pages leave no copy behind. */
  async reclaimSpace(): Promise<void> {
    if (!this.closed && this.path !== ':memory:') this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async headPosition(): Promise<Position | null> {
    const [head] = this.statements.head.get() as [number | null];
    return head === null ? null : positionOf(head);
  }

  stats(): SqliteEventStoreStats {
    return { transactions: this.transactions, appends: this.appends };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted are committed, not dropped.
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.end();
    this.db.close();
  }

  /** @internal The next page of the log after `after`, for subscriptions. */
  readPageAfter(after: bigint): RecordedEvent[] {
    if (this.closed) return [];
    return (this.statements.readAfter.all(after, PAGE_SIZE) as EventRow[]).map(toRecordedEvent);
  }

  /** @internal Calls `wake` once, after the next commit in this process or after the poll interval. */
  waitForAppends(wake: () => void): () => void {
    const fire = () => {
      cancel();
      wake();
    };
    const cancel = () => {
      clearTimeout(timer);
      this.waiters.delete(fire);
    };
    this.waiters.add(fire);
    // Polling finds appends made by other processes (a CLI import, a second API instance).
    const timer = setTimeout(fire, this.pollIntervalMs);
    return cancel;
  }

  /** @internal */
  forget(subscription: SqliteAllSubscription): void {
    this.subscriptions.delete(subscription);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = [];
    if (this.groupCommit) this.commit(queued);
    else for (const append of queued) this.commit([append]);
  }

  private commit(batch: PendingAppend[]): void {
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.commitBatch(batch);
    } catch (error) {
      // The transaction itself failed (I/O error, lock timeout): nothing was written.
      for (const append of batch) append.reject(error);
      return;
    }
    this.transactions++;
    let wrote = false;
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i];
      if (outcome.ok) {
        this.appends++;
        wrote ||= batch[i].events.length > 0;
        batch[i].resolve(outcome.result);
      } else {
        batch[i].reject(outcome.error);
      }
    }
    if (wrote) for (const wake of [...this.waiters]) wake();
  }

  /** Runs inside the batch transaction. Throws before writing anything when the append is rejected. */
  private applyAppend(append: PendingAppend, recordedAt: number): AppendResult {
    const { streamId, expected, events } = append;
    const s = this.statements;
    const head = s.streamHead.get(streamId) as [revision: number, position: number] | undefined;
    const current: bigint | 'no_stream' = head === undefined ? 'no_stream' : BigInt(head[0]);

    if (events.length === 0) {
      if (!expectationHolds(expected, current)) throw new WrongExpectedRevisionError(streamId, expected, current);
      return head === undefined
        ? { nextExpectedRevision: -1n, position: START_POSITION }
        : { nextExpectedRevision: BigInt(head[0]), position: positionOf(head[1]) };
    }

    // Idempotency as in EventStoreDB: a retry of a batch that was already written returns the original result.
    const first = s.eventById.get(events[0].id) as [streamId: string, revision: number] | undefined;
    if (first !== undefined && first[0] === streamId) {
      const startedAt = BigInt(first[1]);
      if (couldHaveStartedAt(expected, startedAt)) {
        const written = s.streamIdsFrom.all(streamId, startedAt, events.length) as [eventId: string, position: number][];
        if (written.length === events.length && written.every((row, i) => row[0] === events[i].id)) {
          return { nextExpectedRevision: startedAt + BigInt(events.length - 1), position: positionOf(written[written.length - 1][1]) };
        }
        // Partly written before: neither a retry nor a new batch.
        throw new WrongExpectedRevisionError(streamId, expected, current);
      }
    }

    if (!expectationHolds(expected, current)) throw new WrongExpectedRevisionError(streamId, expected, current);

    if (first !== undefined) throw new DuplicateEventIdError(streamId, events[0].id);
    const ids = events.length > 1 ? new Set<string>([events[0].id]) : undefined;
    for (let i = 1; i < events.length; i++) {
      const id = events[i].id;
      if (ids!.has(id) || s.eventById.get(id) !== undefined) throw new DuplicateEventIdError(streamId, id);
      ids!.add(id);
    }

    let revision = current === 'no_stream' ? 0 : Number(current) + 1;
    let position: number | bigint = 0;
    for (let i = 0; i < events.length; i++, revision++) {
      const event = events[i];
      position = s.insert.run(streamId, revision, event.id, event.type, append.data[i], append.metadata[i], recordedAt).lastInsertRowid;
    }
    return { nextExpectedRevision: BigInt(revision - 1), position: positionOf(position) };
  }
}

/**
 * Catch-up then live subscription. Pull-based: a page is read only when the consumer has taken
 * every event of the previous one, so a slow consumer holds at most one page in memory.
 */
class SqliteAllSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private page: RecordedEvent[] = [];
  private index = 0;
  private caughtUp = false;
  private ended = false;
  /** The pending slow-path pull; next() calls made meanwhile queue behind it. */
  private pulling: Promise<IteratorResult<RecordedEvent>> | null = null;
  /** Ends a wait for new events early (unsubscribe, close). */
  private interruptWait: (() => void) | null = null;

  constructor(
    private readonly store: SqliteEventStore,
    private after: bigint,
    private readonly onCaughtUp: (() => void) | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    // Fast path: catch-up over millions of events must not pay for more than one promise per event.
    if (this.pulling === null && this.index < this.page.length && !this.ended) {
      return Promise.resolve({ done: false, value: this.page[this.index++] });
    }
    const previous = this.pulling;
    const pull: Promise<IteratorResult<RecordedEvent>> = (previous ?? Promise.resolve()).then(() => this.pull());
    this.pulling = pull;
    const clear = () => {
      if (this.pulling === pull) this.pulling = null;
    };
    pull.then(clear, clear);
    return pull;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.unsubscribe();
    return { done: true, value: undefined };
  }

  async unsubscribe(): Promise<void> {
    this.end();
  }

  /** Pages are read on the consumer's thread, when it asks: never ahead of it. */
  readingAhead(): boolean {
    return false;
  }

  takeAvailable(maxCount: number): RecordedEvent[] {
    // Behind a pending pull the order of events is that pull's business.
    if (this.pulling !== null || this.ended || this.store.isClosed) return [];
    let taken: RecordedEvent[] = [];
    while (taken.length < maxCount) {
      // At the head: the next pull waits.
      if (this.index >= this.page.length && !this.turnPage()) break;
      const end = Math.min(this.page.length, this.index + maxCount - taken.length);
      if (taken.length === 0 && this.index === 0 && end === this.page.length) taken = this.page;
      else for (let i = this.index; i < end; i++) taken.push(this.page[i]);
      this.index = end;
    }
    if (this.index >= this.page.length) this.page = [];
    return taken;
  }

  /** @internal Loads the first page (at most one page ahead of the consumer) unless a pull already runs. */
  prefetch(): void {
    if (this.ended || this.pulling !== null || this.index < this.page.length || this.store.isClosed) return;
    if (!this.turnPage() && !this.caughtUp) {
      this.caughtUp = true;
      this.onCaughtUp?.();
    }
  }

  /** @internal */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.page = [];
    this.store.forget(this);
    this.interruptWait?.();
  }

  /** Replaces the spent page with the next one, if the store holds one: false at the head. */
  private turnPage(): boolean {
    const page = this.store.readPageAfter(this.after);
    if (page.length === 0) return false;
    this.page = page;
    this.index = 0;
    this.after = page[page.length - 1].position.commit;
    return true;
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.ended || this.store.isClosed) {
        this.end();
        return { done: true, value: undefined };
      }
      if (this.index < this.page.length) return { done: false, value: this.page[this.index++] };
      if (this.turnPage()) continue;
      if (!this.caughtUp) {
        this.caughtUp = true;
        // No re-read needed: an append made from the callback commits later and wakes the wait below.
        this.onCaughtUp?.();
        if (this.ended) continue;
      }
      await new Promise<void>((resolve) => {
        const cancel = this.store.waitForAppends(() => {
          this.interruptWait = null;
          resolve();
        });
        this.interruptWait = () => {
          this.interruptWait = null;
          cancel();
          resolve();
        };
      });
    }
  }
}
