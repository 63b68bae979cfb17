import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import {
  applyUpdate,
  copyDoc,
  checkFieldName,
  checkName,
  type Checkpoint,
  type CollectionSpec,
  type Doc,
  type FieldFilter,
  type FindQuery,
  type ProjectionCommit,
  type ReadStore,
  type Scalar,
} from './read-store.port';
import { inlineWriter, workerWriter, type WriterChannel } from './sqlite-writer-channel';
import { DELETE, PUT, UPDATE, UPSERT, WriteEncoder, type WriterCommit, type WriterSpec } from './sqlite-writer';

export interface SqliteReadStoreOptions {
  /** File path, or ':memory:'. A missing parent directory is created. */
  readonly path: string;
  /**
   * Default NORMAL: read models are derived data. A power cut may lose the last few commits, but
   * each checkpoint goes back with its writes (WAL keeps transactions atomic), so the projections
   * simply apply those events again. FULL makes every batch durable at the cost of an fsync.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /**
   * Where writes run. 'worker' (default for files): a thread with its own connection, so that SQLite
   * commits one window while the projections apply the next. 'inline': on the calling thread (always
   * for ':memory:', which a second connection cannot open).
   */
  readonly writer?: 'worker' | 'inline';
}

interface ReadTable {
  readonly spec: CollectionSpec;
  readonly name: string;
  readonly fields: readonly string[];
  readonly get: Statement;
  readonly getMany: Statement;
}

const CHECKPOINTS_DDL = `
  CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection       TEXT PRIMARY KEY,
    position_commit  TEXT,              -- bigint as text: positions may exceed 2^53
    position_prepare TEXT,
    recorded_at      INTEGER,
    version          INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  )`;

const tableName = (collection: string) => `rm_${checkName('collection', collection)}`;
const column = (field: string) => `f_${checkFieldName(field)}`;

function writerSpec(spec: CollectionSpec): WriterSpec {
  checkName('collection', spec.name);
  Object.keys(spec.fields).forEach(checkFieldName);
  for (const index of spec.indexes) {
    for (const [field] of index)
      if (!(field in spec.fields)) throw new RangeError(`Index on ${spec.name}.${field}: declare the field in the collection's fields`);
  }
  return { name: spec.name, fields: { ...spec.fields }, indexes: spec.indexes.map((index) => index.map(([f, d]) => [f, d] as const)) };
}

/**
 * The embedded read store: one table per collection (`rm_<name>`: key, JSON document, and a column
 * per indexed field, filled from the document on write) and one checkpoint table.
 *
 * It lives in its own file rather than in the event store's: SQLite has one writer per file, and
 * projection batches sharing the events' file would hold the write lock that appends need; it also
 * lets read models run with `synchronous=NORMAL` and be deleted wholesale to force a rebuild.
 * Reads run on the calling thread (WAL: they see committed windows only); writes go to the writer.
 */
