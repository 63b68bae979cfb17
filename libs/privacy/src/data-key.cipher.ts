import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12; // 96 bits: GCM's native nonce size
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** AES-256-GCM with a fresh random IV per message; the output is iv ‖ ciphertext ‖ tag. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** Throws when the box was not sealed with this key and additional data (tampered, moved to another lead or event type). */
export function open(key: Buffer, box: Buffer, aad: string): Buffer {
  if (box.length < IV_BYTES + TAG_BYTES) throw new Error('Sealed data is too short');
  const decipher = createDecipheriv(ALGORITHM, key, box.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
  return Buffer.concat([decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES)), decipher.final()]);
}

export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);

/** A data key wrapped by the master key, bound to its lead so a wrapped key cannot be swapped onto another lead. */
export const wrapDataKey = (master: Buffer, leadId: string, dataKey: Buffer): Buffer => seal(master, dataKey, `data-key:${leadId}`);
export const unwrapDataKey = (master: Buffer, leadId: string, wrapped: Buffer): Buffer => open(master, wrapped, `data-key:${leadId}`);
