import { Long, type Document } from 'bson';
import { Aggregator, Query } from 'mingo';
import { CommandError, badValue, failedToParse, namespaceNotFound } from './errors';
import type { FailPoints } from './fail-points';
import {
  Collection,
  ID_INDEX,
  QUERY_OPTIONS,
  Storage,
  checkUnique,
  copy,
  duplicateKey,
  idKey,
  indexKey,
  newId,
  type IndexSpec,
  type Scope,
} from './storage';
import { applyUpdate, checkUpdate, sameDocument, upsertSeed, type UpdateSpec } from './updates';

export interface CommandContext {
  readonly db: string;
  readonly scope: Scope;
  readonly storage: Storage;
  readonly cursors: Cursors;
  readonly failPoints: FailPoints;
  readonly hello: () => Document;
}

type Handler = (command: Document, context: CommandContext) => Document | Promise<Document>;

const DEFAULT_BATCH = 101;

/** Open cursors: the rest of a result, materialised when the query ran (snapshot semantics for free). */
export class Cursors {
  private next = 1;
  private readonly open = new Map<number, { ns: string; docs: Document[] }>();

  firstBatch(ns: string, docs: Document[], batchSize: number | undefined, single = false): Document {
    const size = batchSize ?? DEFAULT_BATCH;
    const first = docs.slice(0, size);
    let id = 0;
    if (!single && docs.length > first.length) this.open.set((id = this.next++), { ns, docs: docs.slice(size) });
    return { cursor: { id: Long.fromNumber(id), ns, firstBatch: first }, ok: 1 };
  }

  more(id: number, ns: string, batchSize: number | undefined): Document {
    const cursor = this.open.get(id);
    if (!cursor || cursor.ns !== ns) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
    const batch = cursor.docs.splice(0, batchSize || cursor.docs.length);
    if (cursor.docs.length === 0) this.open.delete(id);
    return { cursor: { id: Long.fromNumber(cursor.docs.length === 0 ? 0 : id), ns, nextBatch: batch }, ok: 1 };
  }

  kill(ids: number[]): Document {
    const killed = ids.filter((id) => this.open.delete(id));
    return {
      cursorsKilled: killed.map((id) => Long.fromNumber(id)),
      cursorsNotFound: ids.filter((id) => !killed.includes(id)).map((id) => Long.fromNumber(id)),
      cursorsAlive: [],
      cursorsUnknown: [],
      ok: 1,
    };
  }
}

const num = (value: unknown): number => (value instanceof Long ? value.toNumber() : Number(value ?? 0));

function collectionName(command: Document, name: string): string {
  const value = command[name];
  if (typeof value !== 'string' || value === '')
    throw new CommandError(73, 'InvalidNamespace', `collection name must be a non-empty string, not ${value}`);
  return value;
}

function select(collection: Collection | undefined, filter: Document | undefined, options: Document = {}): Document[] {
  const docs = collection ? [...collection.docs.values()] : [];
  const projection = options.projection && Object.keys(options.projection).length > 0 ? options.projection : undefined;
  let cursor = new Query(filter ?? {}, QUERY_OPTIONS).find<Document>(docs, projection);
  if (options.sort && Object.keys(options.sort).length > 0) cursor = cursor.sort(options.sort);
  if (options.skip) cursor = cursor.skip(num(options.skip));
  if (options.limit) cursor = cursor.limit(Math.abs(num(options.limit)));
  return cursor.all();
}

function matches(filter: Document | undefined, doc: Document): boolean {
  return new Query(filter ?? {}, QUERY_OPTIONS).test(doc);
}

/** Waits (outside a transaction) or conflicts (inside one) when another transaction holds the document. */
async function claim(scope: Scope, ns: string, key: string): Promise<void> {
  const wait = scope.claim(ns, key);
  if (wait) await wait;
}

function writeError(index: number, error: unknown): Document {
  if (!(error instanceof CommandError) || error.code === 112) throw error;
  return { index, code: error.code, errmsg: error.message, ...error.extra };
}

async function insertOne(context: CommandContext, ns: string, raw: Document): Promise<void> {
  const doc = newId(raw);
  const key = idKey(doc._id);
  await claim(context.scope, ns, key);
  const collection = context.scope.read(ns);
  if (collection?.docs.has(key)) throw duplicateKey(ns, ID_INDEX, { _id: doc._id });
  if (collection) checkUnique(ns, collection, key, doc);
  context.scope.put(ns, key, doc);
}

interface UpdateOutcome {
  matched: number;
  modified: number;
  upserted?: unknown;
  before?: Document;
  after?: Document;
}

