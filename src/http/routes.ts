import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../core/ports.js';
import type { LaneHandler, LaneTakeOver } from './api-lane.js';
import { ErrorCode } from '../protocol/errors.js';
import { parseTarget, type Target } from './request-target.js';
import { sendJson } from './respond.js';

export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: Target,
) => Promise<void> | void;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, target: Target) => void;

/** A request made without a socket (tests), and what came back. */
export interface InjectRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  remoteAddress?: string;
}

export interface InjectResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** Hosts whose absolute-form targets we answer besides our own names (spec 2.1). */
const LINGR_HOSTS = ['lingr.com', 'www.lingr.com'];

/**
 * The one table every route of the server is in: API generations, transports and web pages register
 * their paths here, and it dispatches each request (or upgrade) to the first that matches: an exact path
 * with its method, then a path prefix, then the fallback.
 */
export class RouteTable {
  private readonly exact = new Map<string, Array<{ methods: readonly string[]; handler: RouteHandler }>>();
  private readonly prefixes: Array<{ prefix: string; handler: RouteHandler }> = [];
  private readonly upgrades = new Map<string, UpgradeHandler>();
  private readonly lanes: Array<{ prefix: string; handler: LaneHandler }> = [];
  private readonly takeOvers = new Map<string, LaneTakeOver>();
  private fallback: RouteHandler = (_req, res) =>
    sendJson(res, 404, { status: 'error', code: ErrorCode.notFound, detail: 'There is nothing here.' });
  private readonly hosts: ReadonlySet<string>;

  constructor(
    private readonly log: Logger,
    /** Our own host names, accepted in absolute-form targets beside lingr.com's. */
    hostnames: readonly string[],
  ) {
    this.hosts = new Set([...LINGR_HOSTS, ...hostnames]);
  }

  on(methods: readonly string[], path: string, handler: RouteHandler): this {
    const routes = this.exact.get(path) ?? [];
    routes.push({ methods, handler });
    this.exact.set(path, routes);
    return this;
  }

  /** Every path that starts with `prefix` and has no exact route of its own. */
  under(prefix: string, handler: RouteHandler): this {
    this.prefixes.push({ prefix, handler });
    return this;
  }

  /**
   * What the API lane may answer itself under `prefix` (GET and POST), unless an exact route takes the
   * path; the same paths must also be routed for node:http with `under`, which takes what the lane leaves.
   */
  lane(prefix: string, handler: LaneHandler): this {
    this.lanes.push({ prefix, handler });
    return this;
  }

  /**
   * A plain GET of `path` whose connection the lane hands over for good (an event stream); the same path
   * must also be routed with `on` for node:http, which takes HEAD and what the lane leaves.
   */
  takeOver(path: string, handler: LaneTakeOver): this {
    this.takeOvers.set(path, handler);
    return this;
  }

  readonly laneTakeOver = (path: string): LaneTakeOver | undefined => this.takeOvers.get(path);

  /** The lane's handler for a request, or undefined when node:http must take it. */
  readonly laneRoute = (method: string, path: string): LaneHandler | undefined => {
    if (method !== 'GET' && method !== 'POST') return undefined;
    if (this.exact.has(path)) return undefined;
    for (const { prefix, handler } of this.lanes) if (path.startsWith(prefix)) return handler;
    return undefined;
  };

  upgrade(path: string, handler: UpgradeHandler): this {
    this.upgrades.set(path, handler);
    return this;
  }

  /** The paths routed exactly (with `on`) or upgraded, for checks that every one is documented. */
  paths(): string[] {
    return [...new Set([...this.exact.keys(), ...this.upgrades.keys()])].sort();
  }

  /** Whatever nothing else takes (the web pages). */
  otherwise(handler: RouteHandler): this {
    this.fallback = handler;
    return this;
  }

  /** The request listener for node:http. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = parseTarget(req.url ?? '/');
    if (!target || (target.host !== undefined && !this.hosts.has(target.host))) {
      sendJson(
        res,
        400,
        { status: 'error', code: ErrorCode.badRequestTarget, detail: 'Unsupported request target.' },
        true,
      );
      return;
    }
    const handler = this.find(req.method ?? 'GET', target.path);
    Promise.resolve()
      .then(() => handler(req, res, target))
      .catch((err: unknown) => {
        this.log.error({ err, path: target.path }, 'request failed');
        sendJson(res, 500, {
          status: 'error',
          code: ErrorCode.internalError,
          detail: 'Something went wrong.',
        });
      });
  };

  /** The upgrade listener for node:http: a WebSocket route, or 404. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = parseTarget(req.url ?? '/');
    const handler = target && this.upgrades.get(target.path);
    if (target && handler) handler(req, socket, head, target);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };

  private find(method: string, path: string): RouteHandler {
    for (const route of this.exact.get(path) ?? []) if (route.methods.includes(method)) return route.handler;
    for (const { prefix, handler } of this.prefixes) if (path.startsWith(prefix)) return handler;
    return this.fallback;
  }

  /** Answers a request through the table without any socket: for tests. */
  async inject(request: InjectRequest): Promise<InjectResponse> {
    const { default: inject } = await import('light-my-request');
    const res = await inject(this.handle, {
      method: (request.method ?? 'GET') as 'GET',
      url: request.url,
      headers: request.headers,
      payload: request.body,
      remoteAddress: request.remoteAddress ?? '127.0.0.1',
    });
    return { status: res.statusCode, headers: res.headers, body: res.payload };
  }
}
