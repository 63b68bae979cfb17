import { ApiKeyNameTakenError, hashApiKey, type ApiKeyRecord } from './api-key';
import type { ApiKeyStore } from './api-key.store';
import { ApiKeys } from './api-keys';

const record = (name: string, key: string): ApiKeyRecord => ({
  name,
  roles: ['writer'],
  hash: hashApiKey(key),
  createdAt: '2026-12-01T10:00:00.000Z',
  lastUsedAt: null,
  revokedAt: null,
});

/** What every key store must do; `open` gives two instances over the same storage (two engine instances). */
export function apiKeyStoreContract(open: () => Promise<[ApiKeyStore, ApiKeyStore]>): void {
  let a: ApiKeyStore;
  let b: ApiKeyStore;
  beforeEach(async () => ([a, b] = await open()));
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  it('finds a key by its hash from another instance, and refuses a second key of the same name', async () => {
    await a.create(record('crm', 'lle_one'));
    expect(await b.findByHash(hashApiKey('lle_one'))).toEqual(record('crm', 'lle_one'));
    expect(await b.findByHash(hashApiKey('lle_two'))).toBeNull();
    await expect(b.create(record('crm', 'lle_two'))).rejects.toBeInstanceOf(ApiKeyNameTakenError);
    expect(await b.count()).toBe(1);
  });

  it('revokes once (the first time stays), says when there is no such key, and records the last use', async () => {
    await a.create(record('crm', 'lle_one'));
    expect(await a.revoke('crm', '2026-12-02T00:00:00.000Z')).toBe(true);
    expect(await a.revoke('crm', '2026-12-03T00:00:00.000Z')).toBe(true);
    expect(await a.revoke('nobody', '2026-12-03T00:00:00.000Z')).toBe(false);
    await b.touch('crm', '2026-12-02T08:00:00.000Z');
    expect(await b.list()).toEqual([
      { ...record('crm', 'lle_one'), revokedAt: '2026-12-02T00:00:00.000Z', lastUsedAt: '2026-12-02T08:00:00.000Z' },
    ]);
  });

  it('lets a key revoked on one instance be refused by the other within the cache time', async () => {
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const onA = new ApiKeys(a, { now: () => clock });
    const onB = new ApiKeys(b, { now: () => clock });
    const { key } = await onA.create('laptop', ['writer']);
    expect(await onB.verify(key)).toEqual({ kind: 'api_key', id: 'laptop', roles: ['writer'] });
    await onA.revoke('laptop');
    clock += 2_000;
    expect(await onB.verify(key)).toBeNull();
  });
}
