import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@lead/event-store';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('SqliteEventStore (in memory)', async () => {
  const store = new SqliteEventStore({ path: ':memory:' });
  return { store, teardown: () => store.close() };
});

describeEventStoreContract('SqliteEventStore (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'event-store-contract-'));
  // A missing parent directory is created by the store.
  const store = new SqliteEventStore({ path: join(dir, 'nested', 'events.sqlite') });
  return {
    store,
    teardown: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
