import type { DynamicModule } from '@nestjs/common';
import { isEventStore, type EventStore, type EventStoreConfig } from '@lead/event-store';
import { ProjectionsModule, type ProjectionsModuleOptions } from '@lead/projections';

/**
 * The read models the app serves. With the event store from the environment: the read store from the
 * environment too (READ_STORE, READ_SQLITE_PATH, MONGODB_URL). With a store instance handed in (an embedding
 * host, a test) and nothing said: in memory, rebuilt from that store at start — read models are derived data.
 */
export function readModelModules(options: {
  eventStore?: EventStore | EventStoreConfig;
  projections?: ProjectionsModuleOptions | false;
}): DynamicModule[] {
  if (options.projections === false) return [];
  const handedIn = isEventStore(options.eventStore);
  const projections = options.projections ?? (handedIn ? { readStore: { kind: 'sqlite' as const, path: ':memory:' } } : {});
  return [ProjectionsModule.forRoot(projections)];
}
