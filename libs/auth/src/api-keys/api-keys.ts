import { isRole, type Principal, type Role } from '../principal';
import { ApiKeyNotFoundError, KEY_NAME, generateApiKey, hashApiKey, keyInfo, type ApiKeyInfo, type ApiKeyRecord } from './api-key';
import type { ApiKeyStore } from './api-key.store';

/** A revoked key is refused by every instance within this time: verified keys are cached no longer. */
export const DEFAULT_KEY_CACHE_TTL_MS = 2_000;
/** lastUsedAt is written at most this often per key, not on every request. */
export const DEFAULT_LAST_USED_INTERVAL_MS = 60_000;

/** A key or role list that cannot be accepted, naming the field. */
export class ApiKeyValidationError extends Error {
  override readonly name = 'ApiKeyValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface ApiKeysOptions {
  cacheTtlMs?: number;
  lastUsedIntervalMs?: number;
  now?: () => number;
}

type Cached = { record: ApiKeyRecord | null; until: number };

/** Creating, listing, revoking and verifying API keys over a store, with a short cache of verified keys. */
export class ApiKeys {
  private readonly cache = new Map<string, Cached>();
  private readonly lastWritten = new Map<string, number>();
  private readonly ttl: number;
  private readonly lastUsedInterval: number;
  private readonly now: () => number;

  constructor(
    readonly store: ApiKeyStore,
    options: ApiKeysOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
    this.lastUsedInterval = options.lastUsedIntervalMs ?? DEFAULT_LAST_USED_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  static validate(name: unknown, roles: unknown): { name: string; roles: Role[] } {
    if (typeof name !== 'string' || !KEY_NAME.test(name))
      throw new ApiKeyValidationError('name', 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    if (!Array.isArray(roles) || roles.length === 0) throw new ApiKeyValidationError('roles', 'must be a non-empty list of roles');
    const bad = roles.find((r) => !isRole(r));
    if (bad !== undefined)
      throw new ApiKeyValidationError('roles', `unknown role ${JSON.stringify(bad)}: use writer, analyst, auditor, admin or service`);
    return { name, roles: [...new Set(roles as Role[])] };
  }

  /** Creates a key; the answer is the only time the key is shown. `secret` imports a chosen key (LEADS_ADMIN_KEY). */
  async create(name: unknown, roles: unknown, secret?: string): Promise<{ name: string; roles: Role[]; key: string }> {
    const valid = ApiKeys.validate(name, roles);
    const key = secret ?? generateApiKey();
    await this.store.create({
      ...valid,
      hash: hashApiKey(key),
      createdAt: new Date(this.now()).toISOString(),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { ...valid, key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (await this.store.list()).map(keyInfo);
  }

  async revoke(name: string): Promise<void> {
    if (!(await this.store.revoke(name, new Date(this.now()).toISOString()))) throw new ApiKeyNotFoundError(name);
    this.cache.clear();
  }

  /** The principal of a live key, or null (unknown or revoked). */
  async verify(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const now = this.now();
    let cached = this.cache.get(hash);
    if (!cached || cached.until <= now) {
      cached = { record: await this.store.findByHash(hash), until: now + this.ttl };
      if (this.cache.size > 10_000) this.cache.clear(); // bounded: guessing keys cannot grow it without end
      this.cache.set(hash, cached);
    }
    const record = cached.record;
    if (!record || record.revokedAt !== null) return null;
    this.noteUse(record.name, now);
    return { kind: 'api_key', id: record.name, roles: record.roles };
  }

  private noteUse(name: string, now: number): void {
    const last = this.lastWritten.get(name);
    if (last !== undefined && now - last < this.lastUsedInterval) return;
    this.lastWritten.set(name, now);
    // Best effort and off the request path: a failed write only leaves lastUsedAt older.
    this.store.touch(name, new Date(now).toISOString()).catch(() => this.lastWritten.delete(name));
  }
}
