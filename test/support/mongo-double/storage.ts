import { EJSON, ObjectId, deserialize, serialize, type Document } from 'bson';
import { Query } from 'mingo';
import { CommandError, writeConflict } from './errors';

export interface IndexSpec {
  readonly v: 2;
  readonly name: string;
  readonly key: Document;
  readonly unique?: boolean;
  readonly sparse?: boolean;
  readonly partialFilterExpression?: Document;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

export const QUERY_OPTIONS = { idKey: '_id' } as const;

/**
 * One collection's documents, keyed by their `_id` (EJSON text). A published collection is never
 * changed in place: writers clone it, so a transaction's snapshot is the set of collection objects
 * that were current when it started.
 */
export class Collection {
  constructor(
    readonly docs = new Map<string, Document>(),
    /** The sequence number of the last committed write per key, deletions included (write-conflict detection). */
    readonly seqs = new Map<string, number>(),
    readonly indexes: readonly IndexSpec[] = [ID_INDEX],
  ) {}

  clone(indexes = this.indexes): Collection {
    return new Collection(new Map(this.docs), new Map(this.seqs), indexes);
  }
}

export const idKey = (id: unknown): string => EJSON.stringify(id, { relaxed: false });

/** A deep copy through BSON, which keeps ObjectId, Date and Binary values intact. */
export const copy = (doc: Document): Document => deserialize(serialize(doc));

export function newId(doc: Document): Document {
  return '_id' in doc ? doc : { _id: new ObjectId(), ...doc };
}

export function getPath(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Document)[part];
  }
  return value;
}

/** The first unique index another document already holds `doc`'s key in, as MongoDB's E11000 error. */
export function checkUnique(ns: string, collection: Collection, key: string, doc: Document): void {
  for (const index of collection.indexes) {
    if (!index.unique) continue;
    const keyValue = indexKey(index, doc);
    if (!keyValue) continue;
    const wanted = EJSON.stringify(keyValue, { relaxed: true });
    for (const [otherKey, other] of collection.docs) {
      if (otherKey === key) continue;
      const otherValue = indexKey(index, other);
      if (otherValue && EJSON.stringify(otherValue, { relaxed: true }) === wanted) throw duplicateKey(ns, index, keyValue);
    }
  }
}

export function duplicateKey(ns: string, index: IndexSpec, keyValue: Document): CommandError {
  const shown = Object.entries(keyValue)
    .map(([field, value]) => `${field}: ${EJSON.stringify(value, { relaxed: true })}`)
    .join(', ');
  return new CommandError(
    11000,
    'DuplicateKey',
    `E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: { ${shown} }`,
    {
      keyPattern: index.key,
      keyValue,
    },
  );
}

/** The index entry of a document: missing fields are null, a sparse or partial index skips what it does not cover. */
export function indexKey(index: IndexSpec, doc: Document): Document | undefined {
  const fields = Object.keys(index.key);
  const values = fields.map((field) => getPath(doc, field));
  if (index.sparse && values.every((v) => v === undefined)) return undefined;
  if (index.partialFilterExpression && !new Query(index.partialFilterExpression, QUERY_OPTIONS).test(doc)) return undefined;
  return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? null]));
}

export type TransactionState = 'active' | 'committed' | 'aborted';

export interface Transaction {
  readonly session: string;
  readonly txnNumber: number;
  readonly startSeq: number;
  readonly startedAt: number;
  readonly snapshot: ReadonlyMap<string, Collection>;
  /** Private copies of the collections this transaction wrote to. */
  readonly views: Map<string, Collection>;
  readonly writes: Map<string, Set<string>>;
  state: TransactionState;
}

/** Where a command reads and writes: straight into the committed state, or into a transaction. */
export interface Scope {
  readonly transaction?: Transaction;
  read(ns: string): Collection | undefined;
  /**
   * Call before changing the document with this key. Outside a transaction it returns a promise when
   * a transaction holds the document (the write waits, as on a server); inside one it throws WriteConflict.
   */
  claim(ns: string, key: string): Promise<void> | undefined;
  put(ns: string, key: string, doc: Document | undefined): void;
  /** Publishes pending writes (outside a transaction); a no-op inside one. */
  flush(): void;
}

/** Abandoned transactions release their documents after this long, like transactionLifetimeLimitSeconds. */
const TRANSACTION_LIFETIME_MS = 60_000;

export class Storage {
  private seq = 0;
  readonly committed = new Map<string, Collection>();
  private readonly locks = new Map<string, Transaction>();
  private waiters: (() => void)[] = [];