async function updateDocs(
  context: CommandContext,
  ns: string,
  spec: { q?: Document; u: UpdateSpec; upsert?: boolean; multi?: boolean; arrayFilters?: Document[]; sort?: Document },
): Promise<UpdateOutcome> {
  checkUpdate(spec.u);
  if (spec.multi && !Array.isArray(spec.u) && !Object.keys(spec.u).some((k) => k.startsWith('$')))
    throw failedToParse('multi update is not supported for replacement-style update');
  const { scope } = context;
  const targets = select(scope.read(ns), spec.q, { sort: spec.sort, limit: spec.multi ? undefined : 1 });
  const outcome: UpdateOutcome = { matched: 0, modified: 0 };
  for (const target of targets) {
    const key = idKey(target._id);
    await claim(scope, ns, key);
    const current = scope.read(ns)?.docs.get(key);
    if (!current || !matches(spec.q, current)) continue;
    const next = applyUpdate(current, spec.u, { inserting: false, arrayFilters: spec.arrayFilters });
    outcome.matched++;
    outcome.before ??= current;
    outcome.after ??= next;
    if (sameDocument(current, next)) continue;
    checkUnique(ns, scope.read(ns) as Collection, key, next);
    scope.put(ns, key, next);
    outcome.modified++;
  }
  if (outcome.matched === 0 && spec.upsert) {
    const doc = newId(applyUpdate(upsertSeed(spec.q ?? {}), spec.u, { inserting: true, arrayFilters: spec.arrayFilters }));
    await insertOne(context, ns, doc);
    outcome.upserted = doc._id;
    outcome.after = doc;
  }
  return outcome;
}

async function deleteDocs(
  context: CommandContext,
  ns: string,
  filter: Document | undefined,
  limit: number,
  sort?: Document,
): Promise<Document[]> {
  const { scope } = context;
  const removed: Document[] = [];
  for (const target of select(scope.read(ns), filter, { sort, limit: limit || undefined })) {
    const key = idKey(target._id);
    await claim(scope, ns, key);
    const current = scope.read(ns)?.docs.get(key);
    if (!current || !matches(filter, current)) continue;
    scope.put(ns, key, undefined);
    removed.push(current);
  }
  return removed;
}

function createCollection(storage: Storage, ns: string): Collection {
  let collection = storage.committed.get(ns);
  if (!collection) storage.committed.set(ns, (collection = new Collection()));
  return collection;
}

function collectionsOf(storage: Storage, db: string): [string, Collection][] {
  const prefix = `${db}.`;
  return [...storage.committed].filter(([ns]) => ns.startsWith(prefix)).map(([ns, c]) => [ns.slice(prefix.length), c]);
}

function sameKey(a: Document, b: Document): boolean {
  return JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b));
}

