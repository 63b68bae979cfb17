import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY_PREFIX, ApiKeyNameTakenError, ApiKeyNotFoundError, hashApiKey } from './api-key';
import { ApiKeyValidationError, ApiKeys } from './api-keys';
import { SqliteApiKeyStore } from './sqlite-api-key.store';

describe('API keys', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  const stores: SqliteApiKeyStore[] = [];
  const open = (options: { cacheTtlMs?: number; lastUsedIntervalMs?: number } = {}) => {
    const store = new SqliteApiKeyStore(join(dir, 'auth.sqlite'));
    stores.push(store);
    return new ApiKeys(store, { now, ...options });
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lead-keys-'));
    clock = Date.parse('2026-12-01T10:00:00Z');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates a prefixed 256-bit key, shows it once and stores only its SHA-256', async () => {
    const keys = open();
    const created = await keys.create('crm-sync', ['writer', 'analyst']);
    expect(created.key).toMatch(new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
    const [stored] = await keys.store.list();
    expect(stored).toEqual({
      name: 'crm-sync',
      roles: ['writer', 'analyst'],
      hash: hashApiKey(created.key),
      createdAt: '2026-12-01T10:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(await keys.list()).toEqual([
      { name: 'crm-sync', roles: ['writer', 'analyst'], createdAt: '2026-12-01T10:00:00.000Z', lastUsedAt: null, revokedAt: null },
    ]);
    await stores[0].close();
    expect(readFileSync(join(dir, 'auth.sqlite')).includes(created.key)).toBe(false);
  });

  it('verifies a key to its principal and refuses an unknown one', async () => {
    const keys = open();
    const { key } = await keys.create('crm-sync', ['writer']);
    expect(await keys.verify(key)).toEqual({ kind: 'api_key', id: 'crm-sync', roles: ['writer'] });
    expect(await keys.verify(key + 'x')).toBeNull();
    expect(await keys.verify('lle_guessed')).toBeNull();
  });

  it('refuses a key revoked on another instance once the 2 s cache has expired', async () => {
    const a = open();
    const b = open();
    const { key } = await a.create('laptop', ['writer']);
    expect(await b.verify(key)).not.toBeNull(); // cached on b

    await a.revoke('laptop');
    expect(await a.verify(key)).toBeNull(); // the revoking instance refuses at once
    clock += 1_999;
    expect(await b.verify(key)).not.toBeNull(); // b still trusts its cache, for under 2 s
    clock += 1;
    expect(await b.verify(key)).toBeNull();
    expect((await a.list())[0].revokedAt).toBe('2026-12-01T10:00:00.000Z');
  });

  it('writes lastUsedAt at most once a minute per key, not per request', async () => {
    const keys = open({ cacheTtlMs: 0 });
    const { key } = await keys.create('crm-sync', ['writer']);
    const touch = jest.spyOn(keys.store, 'touch');
    await keys.verify(key);
    clock += 30_000;
    await keys.verify(key);
    expect(touch).toHaveBeenCalledTimes(1);
    clock += 30_000;
    await keys.verify(key);
    expect(touch).toHaveBeenCalledTimes(2);
    expect(touch).toHaveBeenLastCalledWith('crm-sync', '2026-12-01T10:01:00.000Z');
  });

  it('refuses a name twice, even after revocation, and names the bad field', async () => {
    const keys = open();
    await keys.create('crm-sync', ['writer']);
    await keys.revoke('crm-sync');
    await expect(keys.create('crm-sync', ['writer'])).rejects.toBeInstanceOf(ApiKeyNameTakenError);
    await expect(keys.create('bad name', ['writer'])).rejects.toMatchObject({ field: 'name' });
    await expect(keys.create('ok', [])).rejects.toMatchObject({ field: 'roles' });
    await expect(keys.create('ok', ['writer', 'root'])).rejects.toEqual(
      new ApiKeyValidationError('roles', 'unknown role "root": use writer, analyst, auditor, admin or service'),
    );
    await expect(keys.revoke('nobody')).rejects.toBeInstanceOf(ApiKeyNotFoundError);
  });
});