  autocommit(): Scope {
    return new AutocommitScope(this);
  }

  begin(session: string, txnNumber: number): Transaction {
    return {
      session,
      txnNumber,
      startSeq: this.seq,
      startedAt: Date.now(),
      snapshot: new Map(this.committed),
      views: new Map(),
      writes: new Map(),
      state: 'active',
    };
  }

  inTransaction(transaction: Transaction): Scope {
    return new TransactionScope(this, transaction);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  holder(ns: string, key: string): Transaction | undefined {
    const holder = this.locks.get(`${ns}\0${key}`);
    if (holder && (holder.state !== 'active' || Date.now() - holder.startedAt > TRANSACTION_LIFETIME_MS)) {
      this.abort(holder);
      return undefined;
    }
    return holder;
  }

  lock(ns: string, key: string, transaction: Transaction): void {
    this.locks.set(`${ns}\0${key}`, transaction);
  }

  unlocked(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  commit(transaction: Transaction): void {
    const published = new Map<string, Collection>();
    try {
      for (const [ns, keys] of transaction.writes) {
        const view = transaction.views.get(ns) as Collection;
        const target = (this.committed.get(ns) ?? new Collection(undefined, undefined, view.indexes)).clone();
        for (const key of keys) {
          const doc = view.docs.get(key);
          if (doc) target.docs.set(key, doc);
          else target.docs.delete(key);
        }
        for (const key of keys) {
          const doc = target.docs.get(key);
          if (doc) checkUnique(ns, target, key, doc);
        }
        published.set(ns, target);
      }
    } catch (error) {
      this.abort(transaction);
      throw error;
    }
    for (const [ns, target] of published) {
      for (const key of transaction.writes.get(ns) ?? []) target.seqs.set(key, this.nextSeq());
      this.committed.set(ns, target);
    }
    transaction.state = 'committed';
    this.release(transaction);
  }

  abort(transaction: Transaction): void {
    if (transaction.state === 'active') transaction.state = 'aborted';
    this.release(transaction);
  }

  private release(transaction: Transaction): void {
    for (const [ns, keys] of transaction.writes) {
      for (const key of keys) {
        const lock = `${ns}\0${key}`;
        if (this.locks.get(lock) === transaction) this.locks.delete(lock);
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

class AutocommitScope implements Scope {
  private readonly working = new Map<string, Collection>();

  constructor(private readonly storage: Storage) {}

  read(ns: string): Collection | undefined {
    return this.working.get(ns) ?? this.storage.committed.get(ns);
  }

  claim(ns: string, key: string): Promise<void> | undefined {
    if (!this.storage.holder(ns, key)) return undefined;
    this.flush();
    return this.waitFor(ns, key);
  }

  private async waitFor(ns: string, key: string): Promise<void> {
    while (this.storage.holder(ns, key)) await this.storage.unlocked();
  }

  put(ns: string, key: string, doc: Document | undefined): void {
    let collection = this.working.get(ns);
    if (!collection) this.working.set(ns, (collection = this.storage.committed.get(ns)?.clone() ?? new Collection()));
    if (doc) collection.docs.set(key, doc);
    else collection.docs.delete(key);
    collection.seqs.set(key, this.storage.nextSeq());
  }

  flush(): void {
    for (const [ns, collection] of this.working) this.storage.committed.set(ns, collection);
    this.working.clear();
  }
}

class TransactionScope implements Scope {
  constructor(
    private readonly storage: Storage,
    readonly transaction: Transaction,
  ) {}

  read(ns: string): Collection | undefined {
    return this.transaction.views.get(ns) ?? this.transaction.snapshot.get(ns);
  }

  claim(ns: string, key: string): undefined {
    const holder = this.storage.holder(ns, key);
    if (holder && holder !== this.transaction) throw writeConflict();
    // Written by someone else since this transaction's snapshot: first committer wins.
    if ((this.storage.committed.get(ns)?.seqs.get(key) ?? 0) > this.transaction.startSeq) throw writeConflict();
    this.storage.lock(ns, key, this.transaction);
    let keys = this.transaction.writes.get(ns);
    if (!keys) this.transaction.writes.set(ns, (keys = new Set()));
    keys.add(key);
    return undefined;
  }

  put(ns: string, key: string, doc: Document | undefined): void {
    let view = this.transaction.views.get(ns);
    if (!view) this.transaction.views.set(ns, (view = this.transaction.snapshot.get(ns)?.clone() ?? new Collection()));
    if (doc) view.docs.set(key, doc);
    else view.docs.delete(key);
  }

  flush(): void {}
}
