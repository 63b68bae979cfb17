/* eslint-disable @typescript-eslint/no-explicit-any */
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

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
 * A commit's writes, encoded into one off-heap buffer that is moved (not copied) to the writer thread:
 * the main thread neither builds a write list nor keeps every document's JSON alive until it is sent,
 * and the writer parses nothing but the documents of blind updates. Writes in order, each:
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

export type WriterMessage =
  | { op: 'register'; specs: WriterSpec[] }
  | { op: 'ensure'; specs: WriterSpec[]; withIndexes: boolean }
  | { op: 'reset'; projection: string; version: number; specs: WriterSpec[]; withIndexes: boolean }
  | { op: 'commit'; commits: WriterCommit[]; writes: EncodedWrites };

export const PUT = 1;
export const DELETE = 2;
export const UPDATE = 3;
export const UPSERT = 4;

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
    // allocUnsafeSlow: a buffer of its own (never the shared pool), so that its memory can be transferred.
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

export interface SqliteWriter {
  handle(message: WriterMessage): void;
  close(): void;
}

/**
 * Everything the read store writes, as one self-contained function: no imports and no outer names,
 * because its source text also runs in a worker thread (see startWriterWorker). Given a
 * better-sqlite3 constructor and either a path or an open database.
 */
export function createSqliteWriter(DatabaseCtor: any, target: { path: string; synchronous: string } | { db: any }): SqliteWriter {
  const db = 'db' in target ? target.db : new DatabaseCtor(target.path);
  if (!('db' in target)) {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('secure_delete = ON'); // erased personal data is overwritten, not just unlinked
    db.pragma('synchronous = ' + target.synchronous);
    db.pragma('cache_size = -65536');
  }
  // The WAL is checkpointed every ~40 MB rather than every 4 MB: a page rewritten by many batches is copied back once.
  const walPages = (bytes: number) => Math.ceil(bytes / db.pragma('page_size', { simple: true }));
  if (!('db' in target)) db.pragma('wal_autocheckpoint = ' + walPages(40e6));
  /** Tables replayed from scratch (reset without indexes) and not yet given their indexes. */
  const replaying = new Set<string>();
  function replayed(specs: WriterSpec[], replay: boolean) {
    const before = replaying.size;
    for (const spec of specs) {
      if (replay) replaying.add(spec.name);
      else replaying.delete(spec.name);
    }
    // While a replay runs, checkpoint every ~400 MB of WAL: its batches rewrite the pages of recent leads
    // over and over, and each is copied back once per checkpoint (~10% faster catch-up). Back at the
    // usual size once every replay has reached the head. Commits stay atomic either way.
    if ((before === 0) !== (replaying.size === 0)) db.pragma('wal_autocheckpoint = ' + walPages(replaying.size > 0 ? 400e6 : 40e6));
  }
  const tables = new Map<string, any>();
  const tableName = (name: string) => 'rm_' + name;

  const saveCheckpoint = db.prepare(
    'INSERT INTO projection_checkpoints (projection, position_commit, position_prepare, recorded_at, version, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (projection) DO UPDATE SET position_commit = excluded.position_commit, position_prepare = excluded.position_prepare, ' +
      'recorded_at = excluded.recorded_at, version = excluded.version, updated_at = excluded.updated_at',
  );

  function prepare(spec: WriterSpec) {
    const name = tableName(spec.name);
    const cols = Object.keys(spec.fields).map((f) => 'f_' + f);
    const values = ['?', 'CAST(? AS TEXT)'].concat(cols.map(() => '?')).join(', ');
    const insert =
      'INSERT INTO ' + name + ' (key, doc' + cols.map((c) => ', ' + c).join('') + ') VALUES (' + values + ') ON CONFLICT (key) ';
    tables.set(spec.name, {
      name: spec.name,
      put: db.prepare(insert + 'DO UPDATE SET doc = excluded.doc' + cols.map((c) => ', ' + c + ' = excluded.' + c).join('')),
      insertNew: db.prepare(insert + 'DO NOTHING'),
      del: db.prepare('DELETE FROM ' + name + ' WHERE key = ?'),
      get: db.prepare('SELECT doc FROM ' + name + ' WHERE key = ?').pluck(true),
      fields: Object.keys(spec.fields),
    });
  }

  function createTable(spec: WriterSpec, withIndexes: boolean) {
    const name = tableName(spec.name);
    const columns = Object.keys(spec.fields).map((f) => ', f_' + f + (spec.fields[f] === 'number' ? ' REAL' : ' TEXT'));
    db.exec('CREATE TABLE IF NOT EXISTS ' + name + ' (key TEXT PRIMARY KEY, doc TEXT NOT NULL' + columns.join('') + ')');
    if (withIndexes) {
      for (const index of spec.indexes) {
        const keyDirection = index.length > 0 && index[index.length - 1][1] === -1 ? ' DESC' : '';
        const parts = index.map((part) => 'f_' + part[0] + (part[1] === -1 ? ' DESC' : ''));
        db.exec(
          'CREATE INDEX IF NOT EXISTS ' +
            name +
            '__' +
            index.map((part) => part[0]).join('_') +
            ' ON ' +
            name +
            ' (' +
            parts.join(', ') +
            ', key' +
            keyDirection +
            ')',
        );
      }
    }
    prepare(spec);
  }

  // MongoDB's $set / $unset / $inc semantics, for blind updates (read-modify-write inside the batch transaction).
  function parentOf(doc: any, path: string, create: boolean): [any, string] | undefined {
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
        throw new TypeError('Cannot follow path "' + path + '": "' + parts[i] + '" is not an object');
      node = child;
    }
    return [node, parts[parts.length - 1]];
  }
  function applyUpdate(doc: any, update: any) {
    for (const path of Object.keys(update.set || {})) {
      const found = parentOf(doc, path, true)!;
      found[0][found[1]] = update.set[path];
    }
    for (const path of update.unset || []) {
      const found = parentOf(doc, path, false);
      if (found) delete found[0][found[1]];
    }
    for (const path of Object.keys(update.inc || {})) {
      const found = parentOf(doc, path, true)!;
      const current = found[0][found[1]];
      if (current !== undefined && current !== null && typeof current !== 'number')
        throw new TypeError('Cannot increment "' + path + '": it is not a number');
      found[0][found[1]] = (current || 0) + update.inc[path];
    }
  }
  function columnValue(collection: string, field: string, value: any) {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    throw new TypeError(collection + '.' + field + ' is an indexed field and must be a string, a number or null');
  }
  function table(collection: string) {
    const found = tables.get(collection);
    if (!found) throw new RangeError('Unknown collection "' + collection + '": it is created by ensureCollections() or reset()');
    return found;
  }

  const commitAll = db.transaction((commits: WriterCommit[], writes: EncodedWrites) => {
    const now = Date.now();
    const buf = Buffer.from(writes.buffer, 0, writes.length);
    const collections = writes.collections.map(table);
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
    // Bound as a blob that the statement casts to text: the bytes go to SQLite as they are.
    const bytes = () => {
      const n = length();
      at += n;
      return buf.subarray(at - n, at);
    };
    // A put's bound values: key, document bytes, then the indexed columns.
    const putValues = (t: any, key: string) => {
      const values: any[] = [key, null];
      for (let f = 0; f < t.fields.length; f++) {
        const tag = buf[at++];
        if (tag === 0) values.push(null);
        else if (tag === 1) values.push(text());
        else {
          values.push(buf.readDoubleLE(at));
          at += 8;
        }
      }
      values[1] = bytes();
      return values;
    };
    const updateStored = (t: any, key: string, change: any) => {
      const stored = t.get.get(key);
      let doc = stored === undefined ? null : JSON.parse(stored);
      if (doc === null) {
        if (!change.upsert) return;
        doc = JSON.parse(JSON.stringify(change.upsert));
      }
      applyUpdate(doc, change);
      t.put.run(key, JSON.stringify(doc), ...t.fields.map((f: string) => columnValue(t.name, f, doc[f])));
    };
    for (const commit of commits) {
      for (let i = 0; i < commit.ops; i++) {
        const kind = buf[at];
        const t = collections[buf[at + 1]];
        at += 2;
        const key = text();
        if (kind === 1) {
          t.put.run(putValues(t, key));
        } else if (kind === 2) {
          t.del.run(key);
        } else if (kind === 3) {
          updateStored(t, key, JSON.parse(text()));
        } else {
          const inserted = t.insertNew.run(putValues(t, key)).changes === 1;
          const changes = text();
          if (!inserted) updateStored(t, key, JSON.parse(changes));
        }
      }
      saveCheckpoint.run(commit.projection, commit.commit, commit.prepare, commit.recordedAt, commit.version, now);
    }
    if (at !== writes.length) throw new Error('Malformed commit: ' + (writes.length - at) + ' bytes left over');
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
              db.exec('DROP TABLE IF EXISTS ' + tableName(spec.name));
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
        default:
          throw new TypeError('Unknown writer message');
      }
    },
    close() {
      if (!('db' in target)) db.close();
    },
  };
}

