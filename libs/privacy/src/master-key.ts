import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KEY_BYTES } from './data-key.cipher';

export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError';
}

/** LEADS_MASTER_KEY: base64 of 32 bytes. The value is never echoed in an error. */
export function parseMasterKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text.trim().replace(/\s/g, ''))
    throw new MasterKeyError(`${source} must be the base64 encoding of exactly ${KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

/**
 * Reads the master key file, or creates it (mode 0600, readable by the engine's user only) on a fresh
 * data directory. Losing this file makes every lead's personal data unreadable: back it up apart from the data.
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  if (existsSync(path)) return parseMasterKey(readFileSync(path, 'utf8'), `The master key file ${path}`);
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  // 'wx': never overwrite a key another process created in between.
  try {
    writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return parseMasterKey(readFileSync(path, 'utf8'), `The master key file ${path}`);
    throw error;
  }
  return key;
}
