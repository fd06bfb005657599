import { ChatError } from '../core/chat-error.js';
import type { Logger } from '../core/ports.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiExchange } from './api-exchange.js';
import type { ClientAddress } from './client-address.js';
import { NodeExchange } from './node-exchange.js';
import { decodeUtf8, parseForm, Params } from './params.js';
import type { Target } from './request-target.js';
import type { RouteHandler } from './routes.js';

/** Returned by a method that answers later (a held long poll) through the response it was given. */
export const HELD = Symbol('held');

/** What a method hands back: an object to serialize, or a body already serialized. */
export type ApiReply = object | { readonly raw: Buffer | string };

/** One call, as a method sees it. */
export interface ApiCall {
  /** The call on the wire: a held observe answers through it later. */
  exchange: ApiExchange;
  /** The JSONP callback, when the call asked for one. */
  callback: string | undefined;
}

export type ApiMethod = (params: Params, call: ApiCall) => Promise<ApiReply | typeof HELD>;

/** One API generation: its methods by path under /api/ (`session/create`), and how it answers. */
export interface ApiGeneration {
  readonly name: 'v1' | 'v2';
  readonly methods: ReadonlyMap<string, ApiMethod>;
  /** The answer to a successful call; `params` say how it wants it (API 1.0's `format`). */
  ok(
    exchange: ApiExchange,
    reply: ApiReply,
    callback: string | undefined,
    close: boolean,
    params?: Params,
  ): void;
  /**
   * An error, in this generation's form; `status` is 200 for a known method (spec 2.4). `params` are what
   * was read before it (none when the query itself was bad).
   */
  error(
    exchange: ApiExchange,
    e: { code: ErrorCode; detail: string; status?: number; extra?: ReadonlyArray<readonly [string, string]> },
    callback: string | undefined,
    close: boolean,
    params?: Params,
  ): void;
}

const API_METHODS = 'GET, POST, OPTIONS';

/**
 * Spec 2.2: which generation a call to a path both serve speaks. The host first (www.lingr.com is v1,
 * lingr.com v2), then the session (v1 ids are 11 characters, v2's longer, so even a dead one tells), then
 * the parameters, else v2.
 */
export function chooseGeneration(
  candidates: readonly ApiGeneration[],
  path: string,
  host: string | undefined,
  params: Params,
): ApiGeneration | undefined {
  if (candidates.length <= 1) return candidates[0];
  const named = (name: 'v1' | 'v2') => candidates.find((g) => g.name === name);
  if (host === 'www.lingr.com') return named('v1') ?? candidates[0];
  if (host === 'lingr.com') return named('v2') ?? candidates[0];
  const session = params.str('session');
  if (session !== undefined) return named(session.length === 11 ? 'v1' : 'v2');
  if (path === 'session/create') return named(params.has('user') ? 'v2' : 'v1');
  if (path === 'room/say') {
    if (params.has('ticket') || params.has('message')) return named('v1');
    if (params.has('room') || params.has('text') || params.has('bot')) return named('v2');
  }
  return named('v2') ?? candidates[0];
}

export interface ApiDispatchOptions {
  bodyLimit: number;
  /** The client's address from the peer's and `X-Forwarded-For` (trusted proxies). */
  clientAddress: ClientAddress;
  log: Logger;
  /** True while the server stops: answers close their connections. */
  isClosing(): boolean;
  /**
   * Our own pages call the API with their session cookie instead of a `session` parameter; this sets
   * `session` when the request proves it comes from our pages (see http/csrf).
   */
  sessionFromCookie(exchange: ApiExchange, values: Map<string, string>): Promise<void>;
}

/**
 * Everything under /api/: the common work of every API generation (verbs, parameters from the query and
 * the body, JSONP, errors with stable codes), and the choice of the generation a call speaks.
 */
export class ApiDispatcher {
  private readonly generations: ApiGeneration[] = [];
  /** The generations that have each method, by its path under /api/. */
  private readonly byMethod = new Map<string, ApiGeneration[]>();

  constructor(private readonly options: ApiDispatchOptions) {}

  register(generation: ApiGeneration): this {
    this.generations.push(generation);
    for (const name of generation.methods.keys()) {
      const list = this.byMethod.get(name) ?? [];
      list.push(generation);
      this.byMethod.set(name, list);
    }
    return this;
  }

  /** The route for node:http. */
  readonly handle: RouteHandler = (req, res, target) =>
    this.dispatch(new NodeExchange(req, res, this.options.clientAddress), target);

  /** One call, however it came in (node:http or the API lane). */
  readonly dispatch = async (exchange: ApiExchange, target: Target): Promise<void> => {
    const { options } = this;
    const close = options.isClosing();
    const method = exchange.method;
    const name = target.path.slice('/api/'.length);
    const candidates = this.byMethod.get(name) ?? [];
    // An unknown path is answered in the form of the generation its host names (spec 2.1), else API 2.0's.
    const hostGeneration = (target.host ?? exchange.host()) === 'www.lingr.com' ? 'v1' : 'v2';
    const fallback =
      candidates[0] ?? this.generations.find((g) => g.name === hostGeneration) ?? this.generations[0];
    if (!fallback) throw new Error('no API generation is registered');
    if (method === 'OPTIONS') return preflight(exchange);
    if (method !== 'GET' && method !== 'POST') {
      const e = { code: ErrorCode.methodNotAllowed, detail: `${method} is not allowed; use GET or POST.` };
      return fallback.error(
        exchange,
        { ...e, status: 405, extra: [['allow', API_METHODS]] },
        undefined,
        close,
      );
    }
    if (candidates.length === 0) {
      const detail = `There is no API method "${name}".`;
      return fallback.error(exchange, { code: ErrorCode.notFound, detail, status: 404 }, undefined, close);
    }
    let callback: string | undefined;
    let generation = fallback;
    let params: Params | undefined;
    try {
      const values = new Map<string, string>();
      if (target.query !== '') parseForm(decodeUtf8(Buffer.from(target.query, 'latin1')), values);
      // Known before the body is read, so errors in the body are wrapped too (spec 2.4).
      params = new Params(values);
      callback = params.callback();
      // The lane has the body in hand: only node:http's reading is waited for.
      const reading = exchange.readBody(values, options.bodyLimit);
      if (reading) await reading;
      if (!values.get('session')) await options.sessionFromCookie(exchange, values);
      params = new Params(values);
      callback = params.callback();
      generation = chooseGeneration(candidates, name, target.host ?? exchange.host(), params) ?? fallback;
      const handler = generation.methods.get(name) as ApiMethod;
      const reply = await handler(params, { exchange, callback });
      if (reply === HELD) return;
      generation.ok(exchange, reply, callback, close || options.isClosing(), params);
    } catch (err) {
      const e = err instanceof ChatError ? err : undefined;
      if (!e) options.log.error({ err, path: target.path }, 'request failed');
      const answer = () =>
        generation.error(
          exchange,
          e ?? {
            code: ErrorCode.internalError,
            detail: 'Something went wrong on our side; please try again.',
          },
          callback,
          true,
          params,
        );
      if (e && e.answerAfterMs > 0 && !options.isClosing()) setTimeout(answer, e.answerAfterMs);
      else answer();
    }
  };
}

function preflight(exchange: ApiExchange): void {
  exchange.send('', {
    status: 204,
    extra: [
      ['allow', API_METHODS],
      ['access-control-allow-methods', API_METHODS],
      ['access-control-allow-headers', 'content-type'],
      ['access-control-max-age', '86400'],
    ],
  });
}
