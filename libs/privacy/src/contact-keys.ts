import { createHash, createHmac, hkdfSync } from 'node:crypto';

export type ContactKind = 'email' | 'phone';

/**
 * Names of the duplicate-detection claim streams: a keyed hash (HMAC-SHA-256) of the normalised
 * address, so that a stream name cannot be reversed by hashing a list of candidate addresses without
 * the server's secret. The secret is derived from the master key (HKDF), so it is kept like it.
 */
export class ContactKeys {
  private readonly secret: Buffer | null;

  /** Without a master key (encryption turned off), the unkeyed SHA-256 of older versions. */
  constructor(masterKey: Buffer | null) {
    this.secret = masterKey && Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'lead-engine contact claim streams', 32));
  }

  claimStream(kind: ContactKind, normalised: string): string {
    const digest = this.secret ? createHmac('sha256', this.secret).update(normalised).digest('hex') : sha256Hex(normalised);
    return `contact-${kind}-${digest}`;
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
