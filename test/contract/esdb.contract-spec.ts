import { EsdbEventStore } from '@lead/event-store';
import { esdbAvailability, startEsdbForTests } from '../support/esdb-server';
import { describeEventStoreContract } from './event-store.contract';

// Runs against EVENTSTORE_URL when set (a real node), else against the in-memory test double.
describeEventStoreContract(
  'EsdbEventStore',
  async () => {
    const server = await startEsdbForTests();
    if ('skipReason' in server) throw new Error(server.skipReason);
    const store = new EsdbEventStore({ connectionString: server.connectionString });
    return {
      store,
      teardown: async () => {
        await store.close();
        await server.stop();
      },
    };
  },
  { skipReason: esdbAvailability().skipReason },
);
