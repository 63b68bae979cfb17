import type { KeyStoreConfig } from '../auth.options';
import type { ApiKeyStore } from './api-key.store';
import { MongoApiKeyStore } from './mongo-api-key.store';
import { SqliteApiKeyStore } from './sqlite-api-key.store';

export const isApiKeyStore = (value: unknown): value is ApiKeyStore => typeof (value as ApiKeyStore | undefined)?.findByHash === 'function';

export async function createApiKeyStore(config: KeyStoreConfig): Promise<ApiKeyStore> {
  return config.kind === 'mongodb' ? MongoApiKeyStore.connect(config) : new SqliteApiKeyStore(config.path);
}
