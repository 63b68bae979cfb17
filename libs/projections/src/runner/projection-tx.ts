import { applyUpdate, copyDoc, type Doc, type DocUpdate, type WriteOp } from '../read-store/read-store.port';

const CLEAN = 0;
const PUT = 1;
const DELETED = 2;

interface Entry {
  /** Whether `doc` is the document's current state (read ahead or written in this window). */
  known: boolean;
  doc: Doc | null;
  state: typeof CLEAN | typeof PUT | typeof DELETED;
  /** Blind updates of a document that was not read, in order. */
  updates?: DocUpdate[];
}

let nextTxId = 0;

/**
 * A document a projection only ever adds to, event after event (a funnel day), without reading it.
 * The projection keeps one per document and hands it to ProjectionTx.add() or count(), which
 * remember in it where that window's pending increments are: counting then costs no lookup, and
 * count() adds to a number array rather than to a field looked up by name.
 */
export class CounterDoc {
  /** @internal The transaction that last added to it, and its pending increments there. */
  txId = -1;
  /** @internal */
  entry: Entry | undefined = undefined;
  /** @internal */
  inc: Record<string, number> | undefined = undefined;
  /** @internal What count() added per field since the last flush into `inc`. */
  readonly counts: Float64Array;
  /** @internal */
  counted = false;

  constructor(
    readonly collection: string,
    readonly key: string,
    /** The document an increment creates when there is none (shared: never changed). */
    readonly upsert: Readonly<Doc>,
    /** The fields count() addresses by index. */
    readonly fields: readonly string[] = [],
  ) {
    this.counts = new Float64Array(fields.length);
  }

  /** @internal Writes what count() added into the pending increment (where it belongs, whichever transaction now has it). */
  flush(): void {
    if (!this.counted) return;
    this.counted = false;
    const { counts, fields, inc } = this;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      if (inc) inc[fields[i]] = (inc[fields[i]] ?? 0) + counts[i];
      counts[i] = 0;
    }
  }
}

/** A projection asked for a document it did not list in reads(): a bug in the projection, reported as such. */
export class UnreadDocumentError extends Error {
  override readonly name = 'UnreadDocumentError';
}

/**
 * The unit of work of one projection over one window: documents read ahead, then every change the
 * window makes, kept in memory and handed to the read store as one list of writes at commit.
 *
 * Within a window a document is written once however many events touch it, and counters updated
 * blindly (without reading them) are merged into one increment per document.
 * A document returned by get() must be put() back after it is changed.
 */
export class ProjectionTx {
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly id = nextTxId++;
  /** Counters added to here, whose count() additions ops() writes into their increments. */
  private readonly counters: CounterDoc[] = [];
  // A projection reads a lead's document and then writes it back: the second lookup is this one.
  private lastCollection: string | undefined;
  private lastEntries: Map<string, Entry> | undefined;
  private lastKey: string | undefined;
  private lastEntry: Entry | undefined;

  /** @internal The runner records what it read ahead (null: the document does not exist). */
  preload(collection: string, key: string, doc: Doc | null): void {
    const entries = this.collection(collection);
    if (!entries.has(key)) entries.set(key, { known: true, doc, state: CLEAN });
  }

  /**
   * Declares that a document does not exist, without reading it — for the documents of a lead at its
   * LeadCaptured, the first event of its stream.
   */
  absent(collection: string, key: string): void {
    const entries = this.collection(collection);
    if (!entries.has(key)) entries.set(key, { known: true, doc: null, state: CLEAN });
  }

  /**
   * The document's state as this unit of work leaves it: the document, null when absent, undefined
   * when it was not touched, 'blind' when it was only updated without being read.
   */
  stateOf(collection: string, key: string): Doc | null | undefined | 'blind' {
    const entry = this.lookup(collection, key);
    if (entry === undefined) return undefined;
    return entry.known ? entry.doc : 'blind';
  }

  /** Whether the document's current state is here (read ahead, or written from scratch). */
  knows(collection: string, key: string): boolean {
    return this.lookup(collection, key)?.known === true;
  }

  get<T extends Doc = Doc>(collection: string, key: string): T | undefined {
    const entry = this.lookup(collection, key);
    if (!entry || !entry.known)
      throw new UnreadDocumentError(`${collection}/${key} was not read ahead: list it in the projection's reads()`);
    return (entry.doc ?? undefined) as T | undefined;
  }

  put(collection: string, key: string, doc: Doc): void {
    this.settle(collection, key, doc, PUT);
  }

  delete(collection: string, key: string): void {
    this.settle(collection, key, null, DELETED);
  }

  private settle(collection: string, key: string, doc: Doc | null, state: typeof PUT | typeof DELETED): void {
    const entry = this.lookup(collection, key);
    // Changed in place: a replay puts a lead's document once per event.
    if (entry === undefined) this.collection(collection).set(key, { known: true, doc, state });
    else {
      entry.known = true;
      entry.doc = doc;
      entry.state = state;
      entry.updates = undefined;
    }
  }