const handlers: Record<string, Handler> = {
  hello: (_command, { hello }) => hello(),
  ping: () => ({ ok: 1 }),
  buildInfo: () => ({
    version: '7.0.0',
    versionArray: [7, 0, 0, 0],
    gitVersion: 'mongo-double',
    bits: 64,
    maxBsonObjectSize: 16 * 1024 * 1024,
    ok: 1,
  }),
  getParameter: () => ({ ok: 1 }),
  endSessions: () => ({ ok: 1 }),
  killCursors: (command, { cursors }) => cursors.kill((command.cursors as unknown[]).map(num)),
  getMore: (command, { cursors, db }) =>
    cursors.more(num(command.getMore), `${db}.${command.collection}`, command.batchSize && num(command.batchSize)),

  configureFailPoint: (command, { failPoints }) => failPoints.configure(command),

  listCollections: (command, { storage, db, cursors }) => {
    const infos = collectionsOf(storage, db).map(([name]) =>
      command.nameOnly
        ? { name, type: 'collection' }
        : { name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: ID_INDEX },
    );
    return cursors.firstBatch(
      `${db}.$cmd.listCollections`,
      select(new Collection(new Map(infos.map((i) => [i.name, i]))), command.filter),
      command.cursor?.batchSize,
    );
  },
  listIndexes: (command, { storage, db, cursors }) => {
    const ns = `${db}.${collectionName(command, 'listIndexes')}`;
    const collection = storage.committed.get(ns);
    if (!collection) throw namespaceNotFound(ns);
    return cursors.firstBatch(
      `${db}.$cmd.listIndexes.${command.listIndexes}`,
      collection.indexes.map((i) => ({ ...i })),
      command.cursor?.batchSize,
    );
  },
  create: (command, { storage, db }) => {
    const ns = `${db}.${collectionName(command, 'create')}`;
    if (storage.committed.has(ns)) throw new CommandError(48, 'NamespaceExists', `Collection ${ns} already exists.`);
    createCollection(storage, ns);
    return { ok: 1 };
  },
  // As on MongoDB 7: dropping a collection that does not exist succeeds.
  drop: (command, { storage, db }) => {
    const ns = `${db}.${collectionName(command, 'drop')}`;
    const collection = storage.committed.get(ns);
    storage.committed.delete(ns);
    return { nIndexesWas: collection?.indexes.length ?? 0, ns, ok: 1 };
  },
  dropDatabase: (_command, { storage, db }) => {
    for (const [name] of collectionsOf(storage, db)) storage.committed.delete(`${db}.${name}`);
    return { dropped: db, ok: 1 };
  },
  createIndexes: (command, { storage, db }) => {
    const ns = `${db}.${collectionName(command, 'createIndexes')}`;
    const created = !storage.committed.has(ns);
    const collection = createCollection(storage, ns);
    const indexes = [...collection.indexes];
    for (const spec of command.indexes as Document[]) {
      if (!spec.key || Object.keys(spec.key).length === 0) throw badValue('Index key pattern must not be empty');
      const index: IndexSpec = {
        v: 2,
        key: spec.key,
        name:
          spec.name ??
          Object.entries(spec.key)
            .map(([f, d]) => `${f}_${d}`)
            .join('_'),
        ...(spec.unique ? { unique: true } : {}),
        ...(spec.sparse ? { sparse: true } : {}),
        ...(spec.partialFilterExpression ? { partialFilterExpression: spec.partialFilterExpression } : {}),
      };
      const sameName = indexes.find((i) => i.name === index.name);
      if (sameName) {
        if (!sameKey(sameName.key, index.key))
          throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index: ${index.name}`);
        if (!!sameName.unique !== !!index.unique || !!sameName.sparse !== !!index.sparse)
          throw new CommandError(
            85,
            'IndexOptionsConflict',
            `An existing index has the same name as the requested index but different options: ${index.name}`,
          );
        continue;
      }
      if (indexes.some((i) => sameKey(i.key, index.key) && !!i.unique === !!index.unique && !i.partialFilterExpression))
        throw new CommandError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${index.name}`);
      if (index.unique) {
        const seen = new Map<string, true>();
        for (const doc of collection.docs.values()) {
          const keyValue = indexKey(index, doc);
          if (!keyValue) continue;
          const text = JSON.stringify(keyValue);
          if (seen.has(text)) throw duplicateKey(ns, index, keyValue);
          seen.set(text, true);
        }
      }
      indexes.push(index);
    }
    storage.committed.set(ns, collection.clone(indexes));
    return { numIndexesBefore: collection.indexes.length, numIndexesAfter: indexes.length, createdCollectionAutomatically: created, ok: 1 };
  },
  dropIndexes: (command, { storage, db }) => {
    const ns = `${db}.${collectionName(command, 'dropIndexes')}`;
    const collection = storage.committed.get(ns);
    if (!collection) throw namespaceNotFound(ns);
    const wanted = command.index;
    const drops = (i: IndexSpec) =>
      i.name !== '_id_' &&
      (wanted === '*' ||
        (Array.isArray(wanted) ? wanted.includes(i.name) : typeof wanted === 'string' ? i.name === wanted : sameKey(i.key, wanted)));
    if (wanted !== '*' && !collection.indexes.some(drops))
      throw new CommandError(27, 'IndexNotFound', `index not found with name [${JSON.stringify(wanted)}]`);
    storage.committed.set(ns, collection.clone(collection.indexes.filter((i) => !drops(i))));
    return { nIndexesWas: collection.indexes.length, ok: 1 };
  },

  insert: async (command, context) => {
    const ns = `${context.db}.${collectionName(command, 'insert')}`;
    const writeErrors: Document[] = [];
    let n = 0;
    for (const [index, doc] of (command.documents as Document[]).entries()) {
      try {
        await insertOne(context, ns, doc);
        n++;
      } catch (error) {
        writeErrors.push(writeError(index, error));
        if (command.ordered !== false) break;
      }
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  },
  update: async (command, context) => {
    const ns = `${context.db}.${collectionName(command, 'update')}`;
    const writeErrors: Document[] = [];
    const upserted: Document[] = [];
    let n = 0;
    let nModified = 0;
    for (const [index, spec] of (command.updates as Document[]).entries()) {
      try {
        const outcome = await updateDocs(context, ns, spec as Parameters<typeof updateDocs>[2]);
        n += outcome.matched + (outcome.upserted === undefined ? 0 : 1);
        nModified += outcome.modified;
        if (outcome.upserted !== undefined) upserted.push({ index, _id: outcome.upserted });
      } catch (error) {
        writeErrors.push(writeError(index, error));
        if (command.ordered !== false) break;
      }
    }
    return { n, nModified, ...(upserted.length ? { upserted } : {}), ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  },
  delete: async (command, context) => {
    const ns = `${context.db}.${collectionName(command, 'delete')}`;
    const writeErrors: Document[] = [];
    let n = 0;
    for (const [index, spec] of (command.deletes as Document[]).entries()) {
      try {
        n += (await deleteDocs(context, ns, spec.q, num(spec.limit))).length;
      } catch (error) {
        writeErrors.push(writeError(index, error));
        if (command.ordered !== false) break;
      }
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  },
  findAndModify: async (command, context) => {
    const ns = `${context.db}.${collectionName(command, 'findAndModify')}`;
    const project = (doc: Document | undefined) =>
      doc && command.fields
        ? (select(new Collection(new Map([['x', doc]])), {}, { projection: command.fields })[0] ?? null)
        : (doc ?? null);
    if (command.remove) {
      const [removed] = await deleteDocs(context, ns, command.query, 1, command.sort);
      return { lastErrorObject: { n: removed ? 1 : 0 }, value: project(removed), ok: 1 };
    }
    if (!command.update) throw failedToParse('Either an update or remove=true must be specified');
    const outcome = await updateDocs(context, ns, {
      q: command.query,
      u: command.update,
      upsert: command.upsert,
      arrayFilters: command.arrayFilters,
      sort: command.sort,
    });
    return {
      lastErrorObject: {
        n: outcome.matched + (outcome.upserted === undefined ? 0 : 1),
        updatedExisting: outcome.matched > 0,
        ...(outcome.upserted === undefined ? {} : { upserted: outcome.upserted }),
      },
      value: project(command.new ? outcome.after : outcome.before),
      ok: 1,
    };
  },

  find: (command, { scope, db, cursors }) => {
    const ns = `${db}.${collectionName(command, 'find')}`;
    const limit = command.limit === undefined ? undefined : num(command.limit);
    const docs = select(scope.read(ns), command.filter, { sort: command.sort, projection: command.projection, skip: command.skip, limit });
    const single = command.singleBatch === true || (limit !== undefined && limit < 0);
    return cursors.firstBatch(ns, docs, command.batchSize === undefined ? undefined : num(command.batchSize), single);
  },
  count: (command, { scope, db }) => {
    const ns = `${db}.${collectionName(command, 'count')}`;
    return { n: select(scope.read(ns), command.query, { skip: command.skip, limit: command.limit }).length, ok: 1 };
  },
  distinct: (command, { scope, db }) => {
    const ns = `${db}.${collectionName(command, 'distinct')}`;
    const values = new Map<string, unknown>();
    for (const doc of select(scope.read(ns), command.query)) {
      const value = doc[command.key as string];
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) values.set(JSON.stringify(v), v);
    }
    return { values: [...values.values()], ok: 1 };
  },
  aggregate: (command, { scope, db, cursors }) => {
    const pipeline = command.pipeline as Document[];
    for (const stage of pipeline) {
      const name = Object.keys(stage)[0];
      if (name === '$out' || name === '$merge' || name === '$changeStream')
        throw new CommandError(115, 'CommandNotSupported', `${name} is not modelled by the test double`);
    }
    const ns = `${db}.${command.aggregate === 1 ? '$cmd.aggregate' : collectionName(command, 'aggregate')}`;
    const source = command.aggregate === 1 ? [] : [...(scope.read(ns)?.docs.values() ?? [])];
    const result = new Aggregator(copy({ p: pipeline }).p as Document[], QUERY_OPTIONS).run(source) as Document[];
    return cursors.firstBatch(ns, result, command.cursor?.batchSize === undefined ? undefined : num(command.cursor.batchSize));
  },
};

const byLowerName = new Map(Object.entries(handlers).map(([name, handler]) => [name.toLowerCase(), handler]));
byLowerName.set('ismaster', handlers.hello);

export function handlerFor(name: string): Handler {
  const handler = handlers[name] ?? byLowerName.get(name.toLowerCase());
  if (!handler) throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`);
  return handler;
}
