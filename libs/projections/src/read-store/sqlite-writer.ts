import type { Database, Statement } from 'better-sqlite3';
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
 * A commit's writes, encoded into one off-heap buffer: the documents' JSON is not kept alive on the
 * JavaScript heap until the commit, and the writer parses nothing but the documents of blind updates.
 * Writes in order, each:
 *
 *     u8 kind (1 put, 2 delete, 3 update, 4 upsert) · u8 collection (index in `collections`) · str key
 *     put:    per indexed field of the collection, in spec order: u8 0 (null) | u8 1 str | u8 2 f64
 *             then str document JSON
 *     update: str update JSON
 *     upsert: as a put (the document the update makes of its `upsert`), then str update JSON without
 *             `upsert`: the document is inserted when the key is new, else the update is applied to
 *             the stored one. Most counters are new when counted, and so cost no read and no parse.
 *
 * where str is u32 byte length + UTF-8 bytes; numbers are little-endian.
 */
export interface EncodedWrites {
  collections: string[];
  buffer: ArrayBuffer;
  length: number;
}

/**
 * The same writes in the same order as plain values (strings, numbers, nulls; an indexed column is its
 * value, without a tag). The store's `encoding: 'plain'` option, kept to measure what the binary
 * encoding buys.
 */
export interface PlainWrites {
  collections: string[];
  values: Column[];
}

export type WriterMessage =
  | { op: 'register'; specs: WriterSpec[] }
  | { op: 'ensure'; specs: WriterSpec[]; withIndexes: boolean }
  | { op: 'reset'; projection: string; version: number; specs: WriterSpec[]; withIndexes: boolean }
  | { op: 'commit'; commits: WriterCommit[]; writes: EncodedWrites | PlainWrites };

export const PUT = 1;
export const DELETE = 2;
export const UPDATE = 3;
export const UPSERT = 4;

type Column = string | number | null;

type Utf8Writer = { utf8Write(text: string, offset: number): number };
// Buffer's own UTF-8 writer, without write()'s argument juggling (a third of the cost for short strings).
const utf8Write: (buf: Buffer, text: string, offset: number) => number =
  typeof (Buffer.prototype as unknown as Partial<Utf8Writer>).utf8Write === 'function'
    ? (buf, text, offset) => (buf as unknown as Utf8Writer).utf8Write(text, offset)
    : (buf, text, offset) => buf.write(text, offset);

/** Builds EncodedWrites (the format above); a value an indexed column cannot hold throws before anything is sent. */
export class WriteEncoder {
  private buf: Buffer;
  private length = 0;
  private readonly collections: string[] = [];
  private readonly collectionIndex = new Map<string, number>();

  constructor(sizeHint: number) {
    // allocUnsafeSlow: a buffer of its own, never a slice of the shared pool that the commit would pin.
    this.buf = Buffer.allocUnsafeSlow(Math.max(sizeHint, 64 * 1024));
  }

  op(kind: typeof PUT | typeof DELETE | typeof UPDATE | typeof UPSERT, collection: string, key: string): void {
    let index = this.collectionIndex.get(collection);
    if (index === undefined) {
      index = this.collections.push(collection) - 1;
      if (index > 255) throw new RangeError('A commit writes to at most 256 collections');
      this.collectionIndex.set(collection, index);
    }
    this.room(2);
    this.buf[this.length++] = kind;
    this.buf[this.length++] = index;
    this.str(key);
  }

  column(collection: string, field: string, value: unknown): void {
    this.room(9);
    if (value === undefined || value === null) {
      this.buf[this.length++] = 0;
    } else if (typeof value === 'string') {
      this.buf[this.length++] = 1;
      this.str(value);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      this.buf[this.length++] = 2;
      this.length = this.buf.writeDoubleLE(typeof value === 'number' ? value : value ? 1 : 0, this.length);
    } else {
      throw new TypeError(`${collection}.${field} is an indexed field and must be a string, a number or null`);
    }
  }

  str(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the worst case, then the length actually written.
    this.room(4 + 3 * text.length);
    const written = utf8Write(this.buf, text, this.length + 4);
    this.buf.writeUInt32LE(written, this.length);
    this.length += 4 + written;
  }

  finish(): EncodedWrites {
    return { collections: this.collections, buffer: this.buf.buffer as ArrayBuffer, length: this.length };
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

/** Builds PlainWrites: the calls WriteEncoder takes, collected as values. */
export class PlainWriteEncoder {
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
    const values = ['?', 'CAST(? AS TEXT)', ...cols.map(() => '?')].join(', ');
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

  const commitAll = db.transaction((commits: readonly WriterCommit[], writes: EncodedWrites | PlainWrites) => {
    const now = Date.now();
    const collections = writes.collections.map(table);
    const read = 'values' in writes ? plainReader(writes) : binaryReader(writes);
    // A put's bound values: key, document (bytes or text), then the indexed columns.
    const putValues = (t: WriterTable, key: string): (Column | Buffer)[] => {
      const values: (Column | Buffer)[] = [key, null];
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
  /** A put's document: bytes that the statement casts to text, or the text itself. */
  doc(): Buffer | string;
  column(): Column;
  /** Throws unless every write was read. */
  end(): void;
}

function binaryReader(writes: EncodedWrites): WritesReader {
  const buf = Buffer.from(writes.buffer, 0, writes.length);
  let at = 0;
  const length = () => {
    const n = buf.readUInt32LE(at);
    at += 4;
    return n;
  };
  const text = () => {
    const n = length();
    at += n;
    return buf.toString('utf8', at - n, at);
  };
  return {
    byte: () => buf[at++],
    text,
    // Bound as a blob: the bytes go to SQLite as they are, with no string made of them.
    doc: () => {
      const n = length();
      at += n;
      return buf.subarray(at - n, at);
    },
    column: () => {
      const tag = buf[at++];
      if (tag === 0) return null;
      if (tag === 1) return text();
      at += 8;
      return buf.readDoubleLE(at - 8);
    },
    end: () => {
      if (at !== writes.length) throw new Error(`Malformed commit: ${writes.length - at} bytes left over`);
    },
  };
}

function plainReader(writes: PlainWrites): WritesReader {
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
