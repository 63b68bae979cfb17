import {
  MongoClient,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
  type Filter,
  type IndexDescription,
  type Sort,
} from 'mongodb';
import {
  checkFieldName,
  checkName,
  type Checkpoint,
  type CollectionSpec,
  type Doc,
  type DocUpdate,
  type FieldFilter,
  type FindQuery,
  type ProjectionCommit,
  type ReadStore,
  type Scalar,
  type WriteOp,
} from './read-store.port';

export interface MongoReadStoreOptions {
  /** A mongodb:// or mongodb+srv:// connection string to a replica set (or a sharded cluster). */
  readonly url: string;
  /** Default: the database named in the URL, else "leads". */
  readonly database?: string;
}

type Stored = Document & { _id: string };

interface StoredCheckpoint {
  _id: string;
  commit: string | null;
  prepare: string | null;
  recordedAt: number | null;
  version: number;
  resetting: boolean;
  updatedAt: Date;
}

const CHECKPOINTS = 'projection_checkpoints';
/** One query per this many keys when a batch reads ahead. */
const GET_MANY_CHUNK = 1000;

/** The MongoDB server cannot run multi-document transactions (a standalone mongod). */
export class MongoReadStoreConfigError extends Error {
  override readonly name = 'MongoReadStoreConfigError';
}

