import type { Database } from 'better-sqlite3';

export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Where better-sqlite3 is, for a worker thread to load the same driver (read past a bundler's static require handling). */
export function sqliteDriverPath(): string {
  try {
    // eval keeps a bundler from replacing this require with its own module map.
    return (eval('require') as NodeRequire).resolve('better-sqlite3');
  } catch {
    return 'better-sqlite3';
  }
}

/**
 * Connection settings shared by the store, its CLI users and the benchmarks, so that a
 * benchmark's "raw SQLite" limit is measured with exactly the store's durability.
 */
export function applyStorePragmas(db: Database, synchronous: SqliteSynchronous = 'FULL'): void {
  // A second process (the CLI) waits for the write lock instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  // WAL: readers (subscriptions, projections) never block the writer, and a commit is one sequential append + fsync.
  db.pragma('journal_mode = WAL');
  // FULL fsyncs the WAL on every commit: an acknowledged append survives power loss. NORMAL only survives a process crash.
  db.pragma(`synchronous = ${synchronous}`);
  // Only macOS honours it (its plain fsync does not reach the platter); elsewhere fsync already does.
  if (synchronous === 'FULL') db.pragma('fullfsync = ON');
  // Catch-up over millions of events reads the log sequentially; a larger page cache keeps the hot index pages resident.
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // Deleted rows (an erased lead's contact claims) are overwritten in the file, not just unlinked.
  db.pragma('secure_delete = ON');
}

/**
 * The global log. `position` is the rowid: SQLite serialises writers, so positions are assigned in
 * commit order and a reader that has seen position p can never later find a committed event below p
 * (the property subscriptions rely on). Rows are never deleted, so rowids are never reused.
 *
 * UNIQUE(stream_id, revision) is the concurrency guard and, being a covering index over
 * (stream_id, revision, rowid), also answers "where is this stream now" in one index probe.
 * The table name is a parameter only so that benchmarks can build an identical table beside it.
 */
export const eventsTableDdl = (table = 'events'): string => `
  CREATE TABLE IF NOT EXISTS ${table} (
    position    INTEGER PRIMARY KEY,
    stream_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    event_id    TEXT    NOT NULL UNIQUE,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL, -- epoch milliseconds: cheaper to turn into a Date than ISO text
    UNIQUE (stream_id, revision)
  );
`;

export const EVENTS_TABLE_DDL = eventsTableDdl();
