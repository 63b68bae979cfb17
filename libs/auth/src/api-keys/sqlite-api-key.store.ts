import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { ApiKeyNameTakenError, type ApiKeyRecord } from './api-key';
import type { ApiKeyStore } from './api-key.store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  name TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  roles TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
`;

type Row = { name: string; hash: string; roles: string; created_at: string; last_used_at: string | null; revoked_at: string | null };

const toRecord = (row: Row): ApiKeyRecord => ({
  name: row.name,
  hash: row.hash,
  roles: JSON.parse(row.roles),
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/** API keys in their own embedded SQLite file (auth.sqlite beside the event store). */
export class SqliteApiKeyStore implements ApiKeyStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  async create(record: ApiKeyRecord): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO api_keys (name, hash, roles, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(record.name, record.hash, JSON.stringify(record.roles), record.createdAt, record.lastUsedAt, record.revokedAt);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ApiKeyNameTakenError(record.name);
      throw error;
    }
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE hash = ?').get(hash) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, name').all() as Row[]).map(toRecord);
  }

  async revoke(name: string, at: string): Promise<boolean> {
    const exists = this.db.prepare('SELECT 1 FROM api_keys WHERE name = ?').get(name);
    this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(at, name);
    return exists !== undefined;
  }

  async touch(name: string, at: string): Promise<void> {
    this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE name = ?').run(at, name);
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM api_keys').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
