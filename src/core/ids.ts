import { createHash, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform random base62 string: bytes of 248 and above are rejected so no character is favoured. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Secret session id: 24 base62 characters (about 143 bits), spec 2.6. Only its key is ever stored. */
export const newSessionId = (): string => randomBase62(24);

/**
 * What the server keeps of a secret (a session id, a form token): its SHA-256, so a copy of the database
 * hands out no sessions. The secrets are random, so no salt or slow hash is needed.
 */
export const secretKey = (secret: string): string => createHash('sha256').update(secret).digest('base64url');
/** Public session id shown on messages: 8 base62 characters (spec allows 6 to 10). */
export const newPublicSessionId = (): string => randomBase62(8);

/** Room, user and bot ids (spec 2.6). */
export const ID_PATTERN = /^[A-Za-z0-9_]{1,40}$/;