/** A writer running in a worker thread: the main thread prepares the next batch while SQLite commits this one. */
export interface WriterChannel {
  call(message: WriterMessage): Promise<void>;
  close(): Promise<void>;
}

export function inlineWriter(db: Database, DatabaseCtor: unknown): WriterChannel {
  const writer = createSqliteWriter(DatabaseCtor, { db });
  return {
    async call(message) {
      writer.handle(message);
    },
    async close() {
      writer.close();
    },
  };
}

export function workerWriter(path: string, synchronous: string, driverPath: string): WriterChannel {
  let worker: Worker | null = null;
  let nextId = 0;
  const inFlight = new Set<Promise<void>>();
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  /** Tables the writer knows, replayed to a worker started after one died. */
  const known = new Map<string, WriterSpec>();

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const createSqliteWriter = (${createSqliteWriter.toString()});
      const writer = createSqliteWriter(require(workerData.driverPath), { path: workerData.path, synchronous: workerData.synchronous });
      parentPort.on('message', ({ id, message }) => {
        try {
          writer.handle(message);
          parentPort.postMessage({ id, ok: true });
        } catch (error) {
          parentPort.postMessage({ id, ok: false, name: error && error.name, message: error && error.message });
        }
      });`;
    const started = new Worker(source, { eval: true, workerData: { path, synchronous, driverPath } });
    started.on('message', ({ id, ok, name, message }: { id: number; ok: boolean; name?: string; message?: string }) => {
      const call = pending.get(id);
      if (!call) return;
      pending.delete(id);
      if (pending.size === 0) started.unref();
      if (ok) call.resolve();
      else call.reject(Object.assign(new Error(message ?? 'read store write failed'), { name: name ?? 'Error' }));
    });
    started.on('error', (error) => {
      worker = null;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (worker === started) worker = null;
      failAll(new Error(`The read store writer thread exited (code ${code})`));
    });
    started.unref();
    if (known.size > 0) started.postMessage({ id: -1, message: { op: 'register', specs: [...known.values()] } });
    return started;
  };

  return {
    call(message) {
      if (message.op === 'ensure' || message.op === 'reset' || message.op === 'register')
        for (const spec of message.specs) known.set(spec.name, spec);
      worker ??= start();
      const id = nextId++;
      const target = worker;
      const call = new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Kept alive only while a write is in flight.
        target.ref();
        // A commit's buffer is moved to the writer, not copied: the caller does not touch it again.
        target.postMessage({ id, message }, message.op === 'commit' ? [message.writes.buffer] : []);
      });
      inFlight.add(call);
      const settle = () => inFlight.delete(call);
      call.then(settle, settle);
      return call;
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      const current = worker;
      worker = null;
      if (current) await current.terminate();
    },
  };
}
