import type { Doc } from '../read-store/read-store.port';

/**
 * A projection's documents as last committed, per collection, the first cached evicted first. Catch-up touches the same leads batch after batch; serving them from here saves a read-store
 * query and a JSON parse per document. Only the runner writes a projection's documents, so committed
 * state cannot go stale; whatever may hold uncommitted changes (a failed batch) is cleared.
 */
export class DocCache {
  private readonly collections = new Map<string, Map<string, Doc | null>>();

  constructor(private readonly capacity: number) {}

  /** The document (null: known to be absent), or undefined when not cached. */
  get(collection: string, key: string): Doc | null | undefined {
    return this.collections.get(collection)?.get(key);
  }

  /** Records the committed state; undefined forgets the document (its stored state is not known here). */
  set(collection: string, key: string, doc: Doc | null | undefined): void {
    let docs = this.collections.get(collection);
    if (doc === undefined) {
      docs?.delete(key);
      return;
    }
    if (this.capacity === 0) return;
    if (!docs) this.collections.set(collection, (docs = new Map()));
    // First in, first out: cheaper than re-ordering on every write, and in a log that follows time the
    // oldest leads are the coldest anyway.
    const size = docs.size;
    docs.set(key, doc);
    if (docs.size > size && size >= this.capacity) docs.delete(docs.keys().next().value as string);
  }

  clear(): void {
    this.collections.clear();
  }
}
