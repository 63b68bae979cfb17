import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKeyStoreContract } from './api-key-store.contract';
import { MongoApiKeyStore } from './mongo-api-key.store';
import { SqliteApiKeyStore } from './sqlite-api-key.store';

describe('SqliteApiKeyStore (two instances on one file)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lead-keystore-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  apiKeyStoreContract(async () => [new SqliteApiKeyStore(join(dir, 'auth.sqlite')), new SqliteApiKeyStore(join(dir, 'auth.sqlite'))]);
});

const url = process.env.MONGODB_URL;
if (!url) {
  const reason = 'no MongoDB: MONGODB_URL is not set (docker compose -f docker/compose.yml up mongodb)';
  console.warn(`Skipping MongoApiKeyStore suite: ${reason}`);
  describe.skip(`MongoApiKeyStore (skipped: ${reason})`, () => it('needs a server', () => undefined));
} else {
  describe('MongoApiKeyStore (two connections to one collection)', () => {
    let run = 0;
    apiKeyStoreContract(async () => {
      const collection = `api_keys_test_${process.pid}_${run++}`;
      return [await MongoApiKeyStore.connect({ url, collection }), await MongoApiKeyStore.connect({ url, collection })];
    });
  });
}