export function databaseNameFromUrl(url: string): string | undefined {
  // Not WHATWG URL: multi-host seed lists ("host1:27017,host2:27017") are not valid URLs.
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/i.exec(url);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/**
 * The MongoDB read store: one collection per read-model collection (`_id` = key, the document's
 * fields at the top level) and `projection_checkpoints`. Indexes are created on start.
 *
 * Consistency: each batch (the writes of every projection in it plus their checkpoints) is one
 * multi-document transaction, so MongoDB gives the same all-or-nothing guarantee as a SQLite
 * transaction. Per-document position guards were the alternative; they are not enough here because
 * projections derive documents from other documents within a batch (a lead's owner decides which
 * counter an event increments), so replaying a half-written batch against partly-updated documents
 * could attribute an event differently. A transaction needs a replica set (one node is enough, as in
 * docker/compose.yml); a standalone server is refused at start with that explanation.
 *
 * Resets drop collections, which cannot happen inside a transaction: the checkpoint is first marked
 * `resetting`, then the collections are dropped and recreated, then the checkpoint is set to the start.
 * A crash in between leaves the marker, and the next start finishes the reset before projecting.
 */
export class MongoReadStore implements ReadStore {
  readonly kind = 'mongodb' as const;
  private readonly db: Db;

  private constructor(
    private readonly client: MongoClient,
    database: string,
  ) {
    this.db = client.db(database);
  }

  static async connect(options: MongoReadStoreOptions): Promise<MongoReadStore> {
    const client = new MongoClient(options.url);
    await client.connect();
    try {
      const store = new MongoReadStore(client, options.database ?? databaseNameFromUrl(options.url) ?? 'leads');
      await store.checkTransactions();
      return store;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async ensureCollections(specs: readonly CollectionSpec[], withIndexes = true): Promise<void> {
    // Created up front rather than implicitly by the first write, which inside a transaction needs MongoDB 4.4+.
    const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const spec of specs) {
      if (!existing.has(spec.name)) {
        await this.db.createCollection(checkName('collection', spec.name)).catch((error: { codeName?: string; code?: number }) => {
          // Another instance created it meanwhile.
          if (error.codeName !== 'NamespaceExists' && error.code !== 48) throw error;
        });
      }
      const indexes = withIndexes ? indexDescriptions(spec) : [];
      if (indexes.length > 0) await this.collection(spec.name).createIndexes(indexes);
    }
  }

  async checkpoint(projection: string): Promise<Checkpoint | null> {
    const row = await this.checkpoints().findOne({ _id: projection });
    if (!row) return null;
    return {
      position: row.commit === null ? null : { commit: BigInt(row.commit), prepare: BigInt(row.prepare ?? row.commit) },
      recordedAt: row.recordedAt,
      version: row.version,
      ...(row.resetting ? { resetting: true } : {}),
    };
  }

  async commit(commits: readonly ProjectionCommit[]): Promise<void> {
    // Grouped per collection, order kept within each: a put followed by an update of the same key stays in that order.
    const byCollection = new Map<string, AnyBulkWriteOperation<Stored>[]>();
    for (const commit of commits) {
      for (const op of commit.ops) {
        let list = byCollection.get(op.collection);
        if (!list) byCollection.set(op.collection, (list = []));
        list.push(bulkOperation(op));
      }
    }
    const session = this.client.startSession();
    try {
      // The callback may run again on a transient error: it only issues the operations computed above.
      await session.withTransaction(
        async () => {
          for (const [collection, operations] of byCollection) {
            await this.collection(collection).bulkWrite(operations, { session, ordered: true });
          }
          for (const commit of commits) {
            await this.checkpoints().replaceOne({ _id: commit.projection }, checkpointDocument(commit.projection, commit.checkpoint), {
              session,
              upsert: true,
            });
          }
        },
        { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' }, readPreference: 'primary' },
      );
    } finally {
      await session.endSession();
    }
  }

  async reset(
    projection: string,
    version: number,
    specs: readonly CollectionSpec[],
    options: { deferIndexes?: boolean } = {},
  ): Promise<void> {
    await this.checkpoints().updateOne(
      { _id: projection },
      { $set: { resetting: true, version, updatedAt: new Date() }, $setOnInsert: { commit: null, prepare: null, recordedAt: null } },
      { upsert: true, writeConcern: { w: 'majority' } },
    );
    for (const spec of specs) {
      await this.collection(spec.name)
        .drop()
        .catch((error: { codeName?: string; code?: number }) => {
          // Dropping a collection that does not exist is not an error.
          if (error.codeName !== 'NamespaceNotFound' && error.code !== 26) throw error;
        });
    }
    await this.ensureCollections(specs, !options.deferIndexes);
    await this.checkpoints().replaceOne(
      { _id: projection },
      checkpointDocument(projection, { position: null, recordedAt: null, version }),
      {
        upsert: true,
        writeConcern: { w: 'majority' },
      },
    );
  }

  async get(collection: string, key: string): Promise<Doc | null> {
    const found = await this.collection(collection).findOne({ _id: key });
    return found ? withoutId(found) : null;
  }

  async getMany(collection: string, keys: readonly string[]): Promise<Map<string, Doc>> {
    const result = new Map<string, Doc>();
    for (let i = 0; i < keys.length; i += GET_MANY_CHUNK) {
      const chunk = keys.slice(i, i + GET_MANY_CHUNK);
      for (const found of await this.collection(collection)
        .find({ _id: { $in: chunk } })
        .toArray())
        result.set(found._id, withoutId(found));
    }
    return result;
  }

  async find(collection: string, query: FindQuery = {}): Promise<Doc[]> {
    const and: Filter<Stored>[] = [];
    for (const [field, filter] of Object.entries(query.filter ?? {})) {
      if (filter !== undefined) and.push(fieldFilter(checkFieldName(field), filter));
    }
    const sortField = query.sort ? checkFieldName(query.sort.field) : undefined;
    const direction = query.sort?.direction ?? 1;
    if (query.after) and.push(sortField === undefined ? { _id: { $gt: query.after.key } } : keyset(sortField, direction, query.after));
    const sort: Sort = sortField === undefined ? { _id: 1 } : { [sortField]: direction, _id: direction };
    let cursor = this.collection(collection)
      .find(and.length === 0 ? {} : and.length === 1 ? and[0] : { $and: and })
      .sort(sort);
    if (query.limit !== undefined) cursor = cursor.limit(query.limit);
    return (await cursor.toArray()).map(withoutId);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private collection(name: string): Collection<Stored> {
    return this.db.collection<Stored>(checkName('collection', name));
  }

  private checkpoints(): Collection<StoredCheckpoint> {
    return this.db.collection<StoredCheckpoint>(CHECKPOINTS);
  }

  private async checkTransactions(): Promise<void> {
    const hello = await this.db.admin().command({ hello: 1 });
    if (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') return;
    throw new MongoReadStoreConfigError(
      'The MongoDB read store needs a replica set (a single node is enough: start mongod with --replSet rs0 and run rs.initiate()), ' +
        'because every projection batch is written with its checkpoint in one multi-document transaction',
    );
  }
}

function withoutId(stored: Stored): Doc {
  const { _id: _key, ...doc } = stored;
  return doc;
}

function checkpointDocument(projection: string, checkpoint: Checkpoint): StoredCheckpoint {
  const p = checkpoint.position;
  return {
    _id: projection,
    commit: p ? p.commit.toString() : null,
    prepare: p ? p.prepare.toString() : null,
    recordedAt: checkpoint.recordedAt,
    version: checkpoint.version,
    resetting: false,
    updatedAt: new Date(),
  };
}

function indexDescriptions(spec: CollectionSpec): IndexDescription[] {
  return spec.indexes.map((index) => {
    const key: Record<string, 1 | -1> = {};
    for (const [field, direction] of index) key[checkFieldName(field)] = direction;
    key._id = index[index.length - 1]?.[1] ?? 1;
    return { key, name: `${spec.name}__${index.map(([f]) => f).join('_')}` };
  });
}

function bulkOperation(op: WriteOp): AnyBulkWriteOperation<Stored> {
  switch (op.op) {
    case 'put':
      // A deep copy taken now: the driver serialises later, and projections change their cached documents in the meantime.
      return { replaceOne: { filter: { _id: op.key }, replacement: structuredClone(op.doc) as Stored, upsert: true } };
    case 'delete':
      return { deleteOne: { filter: { _id: op.key } } };
    case 'update':
      return {
        updateOne: { filter: { _id: op.key }, update: structuredClone(updateDocument(op.update)), upsert: op.update.upsert !== undefined },
      };
    default:
      throw new TypeError(`Unknown write operation ${(op as { op: string }).op}`);
  }
}

/** $inc / $set / $unset, and $setOnInsert for the upsert fields that no updated path touches (MongoDB refuses overlaps). */
function updateDocument(update: DocUpdate): Document {
  const result: Document = {};
  const touched = new Set<string>();
  if (update.inc && Object.keys(update.inc).length > 0) result.$inc = update.inc;
  if (update.set && Object.keys(update.set).length > 0) result.$set = update.set;
  if (update.unset && update.unset.length > 0) result.$unset = Object.fromEntries(update.unset.map((path) => [path, '']));
  for (const path of [...Object.keys(update.inc ?? {}), ...Object.keys(update.set ?? {}), ...(update.unset ?? [])])
    touched.add(path.split('.')[0]);
  if (update.upsert) {
    const onInsert = Object.fromEntries(Object.entries(update.upsert).filter(([field]) => !touched.has(field)));
    if (Object.keys(onInsert).length > 0) result.$setOnInsert = onInsert;
  }
  return result;
}

function fieldFilter(field: string, filter: FieldFilter): Filter<Stored> {
  if (filter === null || typeof filter !== 'object') return { [field]: filter };
  const condition: Document = {};
  if (filter.in !== undefined) condition.$in = [...filter.in];
  if (filter.gt !== undefined) condition.$gt = filter.gt;
  if (filter.gte !== undefined) condition.$gte = filter.gte;
  if (filter.lt !== undefined) condition.$lt = filter.lt;
  if (filter.lte !== undefined) condition.$lte = filter.lte;
  return { [field]: condition };
}

/** Same order as the SQLite adapter: null lowest, the key breaking ties in the sort's direction. */
function keyset(field: string, direction: 1 | -1, after: { value: Scalar | null; key: string }): Filter<Stored> {
  if (direction === -1) {
    if (after.value === null) return { [field]: null, _id: { $lt: after.key } };
    return { $or: [{ [field]: { $lt: after.value } }, { [field]: after.value, _id: { $lt: after.key } }, { [field]: null }] };
  }
  if (after.value === null) return { $or: [{ [field]: null, _id: { $gt: after.key } }, { [field]: { $ne: null } }] };
  return { $or: [{ [field]: { $gt: after.value } }, { [field]: after.value, _id: { $gt: after.key } }] };
}
