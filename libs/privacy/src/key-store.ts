/**
 * Where the wrapped data keys live. A destroyed key leaves a tombstone (the lead id, no key), so that
 * a destroyed key is told apart from a missing one and is never created again.
 */
export interface KeyStore {
  /** For each lead id found: its wrapped key, or null when the key was destroyed. Ids never seen are absent. */
  get(leadIds: readonly string[]): Promise<Map<string, Buffer | null>>;
  /** The same, synchronously, for stores that can (embedded SQLite, memory): lets a page be decrypted without a wait. */
  getSync?(leadIds: readonly string[]): Map<string, Buffer | null>;
  /** Stores the wrapped key unless the lead already has one (or a tombstone); returns what is stored then. */
  create(leadId: string, wrapped: Buffer): Promise<Buffer | null>;
  /** Records that an erasure is under way, so that a crash before the key is destroyed is finished at the next start. */
  markErasing(leadId: string): Promise<void>;
  /** Lead ids marked erasing whose key is not destroyed yet. */
  pendingErasures(): Promise<string[]>;
  /** Clears an erasing mark whose erasure was never appended. */
  unmarkErasing(leadId: string): Promise<void>;
  /** Destroys the key for good (tombstone) and clears the mark; then reclaims the freed pages and the journal. */
  destroy(leadId: string): Promise<void>;
  close(): Promise<void>;
}

export class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, Buffer | null>();
  private readonly erasing = new Set<string>();

  getSync(leadIds: readonly string[]): Map<string, Buffer | null> {
    const found = new Map<string, Buffer | null>();
    for (const id of leadIds) if (this.keys.has(id)) found.set(id, this.keys.get(id)!);
    return found;
  }
  async get(leadIds: readonly string[]) {
    return this.getSync(leadIds);
  }
  async create(leadId: string, wrapped: Buffer) {
    if (!this.keys.has(leadId)) this.keys.set(leadId, wrapped);
    return this.keys.get(leadId)!;
  }
  async markErasing(leadId: string) {
    if (this.keys.get(leadId)) this.erasing.add(leadId);
  }
  async pendingErasures() {
    return [...this.erasing];
  }
  async unmarkErasing(leadId: string) {
    this.erasing.delete(leadId);
  }
  async destroy(leadId: string) {
    this.keys.set(leadId, null);
    this.erasing.delete(leadId);
  }
  async close() {}
}
