import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../protocol/errors.js';
import { ChatError } from '../core/chat-error.js';
import type { Logger } from '../core/ports.js';
import type { ChatService } from '../engine/chat-service.js';
import type { Engine } from '../engine/engine.js';
import { decodeUtf8, parseForm, Params } from '../api/params.js';
import { HELD, v2Endpoints } from '../api/v2/endpoints.js';
import { readBody } from './body.js';
import { HeldResponse } from './held-response.js';
import { parseTarget, type Target } from './request-target.js';
import type { MetricsSource } from './metrics.js';
import type { SseTransport } from '../transports/sse.js';
import { CSRF_HEADER, csrfValid, readCookie, SESSION_COOKIE } from '../web/auth.js';
import { errorBody, sendApi, sendJson } from './respond.js';

export interface RouterDeps {
  chat: ChatService;
  engine: Engine;
  log: Logger;
  bodyLimit: number;
  /** Host names accepted in absolute-form targets. */
  hostnames: readonly string[];
  startedAt: number;
  isClosing(): boolean;
  sse: SseTransport;
  metrics: MetricsSource;
  /** Whether a client address may read /metrics and the details of /healthz. */
  mayMonitor(address: string | undefined): boolean;
  /** Everything outside /api/ and /healthz: the web pages. */
  web(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void>;
}

const LINGR_HOSTS = ['lingr.com', 'www.lingr.com'];
export const STREAM_PATH = '/api/event/stream';
export const WEBSOCKET_PATH = '/api/event/ws';
export const PUBLIC_STREAM_PATH = '/api/room/stream';
const API_METHODS = 'GET, POST, OPTIONS';

/**
 * Our own pages call the API with their HttpOnly session cookie instead of a `session` parameter; such a
 * call must carry the page's anti-forgery token in a header, which other sites cannot set.
 */
async function sessionFromCookie(req: IncomingMessage, values: Map<string, string>, chat: ChatService) {
  const secret = readCookie(req, SESSION_COOKIE);
  const token = req.headers[CSRF_HEADER];
  if (!secret || typeof token !== 'string') return;
  const session = await chat.session(secret, false).catch(() => undefined);
  if (session && csrfValid(secret, session, token)) values.set('session', secret);
}

/** The one request listener: every route of the server goes through here. */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const hosts = new Set([...LINGR_HOSTS, ...deps.hostnames]);

  const api = async (req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> => {
    const close = deps.isClosing();
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        allow: API_METHODS,
        'access-control-allow-origin': '*',
        'access-control-allow-methods': API_METHODS,
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', API_METHODS);
      sendApi(res, errorBody(ErrorCode.methodNotAllowed, `${method} is not allowed; use GET or POST.`), {
        status: 405,
        close,
      });
      return;
    }
    const name = target.path.slice('/api/'.length);
    const handler = v2Endpoints.get(name);
    if (!handler) {
      sendApi(res, errorBody(ErrorCode.notFound, `There is no API method "${name}".`), {
        status: 404,
        close,
      });
      return;
    }
    let callback: string | undefined;
    try {
      const values = new Map<string, string>();
      if (target.query !== '') parseForm(decodeUtf8(Buffer.from(target.query, 'latin1')), values);
      // Known before the body is read, so errors in the body are wrapped too (spec 2.4).
      callback = new Params(values).callback();
      await readBody(req, values, deps.bodyLimit);
      if (!values.get('session')) await sessionFromCookie(req, values, deps.chat);
      const params = new Params(values);
      callback = params.callback();
      const jsonp = callback;
      const reply = await handler(params, {
        chat: deps.chat,
        address: () => req.socket.remoteAddress ?? '',
        hold: () => new HeldResponse(res, jsonp, deps.isClosing),
      });
      if (reply === HELD) return;
      sendApi(res, 'raw' in reply ? reply.raw : JSON.stringify(reply), {
        callback,
        close: close || deps.isClosing(),
      });
    } catch (err) {
      if (!(err instanceof ChatError)) deps.log.error({ err, path: target.path }, 'request failed');
      const body =
        err instanceof ChatError
          ? errorBody(err.code, err.detail)
          : errorBody(ErrorCode.internalError, 'Something went wrong on our side; please try again.');
      const delay = err instanceof ChatError ? err.answerAfterMs : 0;
      if (delay > 0 && !deps.isClosing())
        setTimeout(() => sendApi(res, body, { callback, close: true }), delay);
      else sendApi(res, body, { callback, close: true });
    }
  };

  return (req, res) => {
    const target = parseTarget(req.url ?? '/');
    if (!target || (target.host !== undefined && !hosts.has(target.host))) {
      sendJson(
        res,
        400,
        { status: 'error', code: ErrorCode.badRequestTarget, detail: 'Unsupported request target.' },
        true,
      );
      return;
    }
    if (target.path === STREAM_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      void deps.sse.handle(req, res, target.query);
      return;
    }
    if (target.path === PUBLIC_STREAM_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      void deps.sse.handlePublic(req, res, target.query);
      return;
    }
    if (target.path.startsWith('/api/')) {
      void api(req, res, target);
      return;
    }
    if (target.path === '/metrics') {
      if (!deps.mayMonitor(req.socket.remoteAddress))
        return sendJson(res, 403, {
          status: 'error',
          code: ErrorCode.forbidden,
          detail: 'Metrics are served to the addresses --metrics-allow names.',
        });
      // `?per=worker` gives one series per worker process instead of the sums.
      deps.metrics.text(/(^|&)per=worker(&|$)/.test(target.query)).then(
        (text) => {
          res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-cache' });
          res.end(text);
        },
        (err: unknown) => {
          deps.log.error({ err }, 'metrics failed');
          sendJson(res, 500, { status: 'error', code: ErrorCode.internalError, detail: 'Metrics failed.' });
        },
      );
      return;
    }
    if (target.path === '/healthz') {
      const { engine } = deps;
      const closing = deps.isClosing();
      // Anyone may ask whether we are up; how we are doing is for monitoring alone.
      const details = deps.mayMonitor(req.socket.remoteAddress) && {
        sessions: engine.sessions.size,
        held_observes: engine.hub.held,
        streams: engine.hub.streams,
        online_users: engine.presence.onlineUsers,
        // Which process answered: with --workers, each connection may reach another one.
        pid: process.pid,
        uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
        memory_mb: Object.fromEntries(
          Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1e5) / 10]),
        ),
      };
      sendJson(res, closing ? 503 : 200, {
        status: closing ? 'closing' : 'ok',
        counter: engine.feed.lastId,
        ...details,
      });
      return;
    }
    deps.web(req, res, target.path, target.query).catch((err: unknown) => {
      deps.log.error({ err, path: target.path }, 'page failed');
      sendJson(res, 500, { status: 'error', code: ErrorCode.internalError, detail: 'Something went wrong.' });
    });
  };
}
