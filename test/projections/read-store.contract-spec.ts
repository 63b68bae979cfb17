import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoReadStore, SqliteReadStore } from '@lead/projections';
import { mongoAvailability, startMongoForTests, type MongoForTests } from '../support/mongo-server';
import { describeReadStoreContract } from './read-store.contract';

describeReadStoreContract('SQLite (in memory)', {
  async open() {
    const store = new SqliteReadStore({ path: ':memory:' });
    return { store, teardown: () => store.close() };
  },
});

describeReadStoreContract('SQLite (file)', {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'read-store-contract-'));
    const store = new SqliteReadStore({ path: join(dir, 'nested', 'read.sqlite') });
    return {
      store,
      async teardown() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

// MONGODB_URL names a real replica set (e.g. docker compose -f docker/compose.yml up mongodb, then
// MONGODB_URL=mongodb://localhost:27017/?replicaSet=rs0); otherwise the MongoDB test double serves.
let mongo: Promise<MongoForTests> | undefined;
afterAll(async () => (await mongo)?.stop());

describeReadStoreContract('MongoDB', {
  skipReason: mongoAvailability().skipReason,
  async open() {
    const server = await (mongo ??= startMongoForTests());
    const store = await MongoReadStore.connect({ url: server.url('leads_contract') });
    return { store, teardown: () => store.close() };
  },
});
