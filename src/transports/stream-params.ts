import { invalidParameter } from '../core/chat-error.js';
import { cookieValue, SESSION_COOKIE } from '../http/cookies.js';
import { decodeUtf8, parseForm, Params } from '../http/params.js';

/**
 * Query parameters of a stream request; `counter` may also come from SSE's Last-Event-ID header. Our own
 * pages authenticate with their session cookie instead of `session`, plus proof that they are ours:
 * the Origin check for WebSocket, the page's anti-forgery token (`csrf`) for SSE.
 */
export function streamParams(
  header: (name: string) => string | undefined,
  query: string,
): { session?: string; counter?: number; cookieSession?: string; csrf?: string; room?: string } {
  const values = new Map<string, string>();
  if (query !== '') parseForm(decodeUtf8(Buffer.from(query, 'latin1')), values);
  const lastEventId = header('last-event-id');
  if (lastEventId !== undefined && lastEventId !== '') values.set('counter', lastEventId);
  const p = new Params(values);
  const counter = p.int('counter', 0);
  if (counter === undefined && p.has('counter')) throw invalidParameter('counter must be a whole number.');
  return {
    session: p.str('session'),
    counter,
    cookieSession: cookieValue(header('cookie'), SESSION_COOKIE),
    csrf: p.str('csrf'),
    room: p.str('room'),
  };
}
