import { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export const DEFAULT_SQLITE_PATH = './data/leads.sqlite';

export type EventStoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | ({ readonly kind: 'esdb'; readonly url: string } & Omit<EsdbEventStoreOptions, 'connectionString'>);

/** The environment does not describe a usable event store. */
export class EventStoreConfigError extends Error {
  override readonly name = 'EventStoreConfigError';
}

const ESDB_URL = /^esdb(\+discover)?:\/\/[^\s/?#]+/i;

export function createEventStore(config: EventStoreConfig): EventStore {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteEventStore({ path: config.path });
    case 'esdb': {
      const { kind: _kind, url, ...options } = config;
      checkEsdbUrl(url, 'The EventStoreDB connection string');
      return new EsdbEventStore({ ...options, connectionString: url });
    }
    default:
      throw new EventStoreConfigError(`Unknown event store kind "${(config as { kind?: unknown }).kind}": use "sqlite" or "esdb"`);
  }
}

/**
 * EVENT_STORE=sqlite (default) with SQLITE_PATH (default ./data/leads.sqlite),
 * or EVENT_STORE=esdb with EVENTSTORE_URL (required).
 */
export function eventStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventStoreConfig {
  const kind = (env.EVENT_STORE ?? '').trim().toLowerCase() || 'sqlite';
  switch (kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: env.SQLITE_PATH?.trim() || DEFAULT_SQLITE_PATH };
    case 'esdb': {
      const url = env.EVENTSTORE_URL?.trim();
      if (!url) {
        throw new EventStoreConfigError(
          'EVENT_STORE=esdb needs EVENTSTORE_URL, an EventStoreDB connection string such as esdb://localhost:2113?tls=false',
        );
      }
      checkEsdbUrl(url, 'EVENTSTORE_URL');
      return { kind: 'esdb', url };
    }
    default:
      throw new EventStoreConfigError(`EVENT_STORE must be "sqlite" or "esdb", not "${env.EVENT_STORE}"`);
  }
}

function checkEsdbUrl(url: string, name: string): void {
  if (!ESDB_URL.test(url)) {
    // The value may hold credentials (esdb://user:password@host): name the variable, show only the scheme.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    throw new EventStoreConfigError(
      `${name} must be an esdb:// or esdb+discover:// connection string (e.g. esdb://localhost:2113?tls=false)${scheme ? `, not a ${scheme}: URL` : ''}`,
    );
  }
}
