import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyStore } from './key-store';

/**
 * The embedded key store: a SQLite file of its own, apart from the events, with secure_delete so that a
 * destroyed key's bytes are overwritten in the file, and the WAL truncated after each destruction.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database;
  private readonly select: Statement;
  private readonly insert: Statement;
  private readonly mark: Statement;
  private readonly unmark: Statement;
  private readonly pending: Statement;
  private readonly tombstone: Statement;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
      lead_id TEXT PRIMARY KEY,
      wrapped BLOB,            -- NULL once destroyed
      erasing INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID`);
    this.select = this.db.prepare('SELECT lead_id, wrapped FROM data_keys WHERE lead_id IN (SELECT value FROM json_each(?))').raw(true);
    this.insert = this.db.prepare('INSERT INTO data_keys (lead_id, wrapped) VALUES (?, ?) ON CONFLICT (lead_id) DO NOTHING');
    this.mark = this.db.prepare('UPDATE data_keys SET erasing = 1 WHERE lead_id = ? AND wrapped IS NOT NULL');
    this.unmark = this.db.prepare('UPDATE data_keys SET erasing = 0 WHERE lead_id = ?');
    this.pending = this.db.prepare('SELECT lead_id FROM data_keys WHERE erasing = 1').pluck();
    this.tombstone = this.db.prepare(
      'INSERT INTO data_keys (lead_id, wrapped, erasing) VALUES (?, NULL, 0) ON CONFLICT (lead_id) DO UPDATE SET wrapped = NULL, erasing = 0',
    );
  }

  getSync(leadIds: readonly string[]): Map<string, Buffer | null> {
    const found = new Map<string, Buffer | null>();
    if (leadIds.length === 0) return found;
    for (const [id, wrapped] of this.select.all(JSON.stringify(leadIds)) as [string, Buffer | null][]) found.set(id, wrapped);
    return found;
  }
  async get(leadIds: readonly string[]) {
    return this.getSync(leadIds);
  }
  async create(leadId: string, wrapped: Buffer) {
    this.insert.run(leadId, wrapped);
    return this.getSync([leadId]).get(leadId) ?? null;
  }
  async markErasing(leadId: string) {
    this.mark.run(leadId);
  }
  async pendingErasures() {
    return this.pending.all() as string[];
  }
  async unmarkErasing(leadId: string) {
    this.unmark.run(leadId);
  }
  async destroy(leadId: string) {
    this.tombstone.run(leadId);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
  async close() {
    if (this.db.open) this.db.close();
  }
}
