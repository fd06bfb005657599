import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'lingr_session';
const THIRTY_DAYS = 30 * 24 * 60 * 60;

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  return cookieValue(req.headers.cookie, name);
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The session cookie: never readable by scripts, never sent on cross-site subrequests. */
export function sessionCookie(secret: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${THIRTY_DAYS}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** The language a visitor chose with the footer's switch (the pages' choice; nothing secret). */
export const LANGUAGE_COOKIE = 'lang';
const ONE_YEAR = 365 * 24 * 60 * 60;

export function languageCookie(language: string, secure: boolean): string {
  return `${LANGUAGE_COOKIE}=${language}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ONE_YEAR}${secure ? '; Secure' : ''}`;
}

export function clearedLanguageCookie(): string {
  return `${LANGUAGE_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}