export class SqliteReadStore implements ReadStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database;
  private readonly writer: WriterChannel;
  private readonly tables = new Map<string, ReadTable>();
  private readonly queries = new Map<string, Statement>();
  private readonly checkpointStatement: Statement;
  private closed = false;

  constructor(options: SqliteReadStoreOptions) {
    const memory = options.path === ':memory:';
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    this.db = new BetterSqlite3(options.path);
    this.db.pragma('busy_timeout = 5000');
    // Takes effect only in a new file (a file's page size is fixed once it is in WAL mode). A catch-up
    // rewrites small rows all over its tables: larger pages mean fewer write syscalls per commit and
    // quicker index builds.
    this.db.pragma('page_size = 16384');
    this.db.pragma('journal_mode = WAL');
    // An erased lead's rows are overwritten in the file, not just unlinked.
    this.db.pragma('secure_delete = ON');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    this.db.pragma(`wal_autocheckpoint = ${Math.ceil(40e6 / (this.db.pragma('page_size', { simple: true }) as number))}`);
    this.db.exec(CHECKPOINTS_DDL);
    this.checkpointStatement = this.db
      .prepare('SELECT position_commit, position_prepare, recorded_at, version FROM projection_checkpoints WHERE projection = ?')
      .raw(true);
    this.writer =
      memory || options.writer === 'inline' ? inlineWriter(this.db) : workerWriter(options.path, options.synchronous ?? 'NORMAL');
  }

  async ensureCollections(specs: readonly CollectionSpec[]): Promise<void> {
    this.assertOpen();
    await this.writer.call({ op: 'ensure', specs: specs.map(writerSpec), withIndexes: true });
    for (const spec of specs) this.prepareTable(spec);
  }

  async checkpoint(projection: string): Promise<Checkpoint | null> {
    const row = this.checkpointStatement.get(projection) as [string | null, string | null, number | null, number] | undefined;
    if (!row) return null;
    return {
      position: row[0] === null ? null : { commit: BigInt(row[0]), prepare: BigInt(row[1] ?? row[0]) },
      recordedAt: row[2],
      version: row[3],
    };
  }

  /** Commits the batch in the writer, all of it or nothing. */
  commit(commits: readonly ProjectionCommit[]): Promise<void> {
    try {
      this.assertOpen();
      const writes = new WriteEncoder();
      const message: WriterCommit[] = commits.map((commit) => {
        for (const op of commit.ops) {
          const { fields } = this.table(op.collection);
          switch (op.op) {
            case 'put':
              writes.op(PUT, op.collection, op.key);
              for (const field of fields) writes.column(op.collection, field, op.doc[field]);
              // Serialised now, once: the projections change their documents again while this window commits.
              writes.str(JSON.stringify(op.doc));
              break;
            case 'delete':
              writes.op(DELETE, op.collection, op.key);
              break;
            case 'update': {
              const { upsert, ...change } = op.update;
              if (upsert === undefined) {
                writes.op(UPDATE, op.collection, op.key);
                writes.str(JSON.stringify(change));
                break;
              }
              // The document the update makes when there is none, ready to insert.
              const created = applyUpdate(copyDoc(upsert), change);
              writes.op(UPSERT, op.collection, op.key);
              for (const field of fields) writes.column(op.collection, field, created[field]);
              writes.str(JSON.stringify(created));
              writes.str(JSON.stringify(change));
              break;
            }
            default:
              throw new TypeError(`Unknown write operation ${(op as { op: string }).op}`);
          }
        }
        const p = commit.checkpoint.position;
        return {
          projection: commit.projection,
          commit: p ? p.commit.toString() : null,
          prepare: p ? p.prepare.toString() : null,
          recordedAt: commit.checkpoint.recordedAt,
          version: commit.checkpoint.version,
          ops: commit.ops.length,
        };
      });
      return this.writer.call({ op: 'commit', commits: message, writes: writes.finish() });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async reset(
    projection: string,
    version: number,
    specs: readonly CollectionSpec[],
    options: { deferIndexes?: boolean } = {},
  ): Promise<void> {
    this.assertOpen();
    await this.writer.call({ op: 'reset', projection, version, specs: specs.map(writerSpec), withIndexes: !options.deferIndexes });
    // Cached statements may name tables or columns that were dropped.
    this.queries.clear();
    for (const spec of specs) this.prepareTable(spec);
  }

  async get(collection: string, key: string): Promise<Doc | null> {
    const doc = this.table(collection).get.get(key) as string | undefined;
    return doc === undefined ? null : (JSON.parse(doc) as Doc);
  }

  async getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>> {
    const found = new Map<string, Doc>();
    if (keys.length === 0) return found;
    const rows = this.table(collection).getMany.all(JSON.stringify(keys)) as [string, string][];
    for (const [key, doc] of rows) found.set(key, JSON.parse(doc) as Doc);
    return found;
  }

  async find(collection: string, query: FindQuery = {}): Promise<Doc[]> {
    const table = this.table(collection);
    const where: string[] = [];
    const params: unknown[] = [];
    const col = (field: string) => {
      if (!(field in table.spec.fields))
        throw new RangeError(`${collection}.${field} is not an indexed field: declare it in the collection's fields`);
      return column(field);
    };
    for (const [field, filter] of Object.entries(query.filter ?? {})) {
      if (filter === undefined) continue;
      where.push(...filterSql(col(field), filter, params));
    }
    const sortColumn = query.sort ? col(query.sort.field) : undefined;
    const descending = query.sort?.direction === -1;
    if (query.after) {
      if (sortColumn === undefined) {
        where.push(`key > ?`);
        params.push(query.after.key);
      } else {
        where.push(keysetSql(sortColumn, descending, query.after, params));
      }
    }
    const order = sortColumn === undefined ? 'key' : descending ? `${sortColumn} DESC, key DESC` : `${sortColumn}, key`;
    const sql = `SELECT doc FROM ${table.name}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
    params.push(query.limit ?? -1);
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).pluck(true);
      this.queries.set(sql, statement);
    }
    return (statement.all(...params) as string[]).map((doc) => JSON.parse(doc) as Doc);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The read store is closed');
  }

  private prepareTable(spec: CollectionSpec): void {
    const name = tableName(spec.name);
    this.tables.set(spec.name, {
      spec,
      name,
      fields: Object.keys(spec.fields),
      get: this.db.prepare(`SELECT doc FROM ${name} WHERE key = ?`).pluck(true),
      getMany: this.db.prepare(`SELECT key, doc FROM ${name} WHERE key IN (SELECT value FROM json_each(?))`).raw(true),
    });
  }

  private table(collection: string): ReadTable {
    const table = this.tables.get(collection);
    if (!table) throw new RangeError(`Unknown collection "${collection}": it is created by ensureCollections() or reset()`);
    return table;
  }
}

function filterSql(col: string, filter: FieldFilter, params: unknown[]): string[] {
  if (filter === null) return [`${col} IS NULL`];
  if (typeof filter !== 'object') {
    params.push(filter);
    return [`${col} = ?`];
  }
  const parts: string[] = [];
  if (filter.in !== undefined) {
    params.push(JSON.stringify(filter.in));
    parts.push(`${col} IN (SELECT value FROM json_each(?))`);
  }
  const ranges: [keyof typeof filter, string][] = [
    ['gt', '>'],
    ['gte', '>='],
    ['lt', '<'],
    ['lte', '<='],
  ];
  for (const [name, operator] of ranges) {
    const value = filter[name] as Scalar | undefined;
    if (value === undefined) continue;
    params.push(value);
    parts.push(`${col} ${operator} ?`);
  }
  return parts;
}

/** "After (value, key)" in sort order, where null sorts lowest (first ascending, last descending). */
function keysetSql(col: string, descending: boolean, after: { value: Scalar | null; key: string }, params: unknown[]): string {
  if (descending) {
    if (after.value === null) {
      params.push(after.key);
      return `(${col} IS NULL AND key < ?)`;
    }
    params.push(after.value, after.value, after.key);
    return `(${col} < ? OR (${col} = ? AND key < ?) OR ${col} IS NULL)`;
  }
  if (after.value === null) {
    params.push(after.key);
    return `((${col} IS NULL AND key > ?) OR ${col} IS NOT NULL)`;
  }
  params.push(after.value, after.value, after.key);
  return `(${col} > ? OR (${col} = ? AND key > ?))`;
}
