import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { DocUpdate } from './read-store.port';

/** One projection's share of a commit: its checkpoint and how many of the encoded writes are its. */
export interface WriterCommit {
  projection: string;
  commit: string | null;
  prepare: string | null;
  recordedAt: number | null;
  version: number;
  ops: number;
}

export interface WriterSpec {
  name: string;
  fields: Record<string, 'text' | 'number'>;
  indexes: (readonly (readonly [string, 1 | -1])[])[];
}

/**
 * A commit's writes as a flat list of values, in order, each write:
 *
 *     kind (1 put, 2 delete, 3 update, 4 upsert) · collection (index in `collections`) · key
 *     put:    each indexed field's value, in spec order, then the document JSON
 *     update: the update JSON
 *     upsert: as a put (the document the update makes of its `upsert`), then the update JSON without
 *             `upsert`: the document is inserted when the key is new, else the update is applied to
 *             the stored one. Most counters are new when counted, and so cost no read and no parse.
 *
 * Documents are serialised when the commit is built: the projections change them again before it runs.
 */
export interface PlainWrites {
  collections: string[];
  values: Column[];
}

export type WriterMessage =
  | { op: 'register'; specs: WriterSpec[] }
  | { op: 'ensure'; specs: WriterSpec[]; withIndexes: boolean }
  | { op: 'reset'; projection: string; version: number; specs: WriterSpec[]; withIndexes: boolean }
  | { op: 'commit'; commits: WriterCommit[]; writes: PlainWrites };

export const PUT = 1;
export const DELETE = 2;
export const UPDATE = 3;
export const UPSERT = 4;

type Column = string | number | null;

/** Builds PlainWrites; a value an indexed column cannot hold throws before anything is written. */
export class WriteEncoder {
  private readonly values: Column[] = [];
  private readonly collections: string[] = [];
  private readonly collectionIndex = new Map<string, number>();

  op(kind: typeof PUT | typeof DELETE | typeof UPDATE | typeof UPSERT, collection: string, key: string): void {
    let index = this.collectionIndex.get(collection);
    if (index === undefined) {
      index = this.collections.push(collection) - 1;
      this.collectionIndex.set(collection, index);
    }
    this.values.push(kind, index, key);
  }

  column(collection: string, field: string, value: unknown): void {
    this.values.push(columnValue(collection, field, value));
  }

  str(text: string): void {
    this.values.push(text);
  }

  finish(): PlainWrites {
    return { collections: this.collections, values: this.values };
  }
}

export interface SqliteWriter {
  handle(message: WriterMessage): void;
}

interface WriterTable {
  readonly name: string;
  readonly put: Statement;
  readonly insertNew: Statement;
  readonly del: Statement;
  readonly get: Statement<[string], string | undefined>;
  readonly fields: readonly string[];
}

type Document = Record<string, unknown>;

const tableName = (name: string) => `rm_${name}`;

/** Opens the read store file for writing, with the pragmas every connection that writes it uses. */
export function openWriterDatabase(path: string, synchronous: string): Database {
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // Erased personal data is overwritten, not just unlinked.
  db.pragma('secure_delete = ON');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('cache_size = -65536');
  return db;
}

