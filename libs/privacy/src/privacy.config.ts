import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { KEY_BYTES } from './data-key.cipher';
import { MemoryKeyStore, type KeyStore } from './key-store';
import { loadOrCreateKeyFile, parseMasterKey } from './master-key';
import { MongoKeyStore } from './mongo-key-store';
import { SqliteKeyStore } from './sqlite-key-store';

export interface PrivacyOptions {
  /** Where wrapped data keys live; default from the environment (see privacyFromEnv). The engine closes it. */
  keyStore?: KeyStore;
  /** 32 bytes; default LEADS_MASTER_KEY, else the key file. */
  masterKey?: Buffer;
}

export interface Privacy {
  keys: KeyStore;
  masterKey: Buffer;
}

const DEFAULT_EVENTS_PATH = './data/leads.sqlite';
const inMemory = new WeakMap<object, Privacy>();

/**
 * The key store lives where the deployment's state lives: with READ_STORE=mongodb a MongoDB collection
 * (MONGODB_URL), else the SQLite file KEYS_SQLITE_PATH (default keys.sqlite beside the events file,
 * `eventsPath` or SQLITE_PATH); ":memory:" keeps keys in memory, for tests and throw-away runs only.
 * The master key: LEADS_MASTER_KEY (base64 of 32 bytes), else the file LEADS_MASTER_KEY_FILE (default
 * master.key beside the key store), created with mode 0600 on first start. A memory key store without
 * LEADS_MASTER_KEY gets a random one.
 */
export async function openPrivacy(
  options: PrivacyOptions = {},
  eventsPath?: string,
  env: NodeJS.ProcessEnv = process.env,
  /** The store the keys are for: engines opened on one store instance share in-memory keys. */
  store?: object,
): Promise<Privacy> {
  const events = eventsPath ?? (env.SQLITE_PATH?.trim() || DEFAULT_EVENTS_PATH);
  const keysPath = env.KEYS_SQLITE_PATH?.trim() || (events === ':memory:' ? ':memory:' : join(dirname(events), 'keys.sqlite'));
  if (keysPath === ':memory:' && !options.keyStore && !options.masterKey && store) {
    let shared = inMemory.get(store);
    if (!shared) inMemory.set(store, (shared = await openPrivacy(options, eventsPath, env)));
    return shared;
  }
  const fromEnv = env.LEADS_MASTER_KEY?.trim();
  const masterKey =
    options.masterKey ??
    (fromEnv
      ? parseMasterKey(fromEnv, 'LEADS_MASTER_KEY')
      : keysPath === ':memory:' && !options.keyStore
        ? randomBytes(KEY_BYTES)
        : loadOrCreateKeyFile(
            env.LEADS_MASTER_KEY_FILE?.trim() || join(keysPath === ':memory:' ? dirname(events) : dirname(keysPath), 'master.key'),
          ));
  if (masterKey.length !== KEY_BYTES) throw new RangeError(`The master key must be ${KEY_BYTES} bytes`);
  return { masterKey, keys: options.keyStore ?? (await keyStoreFromEnv(keysPath, env)) };
}

async function keyStoreFromEnv(keysPath: string, env: NodeJS.ProcessEnv): Promise<KeyStore> {
  if ((env.READ_STORE ?? '').trim().toLowerCase() === 'mongodb' && env.MONGODB_URL?.trim()) {
    return MongoKeyStore.connect({ url: env.MONGODB_URL.trim() });
  }
  return keysPath === ':memory:' ? new MemoryKeyStore() : new SqliteKeyStore(keysPath);
}
