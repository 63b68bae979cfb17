export * from './event-store.port';
export * from './event-store.errors';
export * from './event-store.token';
export * from './sqlite/sqlite-event-store';
export * from './esdb/esdb-event-store';
export * from './event-store.factory';
