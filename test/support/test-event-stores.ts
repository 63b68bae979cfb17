import { EsdbEventStore, SqliteEventStore, type EventStore } from '@lead/event-store';
import { startEsdbForTests } from './esdb-server';

export interface StoreCase {
  name: string;
  /** Set when the store cannot run here; the suite is skipped with this reason in its name. */
  skipReason?: string;
  open(): Promise<{ store: EventStore; close(): Promise<void> }>;
}

/** The stores every end-to-end suite runs on: embedded SQLite always, EventStoreDB when a server or the test double is available. */
export function eventStoreCases(): StoreCase[] {
  return [
    {
      name: 'embedded SQLite',
      async open() {
        const store = new SqliteEventStore({ path: ':memory:' });
        return { store, close: () => store.close() };
      },
    },
    {
      name: 'EventStoreDB',
      skipReason: esdbSkipReason(),
      async open() {
        const server = await startEsdbForTests();
        if ('skipReason' in server) throw new Error(server.skipReason);
        const store = new EsdbEventStore({ connectionString: server.connectionString });
        return {
          store,
          async close() {
            await store.close();
            await server.stop();
          },
        };
      },
    },
  ];
}

function esdbSkipReason(): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily so that a suite without EventStoreDB never touches the double
  const { esdbAvailability } = require('./esdb-server') as typeof import('./esdb-server');
  return esdbAvailability().skipReason;
}

/** describe() for an available store, a visible describe.skip naming the reason otherwise. */
export function describeForStore(storeCase: StoreCase, body: () => void): void {
  if (storeCase.skipReason) {
    console.warn(`Skipping "${storeCase.name}" suite: ${storeCase.skipReason}`);
    describe.skip(`${storeCase.name} (skipped: ${storeCase.skipReason})`, body);
  } else {
    describe(storeCase.name, body);
  }
}
