import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../core/ids.js';

/** A bot's secret: 27 base62 characters (about 160 bits), as the original made them (spec 6.1). */
export const BOT_SECRET_LENGTH = 27;
export const newBotSecret = (): string => randomBase62(BOT_SECRET_LENGTH);

/** The verifier bots send with room/say (spec 6.4): lowercase hex SHA-1 of the bot id followed by its secret. */
export const botVerifier = (botId: string, secret: string): string =>
  createHash('sha1')
    .update(botId + secret)
    .digest('hex');

/** Equal in constant time whatever the lengths: both sides are hashed to one size first. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Whether `given` is the bot's verifier (hex in any case) or, as one known bot sends it, the raw secret
 * (spec 6.4). Both comparisons always run, so the time says nothing of which one nearly matched.
 */
export function verifierMatches(botId: string, secret: string, given: string): boolean {
  const hex = sameSecret(given.toLowerCase(), botVerifier(botId, secret));
  const raw = sameSecret(given, secret);
  return hex || raw;
}

/**
 * The `X-Lingr-Signature` header of a webhook: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`,
 * so a bot can tell our calls from anyone else's and refuse replays of old ones.
 */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