  /** Updates a document without reading it (counters, patches); applied in memory when the document is known. */
  update(collection: string, key: string, update: DocUpdate): void {
    const entry = this.lookup(collection, key);
    if (entry?.known) {
      if (entry.doc === null) {
        if (!update.upsert) return;
        entry.doc = copyDoc(update.upsert);
      }
      applyUpdate(entry.doc, update);
      entry.state = PUT;
      return;
    }
    if (!entry) {
      this.collection(collection).set(key, { known: false, doc: null, state: CLEAN, updates: [owned(update)] });
      return;
    }
    const updates = entry.updates!;
    const last = updates[updates.length - 1];
    if (isIncrementOnly(last) && isIncrementOnly(update)) {
      // Counters: one increment per document and window, however many events touched it.
      const sum = last.inc as Record<string, number>;
      for (const path in update.inc) sum[path] = (sum[path] ?? 0) + update.inc[path];
      if (!last.upsert && update.upsert) updates[updates.length - 1] = { inc: sum, upsert: update.upsert };
    } else {
      updates.push(owned(update));
    }
  }

  /**
   * Adds `by` to the counter at `path` without reading the document: update({ inc: { [path]: by }, upsert })
   * without allocating where it matters (funnel counters take six per event). `upsert` is kept as it
   * is and copied before it is changed, so the caller may share it.
   */
  increment(collection: string, key: string, path: string, by: number, upsert: Readonly<Doc>): void {
    const entry = this.lookup(collection, key);
    if (entry !== undefined && !entry.known) {
      const last = entry.updates![entry.updates!.length - 1];
      if (last.upsert && isIncrementOnly(last)) {
        const sum = last.inc as Record<string, number>;
        sum[path] = (sum[path] ?? 0) + by;
        return;
      }
    }
    this.update(collection, key, { inc: { [path]: by }, upsert: upsert as Doc });
  }

  /** increment(counter.collection, counter.key, path, by, counter.upsert), without its lookups when the counter is at hand. */
  add(counter: CounterDoc, path: string, by: number): void {
    if (this.pending(counter)) {
      const inc = counter.inc!;
      inc[path] = (inc[path] ?? 0) + by;
      return;
    }
    // What count() added belongs before this, in the increment it was counted for.
    counter.flush();
    this.increment(counter.collection, counter.key, path, by, counter.upsert);
    const entry = this.lookup(counter.collection, counter.key)!;
    const last = entry.known ? undefined : entry.updates![entry.updates!.length - 1];
    if (counter.txId !== this.id) this.counters.push(counter);
    counter.txId = this.id;
    counter.entry = entry;
    counter.inc =
      last !== undefined && last.upsert !== undefined && isIncrementOnly(last) ? (last.inc as Record<string, number>) : undefined;
  }

  /** add(counter, counter.fields[field], by), adding to a number in the counter until the window's writes are taken. */
  count(counter: CounterDoc, field: number, by: number): void {
    if (!this.pending(counter)) {
      this.add(counter, counter.fields[field], by);
      return;
    }
    counter.counts[field] += by;
    counter.counted = true;
  }

  /** Whether the counter's pending increment is still this document's latest update here: a put, delete or other update since would have replaced it. */
  private pending(counter: CounterDoc): boolean {
    if (counter.txId !== this.id || counter.inc === undefined) return false;
    const entry = counter.entry!;
    const updates = entry.updates;
    return !entry.known && updates !== undefined && updates[updates.length - 1].inc === counter.inc;
  }

  /** Number of documents touched, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const entries of this.entries.values()) n += entries.size;
    return n;
  }

  /** The writes this window makes, in a stable order. */
  ops(): WriteOp[] {
    for (const counter of this.counters) counter.flush();
    const ops: WriteOp[] = [];
    for (const [collection, entries] of this.entries) {
      for (const [key, entry] of entries) {
        if (entry.state === PUT && entry.doc !== null) ops.push({ op: 'put', collection, key, doc: entry.doc });
        else if (entry.state === DELETED) ops.push({ op: 'delete', collection, key });
        else if (entry.updates) for (const update of entry.updates) ops.push({ op: 'update', collection, key, update });
      }
    }
    return ops;
  }

  private collection(name: string): Map<string, Entry> {
    if (name === this.lastCollection) return this.lastEntries!;
    let entries = this.entries.get(name);
    if (!entries) this.entries.set(name, (entries = new Map()));
    this.lastCollection = name;
    this.lastEntries = entries;
    this.lastKey = undefined;
    return entries;
  }

  private lookup(collection: string, key: string): Entry | undefined {
    if (key === this.lastKey && collection === this.lastCollection) return this.lastEntry;
    const entries = collection === this.lastCollection ? this.lastEntries : this.entries.get(collection);
    if (entries === undefined) return undefined;
    const entry = entries.get(key);
    // Entries are never removed or replaced, so a remembered one stays valid.
    if (entry !== undefined) {
      this.lastCollection = collection;
      this.lastEntries = entries;
      this.lastKey = key;
      this.lastEntry = entry;
    }
    return entry;
  }
}

function isIncrementOnly(update: DocUpdate): boolean {
  return update.inc !== undefined && update.set === undefined && update.unset === undefined;
}

/** A copy whose increments the transaction may add to in place. */
function owned(update: DocUpdate): DocUpdate {
  return isIncrementOnly(update) ? { ...update, inc: { ...update.inc } } : update;
}
