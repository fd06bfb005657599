import { createHash, createHmac, randomBytes } from 'node:crypto';

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

/** Base62 characters drawn from a digest: stable for the same input, unpredictable without it. */
function digestBase62(digest: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += BASE62[(digest[i % digest.length] as number) % 62];
  return out;
}

/** API 1.0 ids (sessions, occupants, generated rooms) are 11 base62 characters (spec 7.1). */
export const V1_ID_LENGTH = 11;
export const newV1Id = (): string => randomBase62(V1_ID_LENGTH);

/**
 * The occupant id under which an API 2.0 member appears to API 1.0 (spec 7.8): derived from the username,
 * so it stays the same across calls, processes and restarts.
 */
export const memberOccupantId = (username: string): string =>
  digestBase62(createHash('sha256').update(`lingr member occupant\n${username}`).digest(), V1_ID_LENGTH);

/**
 * An occupant's ticket (spec 7.1: `a-r-<room id>-<11 base62>`), derived from the secret id of the session
 * that entered: the session can be given the same ticket again (room.enter with `idempotent`), while
 * nobody without the session's secret can make one. Only the ticket's key is stored.
 */
export const occupantTicket = (sessionSecret: string, roomId: string, occupantId: string): string =>
  `a-r-${roomId}-${digestBase62(createHmac('sha256', sessionSecret).update(`ticket\n${occupantId}`).digest(), V1_ID_LENGTH)}`;

/** The ticket of a session's user.observe (spec 7.2), derived the same way: nothing needs storing. */
export const profileTicket = (sessionSecret: string): string =>
  `a-u-${digestBase62(createHmac('sha256', sessionSecret).update('profile').digest(), V1_ID_LENGTH)}`;
