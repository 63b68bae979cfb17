import type { ApiKeyRecord } from './api-key';

/** Where API keys live: beside the deployment's state, so every instance sees the same keys. */
export interface ApiKeyStore {
  readonly kind: 'sqlite' | 'mongodb';
  /** Throws ApiKeyNameTakenError when the name exists. */
  create(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  /** Returns false when the key does not exist; revoking twice keeps the first time. */
  revoke(name: string, at: string): Promise<boolean>;
  touch(name: string, at: string): Promise<void>;
  count(): Promise<number>;
  close(): Promise<void>;
}
