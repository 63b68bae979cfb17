import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKeyStoreContract } from './api-key-store.contract';
import { MongoApiKeyStore } from './mongo-api-key.store';
import { SqliteApiKeyStore } from './sqlite-api-key.store';
import { describeWithMongo, startMongoForTests, type MongoForTests } from '../../../../test/support/mongo-server';

describe('SqliteApiKeyStore (two instances on one file)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lead-keystore-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  apiKeyStoreContract(async () => [new SqliteApiKeyStore(join(dir, 'auth.sqlite')), new SqliteApiKeyStore(join(dir, 'auth.sqlite'))]);
});

describeWithMongo('MongoApiKeyStore (two connections to one collection)', () => {
  let mongo: MongoForTests;
  beforeAll(async () => (mongo = await startMongoForTests()));
  afterAll(() => mongo?.stop());
  let run = 0;
  apiKeyStoreContract(async () => {
    const url = mongo.url('lead_engine_auth_test');
    const collection = `api_keys_test_${process.pid}_${run++}`;
    return [await MongoApiKeyStore.connect({ url, collection }), await MongoApiKeyStore.connect({ url, collection })];
  });
});
