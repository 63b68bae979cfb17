import { createHash } from 'node:crypto';

// Fixed namespace for the engine's name-based ids (RFC 9562 UUIDv5).
const NAMESPACE = Buffer.from('5f1d2c3a8e4b4f6a9c0d1e2f3a4b5c6d', 'hex');

/**
 * A UUIDv5 derived from a name: the same command id always yields the same lead id and
 * event ids, so a retried command lands on the same stream and the store recognises its events.
 */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
