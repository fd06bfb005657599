import { isIP } from 'node:net';
import { invalidParameter } from '../core/chat-error.js';

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
  if (typeof text !== 'string' || text.trim() === '') throw invalidParameter('The callback URL is empty.');
  if (text.length > MAX_CALLBACK_URL_LENGTH)
    throw invalidParameter(`The callback URL is longer than ${MAX_CALLBACK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidParameter('The callback URL is not an absolute URL (like https://bot.example/lingr).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidParameter(`The callback URL must use http or https, not ${url.protocol.replace(/:$/, '')}.`);
  if (url.username !== '' || url.password !== '')
    throw invalidParameter(
      'The callback URL must not carry a user name or password; put a token in the path or query instead.',
    );
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalidParameter('The callback URL has no host.');
  return { url, host, literal: isIP(host) !== 0 };
}
