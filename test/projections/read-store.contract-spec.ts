import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoReadStore, SqliteReadStore } from '@lead/projections';
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

// A replica set (transactions): e.g. docker compose -f docker/compose.yml up mongodb, then
// MONGODB_URL=mongodb://localhost:27017/leads_contract?replicaSet=rs0 npx jest test/projections/read-store
describeReadStoreContract('MongoDB', {
  skipReason: process.env.MONGODB_URL ? undefined : 'MONGODB_URL is not set (a MongoDB replica set is needed)',
  async open() {
    const store = await MongoReadStore.connect({ url: process.env.MONGODB_URL as string });
    return { store, teardown: () => store.close() };
  },
});
