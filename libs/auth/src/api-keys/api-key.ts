import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../principal';

/** Recognisable in logs and by secret scanners. */
export const API_KEY_PREFIX = 'lle_';

export interface ApiKeyRecord {
  name: string;
  roles: Role[];
  /** SHA-256 (hex) of the key: keys carry 256 bits of entropy, so a fast hash is enough; no slow KDF per request. */
  hash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What listing keys shows: never the key or its hash. */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'>;

export const generateApiKey = (): string => API_KEY_PREFIX + randomBytes(32).toString('base64url');

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const keyInfo = ({ hash: _hash, ...info }: ApiKeyRecord): ApiKeyInfo => info;

export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A key of that name exists (revoked keys keep their name, so the audit trail stays unambiguous). */
export class ApiKeyNameTakenError extends Error {
  override readonly name = 'ApiKeyNameTakenError';
  constructor(readonly keyName: string) {
    super(`An API key named "${keyName}" exists already (names are never reused, even after revocation)`);
  }
}

export class ApiKeyNotFoundError extends Error {
  override readonly name = 'ApiKeyNotFoundError';
  constructor(readonly keyName: string) {
    super(`No API key named "${keyName}"`);
  }
}
