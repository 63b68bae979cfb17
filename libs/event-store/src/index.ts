export * from './event-store.port';
export * from './event-store.errors';
export * from './event-store.token';
export * from './sqlite/sqlite-event-store';
export { sqliteDriverPath } from './sqlite/sqlite-schema';
export * from './esdb/esdb-event-store';
export * from './event-store.factory';
