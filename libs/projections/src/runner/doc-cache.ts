import type { Doc } from '../read-store/read-store.port';

/**
 * A projection's documents as last committed, per collection, the oldest evicted first. Catch-up touches the same leads batch after batch; serving them from here saves a read-store
 * query and a JSON parse per document. Only the runner writes a projection's documents, so committed
 * state cannot go stale; whatever may hold uncommitted changes (a failed batch) is cleared.
 */
export class DocCache {
  private readonly collections = new Map<string, Generations>();
  /** Documents per generation: two generations together hold at most `capacity`. */
  private readonly generation: number;

  constructor(private readonly capacity: number) {
    this.generation = Math.max(1, Math.ceil(capacity / 2));
  }

  /** The document (null: known to be absent), or undefined when not cached. */
  get(collection: string, key: string): Doc | null | undefined {
    const docs = this.collections.get(collection);
    if (!docs) return undefined;
    const doc = docs.young.get(key);
    return doc !== undefined ? doc : docs.old.get(key);
  }

  /** Records the committed state; undefined forgets the document (its stored state is not known here). */
  set(collection: string, key: string, doc: Doc | null | undefined): void {
    let docs = this.collections.get(collection);
    if (doc === undefined) {
      if (docs) {
        docs.young.delete(key);
        docs.old.delete(key);
      }
      return;
    }
    if (this.capacity === 0) return;
    if (!docs) this.collections.set(collection, (docs = { young: new Map(), old: new Map() }));
    // Generations rather than one map evicting its first key: deleting from the front of a V8 Map leaves
    // holes that every keys().next() walks again, which made eviction cost grow with the cache size.
    // A whole generation is dropped at once, and in a log that follows time the oldest leads are the coldest anyway.
    if (docs.old.size > 0) docs.old.delete(key);
    if (!docs.young.has(key) && docs.young.size >= this.generation) {
      docs.old = docs.young;
      docs.young = new Map();
    }
    docs.young.set(key, doc);
  }

  clear(): void {
    this.collections.clear();
  }
}

interface Generations {
  young: Map<string, Doc | null>;
  old: Map<string, Doc | null>;
}
