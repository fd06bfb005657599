import { isIP } from 'node:net';
import { invalidParameter } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';

/** Long enough for any real endpoint with a token in its query; short enough to store and show. */
export const MAX_CALLBACK_URL_LENGTH = 2000;

/** A callback URL that passed the syntax rules, with its host as a socket wants it. */
export interface CallbackUrl {
  url: URL;
  /** The hostname without IPv6 brackets: a name or an IP literal. */
  host: string;
  /** Whether `host` is an IP literal (Node connects to it without a lookup). */
  literal: boolean;
}

/**
 * Parses a callback URL and applies the rules that need no network: http or https, a host, no user or
 * password, at most 2,000 characters. Throws invalid_parameter with the reason.
 */
export function parseCallbackUrl(text: string): CallbackUrl {
  if (typeof text !== 'string' || text.trim() === '') throw invalidParameter(phrase('callbackEmpty'));
  if (text.length > MAX_CALLBACK_URL_LENGTH)
    throw invalidParameter(phrase('callbackTooLong', { max: MAX_CALLBACK_URL_LENGTH }));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidParameter(phrase('callbackNotAbsolute'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidParameter(phrase('callbackScheme', { scheme: url.protocol.replace(/:$/, '') }));
  if (url.username !== '' || url.password !== '') throw invalidParameter(phrase('callbackCredentials'));
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalidParameter(phrase('callbackNoHost'));
  return { url, host, literal: isIP(host) !== 0 };
}
