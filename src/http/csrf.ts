import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { secretKey } from '../core/ids.js';
import type { ApiExchange } from './api-exchange.js';
import { cookieValue, SESSION_COOKIE } from './cookies.js';

/** The header our own pages put the form token in when they call the API with the session cookie. */
export const CSRF_HEADER = 'x-lingr-csrf';

/** Constant-time comparison; an empty expected token never matches. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!expected || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The anti-forgery token of a session, derived from its secret id: pages get it from the cookie they
 * came with, and nothing about it is stored. Knowing it does not reveal the session id.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('lingr csrf').digest('base64url').slice(0, 32);
}

/** Whether `given` is the session's form token (or one a page still open from before carries). */
export function csrfValid(
  sessionSecret: string,
  session: { legacyCsrfKey: string },
  given: string | undefined,
): boolean {
  if (tokenMatches(csrfTokenFor(sessionSecret), given)) return true;
  return given !== undefined && tokenMatches(session.legacyCsrfKey, secretKey(given));
}

/** State-changing form posts must come from our own pages: Origin (or Referer) names our host. */
export function sameOrigin(req: IncomingMessage): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (!source) return false;
  try {
    return new URL(source).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Our own pages call the API with their HttpOnly session cookie instead of a `session` parameter; such a
 * call must carry the page's anti-forgery token in a header, which other sites cannot set. Returns what
 * sets `session` for such a call.
 */
export function sessionFromCookie(
  lookup: (secret: string) => Promise<{ legacyCsrfKey: string } | undefined>,
): (exchange: ApiExchange, values: Map<string, string>) => Promise<void> {
  return async (exchange, values) => {
    const secret = cookieValue(exchange.header('cookie'), SESSION_COOKIE);
    const token = exchange.header(CSRF_HEADER);
    if (!secret || token === undefined) return;
    const session = await lookup(secret);
    if (session && csrfValid(secret, session, token)) values.set('session', secret);
  };
}
