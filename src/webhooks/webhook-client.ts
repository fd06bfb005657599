import { lookup as dnsLookup, type LookupOptions } from 'node:dns';
import { STATUS_CODES, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ChatError } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { ErrorCode } from '../protocol/errors.js';
import type { WebhookOutcome, Webhooks } from '../core/ports.js';
import { BoundedBody } from './answer-body.js';
import { addressRefusal, describeRefusal, isLocalName } from './callback-address.js';
import { parseCallbackUrl, type CallbackUrl } from './callback-url.js';
import { defaultUserAgent } from './user-agent.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name resolves to (a name that does not resolve rejects). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface WebhookOptions {
  /** Lets callbacks reach loopback and private networks: for bots on the same machine or LAN, and tests. */
  allowPrivate: boolean;
  /** The whole exchange, connecting and answering, at most this long (spec 6.2: 20 s). */
  timeoutMs?: number;
  /** Of a bot's answer, at most this many bytes are read (a reply is cut to 1000 characters anyway). */
  maxBodyBytes?: number;
  /** Resolves names; dns.lookup with every address by default. */
  lookup?: Resolver;
  userAgent?: string;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';
/** Framing and connection headers are the client's own; a caller's extra headers never replace them. */
const OWN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
/** A Location echoed into a reason is cut here: it comes from the bot. */
const MAX_LOCATION_SHOWN = 300;

/** Raised inside the connection's lookup when the resolved address is refused: the socket never connects. */
class AddressRefused extends Error {}
/** The resolver failed: the name does not resolve (yet). */
class NameUnresolved extends Error {}

/** The outbound HTTP client for bots' callbacks (the `Webhooks` port). */
export function createWebhooks(options: WebhookOptions): Webhooks {
  const allowPrivate = options.allowPrivate;
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const resolve = options.lookup ?? systemResolver;
  const userAgent = options.userAgent ?? defaultUserAgent();

  /** Why the server must not call `host`, or undefined; names are resolved and every address counts. */
  function refusalOf(callback: CallbackUrl, addresses?: ResolvedAddress[]): string | undefined {
    if (allowPrivate) return undefined;
    const { host } = callback;
    if (callback.literal) {
      const refusal = addressRefusal(host);
      return refusal && `${host} is ${describeRefusal(refusal)}`;
    }
    if (isLocalName(host)) return `${host} is this machine`;
    for (const { address } of addresses ?? []) {
      const refusal = addressRefusal(address);
      if (refusal) return `${host} resolves to ${address}, ${describeRefusal(refusal)}`;
    }
    return undefined;
  }

  async function check(url: string): Promise<void> {
    const callback = parseCallbackUrl(url);
    if (allowPrivate) return;
    // A name that does not resolve (yet) is accepted: the bot may be deployed later.
    const addresses =
      callback.literal || isLocalName(callback.host) ? [] : await resolveWithin(callback.host);
    const refusal = refusalOf(callback, addresses);
    // The detail names the network; the phrase pages translate says only that the host is not public.
    if (refusal)
      throw new ChatError(
        ErrorCode.invalidParameter,
        `The callback URL is refused: ${refusal}.`,
        0,
        phrase('callbackNotPublic', { host: callback.host }),
      );
  }

  /** The resolver's answer, or nothing when it fails or takes longer than a delivery would wait. */
  async function resolveWithin(host: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ResolvedAddress[]>((done) => {
      timer = setTimeout(() => done([]), timeoutMs);
    });
    try {
      const answer = Promise.resolve()
        .then(() => resolve(host))
        .catch(() => []);
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves for the socket itself and refuses there, so the connection goes only to an address that was
   * checked, even when DNS changed since `check` (Node skips it for IP literals; those are checked first).
   */
  function connectionLookup(callback: CallbackUrl): LookupFunction {
    return (hostname, lookupOptions, done) => {
      void allowedAddresses(callback, hostname, lookupOptions).then((answer) => {
        const first = answer instanceof Error ? undefined : answer[0];
        if (answer instanceof Error) done(answer, '');
        else if (!first) done(new NameUnresolved(`could not resolve ${hostname} (no usable address)`), '');
        else if (lookupOptions.all) done(null, answer);
        else done(null, first.address, first.family);
      });
    };
  }

  /** The addresses the socket may use for `hostname`, or the error that stops it connecting at all. */
  async function allowedAddresses(
    callback: CallbackUrl,
    hostname: string,
    lookupOptions: LookupOptions,
  ): Promise<ResolvedAddress[] | Error> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await resolve(hostname);
    } catch (e) {
      return new NameUnresolved(`could not resolve ${hostname}${errorCode(e)}`);
    }
    const refusal = refusalOf(callback, addresses);
    if (refusal) return new AddressRefused(`refused: ${refusal}`);
    return addresses.filter((a) => familyFits(a.family, lookupOptions));
  }

  async function post(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<WebhookOutcome> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      let callback: CallbackUrl;
      try {
        callback = parseCallbackUrl(url);
      } catch (e) {
        return { ok: false, reason: `invalid callback URL: ${e instanceof Error ? e.message : e}`, ms: ms() };
      }
      // IP literals and local names skip the connection's lookup: refuse them before any socket exists.
      if (callback.literal || isLocalName(callback.host)) {
        const refusal = refusalOf(callback);
        if (refusal) return { ok: false, reason: `refused: ${refusal}`, ms: ms() };
      }
      const outcome = await exchange(callback, body, headers);
      return { ...outcome, ms: ms() };
    } catch (e) {
      return { ok: false, reason: `failed: ${e instanceof Error ? e.message : String(e)}`, ms: ms() };
    }
  }

  type Unmeasured = { ok: true; status: number; body: string; cut: boolean } | Failure;
  type Failure = { ok: false; reason: string; status?: number };

  /** One POST over a fresh connection; settles once, and tears the connection down when it does. */
  function exchange(
    callback: CallbackUrl,
    body: string,
    extra: Readonly<Record<string, string>>,
  ): Promise<Unmeasured> {
    return new Promise((settle) => {
      const { url, host, literal } = callback;
      let req: ClientRequest | undefined;
      let settled = false;
      const finish = (outcome: Unmeasured) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req?.destroy();
        settle(outcome);
      };
      const timer = setTimeout(
        () => finish({ ok: false, reason: `timed out after ${duration(timeoutMs)}` }),
        timeoutMs,
      );
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      try {
        req = request({
          method: 'POST',
          host,
          port: url.port === '' ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          headers: outgoingHeaders(url, body, extra, userAgent),
          // A fresh connection each time: a reused socket would skip the connection-time address check.
          agent: false,
          lookup: literal ? undefined : connectionLookup(callback),
        });
      } catch (e) {
        // Node refuses some requests outright (a header value with a line break, say).
        finish({ ok: false, reason: failureReason(e instanceof Error ? e : new Error(String(e))) });
        return;
      }
      req.on('error', (e) => finish({ ok: false, reason: failureReason(e) }));
      req.on('response', (res) => {
        res.on('error', (e) => finish({ ok: false, status: res.statusCode, reason: failureReason(e) }));
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          finish({ ok: false, status, reason: statusReason(status, res) });
          return;
        }
        const kept = new BoundedBody(maxBodyBytes);
        res.on('data', (chunk: Buffer) => {
          if (!kept.add(chunk)) finish({ ok: true, status, body: kept.text(), cut: true });
        });
        res.on('end', () => finish({ ok: true, status, body: kept.text(), cut: false }));
        res.on('close', () => {
          if (!res.complete)
            finish({ ok: false, status, reason: 'the connection closed before the answer was complete' });
        });
      });
      req.end(body);
    });
  }

  return { check, post };
}