/** Everything the read store writes (tables, indexes, commits, checkpoints) on one connection. */
export function createSqliteWriter(db: Database): SqliteWriter {
  // The WAL is checkpointed every ~40 MB rather than every 4 MB: a page rewritten by many batches is copied back once.
  const walPages = (bytes: number) => Math.ceil(bytes / (db.pragma('page_size', { simple: true }) as number));
  db.pragma(`wal_autocheckpoint = ${walPages(40e6)}`);
  /** Tables replayed from scratch (reset without indexes) and not yet given their indexes. */
  const replaying = new Set<string>();
  const replayed = (specs: readonly WriterSpec[], replay: boolean) => {
    const before = replaying.size;
    for (const spec of specs) {
      if (replay) replaying.add(spec.name);
      else replaying.delete(spec.name);
    }
    // While a replay runs, checkpoint every ~400 MB of WAL: its batches rewrite the pages of recent leads
    // over and over, and each is copied back once per checkpoint. Back at the usual size once every
    // replay has reached the head. Commits stay atomic either way.
    if ((before === 0) !== (replaying.size === 0)) db.pragma(`wal_autocheckpoint = ${walPages(replaying.size > 0 ? 400e6 : 40e6)}`);
  };
  const tables = new Map<string, WriterTable>();

  const saveCheckpoint = db.prepare(
    'INSERT INTO projection_checkpoints (projection, position_commit, position_prepare, recorded_at, version, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (projection) DO UPDATE SET position_commit = excluded.position_commit, position_prepare = excluded.position_prepare, ' +
      'recorded_at = excluded.recorded_at, version = excluded.version, updated_at = excluded.updated_at',
  );

  const prepare = (spec: WriterSpec) => {
    const name = tableName(spec.name);
    const cols = Object.keys(spec.fields).map((f) => `f_${f}`);
    const values = ['?', '?', ...cols.map(() => '?')].join(', ');
    const insert = `INSERT INTO ${name} (key, doc${cols.map((c) => `, ${c}`).join('')}) VALUES (${values}) ON CONFLICT (key) `;
    tables.set(spec.name, {
      name: spec.name,
      put: db.prepare(`${insert}DO UPDATE SET doc = excluded.doc${cols.map((c) => `, ${c} = excluded.${c}`).join('')}`),
      insertNew: db.prepare(`${insert}DO NOTHING`),
      del: db.prepare(`DELETE FROM ${name} WHERE key = ?`),
      get: db.prepare<[string], string | undefined>(`SELECT doc FROM ${name} WHERE key = ?`).pluck(true),
      fields: Object.keys(spec.fields),
    });
  };

  const createTable = (spec: WriterSpec, withIndexes: boolean) => {
    const name = tableName(spec.name);
    const columns = Object.keys(spec.fields).map((f) => `, f_${f}${spec.fields[f] === 'number' ? ' REAL' : ' TEXT'}`);
    db.exec(`CREATE TABLE IF NOT EXISTS ${name} (key TEXT PRIMARY KEY, doc TEXT NOT NULL${columns.join('')})`);
    if (withIndexes) {
      for (const index of spec.indexes) {
        const keyDirection = index.length > 0 && index[index.length - 1][1] === -1 ? ' DESC' : '';
        const parts = index.map(([field, direction]) => `f_${field}${direction === -1 ? ' DESC' : ''}`);
        const indexName = `${name}__${index.map(([field]) => field).join('_')}`;
        db.exec(`CREATE INDEX IF NOT EXISTS ${indexName} ON ${name} (${parts.join(', ')}, key${keyDirection})`);
      }
    }
    prepare(spec);
  };

  const table = (collection: string): WriterTable => {
    const found = tables.get(collection);
    if (!found) throw new RangeError(`Unknown collection "${collection}": it is created by ensureCollections() or reset()`);
    return found;
  };

  const commitAll = db.transaction((commits: readonly WriterCommit[], writes: PlainWrites) => {
    const now = Date.now();
    const collections = writes.collections.map(table);
    const read = reader(writes);
    // A put's bound values: key, document, then the indexed columns.
    const putValues = (t: WriterTable, key: string): Column[] => {
      const values: Column[] = [key, null];
      for (let f = 0; f < t.fields.length; f++) values.push(read.column());
      values[1] = read.doc();
      return values;
    };
    const updateStored = (t: WriterTable, key: string, change: DocUpdate) => {
      const stored = t.get.get(key);
      let doc = stored === undefined ? null : (JSON.parse(stored) as Document);
      if (doc === null) {
        if (!change.upsert) return;
        doc = structuredClone(change.upsert) as Document;
      }
      applyUpdate(doc, change);
      t.put.run(key, JSON.stringify(doc), ...t.fields.map((f) => columnValue(t.name, f, doc[f])));
    };
    for (const commit of commits) {
      for (let i = 0; i < commit.ops; i++) {
        const kind = read.byte();
        const t = collections[read.byte()];
        const key = read.text();
        if (kind === PUT) {
          t.put.run(putValues(t, key));
        } else if (kind === DELETE) {
          t.del.run(key);
        } else if (kind === UPDATE) {
          updateStored(t, key, JSON.parse(read.text()) as DocUpdate);
        } else {
          const inserted = t.insertNew.run(putValues(t, key)).changes === 1;
          const changes = read.text();
          if (!inserted) updateStored(t, key, JSON.parse(changes) as DocUpdate);
        }
      }
      saveCheckpoint.run(commit.projection, commit.commit, commit.prepare, commit.recordedAt, commit.version, now);
    }
    read.end();
  });

  return {
    handle(message: WriterMessage) {
      switch (message.op) {
        case 'register':
          for (const spec of message.specs) prepare(spec);
          return;
        case 'ensure':
          db.transaction(() => {
            for (const spec of message.specs) createTable(spec, message.withIndexes);
          })();
          if (message.withIndexes) replayed(message.specs, false);
          return;
        case 'reset':
          // DDL is transactional in SQLite: the tables and the checkpoint go back to the start together.
          db.transaction(() => {
            for (const spec of message.specs) {
              db.exec(`DROP TABLE IF EXISTS ${tableName(spec.name)}`);
              createTable(spec, message.withIndexes);
            }
            saveCheckpoint.run(message.projection, null, null, null, message.version, Date.now());
          }).immediate();
          replayed(message.specs, !message.withIndexes);
          return;
        case 'commit':
          // IMMEDIATE takes the write lock up front, so a second process (a CLI rebuild) waits instead of failing.
          commitAll.immediate(message.commits, message.writes);
          return;
      }
    },
  };
}

