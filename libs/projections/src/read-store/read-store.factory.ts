import { basename, dirname, extname, join } from 'node:path';
import { MongoReadStore } from './mongo-read-store';
import type { ReadStore } from './read-store.port';
import { SqliteReadStore } from './sqlite-read-store';

export const DEFAULT_READ_SQLITE_PATH = './data/leads.read.sqlite';

export type ReadStoreConfig =
  { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'mongodb'; readonly url: string; readonly database?: string };

/** The environment does not describe a usable read store. */
export class ReadStoreConfigError extends Error {
  override readonly name = 'ReadStoreConfigError';
}

export async function createReadStore(config: ReadStoreConfig): Promise<ReadStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteReadStore({ path: config.path });
    case 'mongodb':
      checkMongoUrl(config.url, 'The MongoDB connection string');
      return MongoReadStore.connect({ url: config.url, database: config.database });
    default:
      throw new ReadStoreConfigError(`Unknown read store kind "${(config as { kind?: unknown }).kind}": use "sqlite" or "mongodb"`);
  }
}

/**
 * READ_STORE=sqlite (default) with READ_SQLITE_PATH, which defaults to the event file's name with
 * ".read" before the extension (SQLITE_PATH=./data/leads.sqlite → ./data/leads.read.sqlite; ":memory:" stays in memory);
 * or READ_STORE=mongodb with MONGODB_URL (required).
 */
export function readStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ReadStoreConfig {
  const kind = (env.READ_STORE ?? '').trim().toLowerCase() || 'sqlite';
  switch (kind) {
    case 'sqlite':
      return { kind: 'sqlite', path: env.READ_SQLITE_PATH?.trim() || readPathBeside(env.SQLITE_PATH?.trim()) };
    case 'mongodb':
    case 'mongo': {
      const url = env.MONGODB_URL?.trim();
      if (!url)
        throw new ReadStoreConfigError(
          'READ_STORE=mongodb needs MONGODB_URL, a connection string such as mongodb://localhost:27017/leads?replicaSet=rs0',
        );
      checkMongoUrl(url, 'MONGODB_URL');
      return { kind: 'mongodb', url };
    }
    default:
      throw new ReadStoreConfigError(`READ_STORE must be "sqlite" or "mongodb", not "${env.READ_STORE}"`);
  }
}

function readPathBeside(eventsPath: string | undefined): string {
  if (!eventsPath) return DEFAULT_READ_SQLITE_PATH;
  if (eventsPath === ':memory:') return ':memory:';
  const ext = extname(eventsPath);
  return join(dirname(eventsPath), `${basename(eventsPath, ext)}.read${ext || '.sqlite'}`);
}

function checkMongoUrl(url: string, name: string): void {
  if (!/^mongodb(\+srv)?:\/\/\S+/i.test(url)) {
    // The value may hold credentials: name the variable, show only the scheme.
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    throw new ReadStoreConfigError(
      `${name} must be a mongodb:// or mongodb+srv:// connection string${scheme ? `, not a ${scheme}: URL` : ''}`,
    );
  }
}