function outgoingHeaders(
  url: URL,
  body: string,
  extra: Readonly<Record<string, string>>,
  userAgent: string,
): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, 'user-agent': userAgent };
  for (const [name, value] of Object.entries(extra)) {
    const key = name.toLowerCase();
    if (!OWN_HEADERS.has(key)) headers[key] = value;
  }
  headers['host'] = url.host;
  headers['content-length'] = String(Buffer.byteLength(body));
  headers['connection'] = 'close';
  return headers;
}

function statusReason(status: number, res: IncomingMessage): string {
  const location = res.headers.location;
  if (status >= 300 && status < 400 && location) {
    const shown =
      location.length > MAX_LOCATION_SHOWN ? `${location.slice(0, MAX_LOCATION_SHOWN)}…` : location;
    return `redirected to ${shown} (not followed)`;
  }
  // The standard phrase, not the bot's: the reason shows to people.
  return `answered ${status} ${STATUS_CODES[status] ?? ''}`.trim();
}

function failureReason(e: Error): string {
  if (e instanceof AddressRefused || e instanceof NameUnresolved) return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'could not connect: connection refused';
    case 'ECONNRESET':
      return 'the connection closed before an answer';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'could not connect: no route to the host';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not resolve the host (${code})`;
    default:
      return `failed: ${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`;
  }
}

const systemResolver: Resolver = (host) =>
  new Promise((done, fail) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => {
      if (err) fail(err);
      else done(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

function familyFits(family: 4 | 6, options: LookupOptions): boolean {
  const wanted = options.family;
  if (wanted === 4 || wanted === 'IPv4') return family === 4;
  if (wanted === 6 || wanted === 'IPv6') return family === 6;
  return true;
}

function errorCode(e: unknown): string {
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  return code ? ` (${code})` : '';
}

/** "20 s" for whole seconds, "300 ms" otherwise. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`webhooks: ${name} must be a positive integer, not ${value}`);
  return value;
}