interface WritesReader {
  byte(): number;
  text(): string;
  doc(): string;
  column(): Column;
  /** Throws unless every write was read. */
  end(): void;
}

function reader(writes: PlainWrites): WritesReader {
  const { values } = writes;
  let at = 0;
  return {
    byte: () => values[at++] as number,
    text: () => values[at++] as string,
    doc: () => values[at++] as string,
    column: () => values[at++],
    end: () => {
      if (at !== values.length) throw new Error(`Malformed commit: ${values.length - at} values left over`);
    },
  };
}

// MongoDB's $set / $unset / $inc semantics, for blind updates (read-modify-write inside the batch transaction).
function parentOf(doc: Document, path: string, create: boolean): [Document, string] | undefined {
  const parts = path.split('.');
  let node = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    let child = node[parts[i]];
    if (child === undefined || child === null) {
      if (!create) return undefined;
      child = {};
      node[parts[i]] = child;
    }
    if (typeof child !== 'object' || Array.isArray(child))
      throw new TypeError(`Cannot follow path "${path}": "${parts[i]}" is not an object`);
    node = child as Document;
  }
  return [node, parts[parts.length - 1]];
}

function applyUpdate(doc: Document, update: DocUpdate): void {
  for (const [path, value] of Object.entries(update.set ?? {})) {
    const [parent, field] = parentOf(doc, path, true)!;
    parent[field] = value;
  }
  for (const path of update.unset ?? []) {
    const found = parentOf(doc, path, false);
    if (found) delete found[0][found[1]];
  }
  for (const [path, by] of Object.entries(update.inc ?? {})) {
    const [parent, field] = parentOf(doc, path, true)!;
    const current = parent[field];
    if (current !== undefined && current !== null && typeof current !== 'number')
      throw new TypeError(`Cannot increment "${path}": it is not a number`);
    parent[field] = ((current as number | null | undefined) ?? 0) + by;
  }
}

function columnValue(collection: string, field: string, value: unknown): Column {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new TypeError(`${collection}.${field} is an indexed field and must be a string, a number or null`);
}
