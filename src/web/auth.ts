import { createHmac, timingSafeEqual } from 'node:crypto';
import { secretKey } from '../core/ids.js';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'lingr_session';
export const CSRF_HEADER = 'x-lingr-csrf';
const THIRTY_DAYS = 30 * 24 * 60 * 60;

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The session cookie: never readable by scripts, never sent on cross-site subrequests. */
export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${THIRTY_DAYS}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

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

/** Only local paths are followed after sign-in, never another site. */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?!\/)[\w\-./%?=&#]*$/.test(next) ? next : '/';
}
