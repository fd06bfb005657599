import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ChatError } from '../core/chat-error.js';
import type { Accounts } from '../engine/accounts.js';
import type { StreamEnd } from '../engine/stream-subscription.js';
import type { Subscriptions } from '../engine/subscriptions.js';
import type { RouteTable } from '../http/routes.js';
import { ErrorCode } from '../protocol/errors.js';
import type { StreamCodec } from './codec.js';
import { FrameCache, wsTextFrame } from './frames.js';
import type { StreamOptions } from './sse.js';
import { spreadEvery } from './spread.js';
import { StreamConnection } from './stream-connection.js';
import { headerOf } from '../http/headers.js';
import { streamParams } from './stream-params.js';

export const WEBSOCKET_PATH = '/api/event/ws';
/** Close codes: 4000 = an API error (reason is its code, e.g. invalid_session); 4100 = reconnect and resume. */
export const CLOSE_ERROR = 4000;
export const CLOSE_RECONNECT = 4100;

class WsConnection extends StreamConnection {
  alive = true;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded socket itself: without compression `ws` writes straight to it, so we may too. */
    socket: Duplex,
    frames: FrameCache,
    outboxLimit: number,
  ) {
    super(socket, frames, outboxLimit);
  }

  // A frame built once per fan-out, one write per socket; text frames, as browsers hand binary ones to
  // scripts as Blobs. Nothing after a close frame.
  protected override write(chunk: Buffer | string): void {
    if (this.ws.readyState === this.ws.OPEN) super.write(chunk);
  }

  /** Pings, and drops a peer that did not answer the last ping. */
  protected beat(): void {
    if (!this.alive) return void this.ws.terminate();
    this.alive = false;
    this.ws.ping();
  }

  protected finish(reason: StreamEnd): void {
    if (reason === 'invalid_session') this.ws.close(CLOSE_ERROR, ErrorCode.invalidSession);
    else if (reason === 'room_closed') this.ws.close(CLOSE_ERROR, ErrorCode.notFound);
    else this.ws.close(CLOSE_RECONNECT, reason);
  }
}

export interface WebSocketOptions extends StreamOptions {
  /** Origins besides our own allowed to open a socket (browsers always send Origin). */
  allowedOrigins: readonly string[];
}

/** WebSocket: `GET /api/event/ws?session=…&counter=…` upgraded (docs/streaming.md). */
export class WebSocketTransport {
  private readonly server = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    maxPayload: 4096,
  });
  private readonly open = new Set<WsConnection>();
  private readonly frames: FrameCache;

  constructor(
    private readonly accounts: Accounts,
    private readonly subscriptions: Subscriptions,
    codec: StreamCodec,
    private readonly options: WebSocketOptions,
  ) {
    this.frames = new FrameCache(codec, (reply) => wsTextFrame(reply));
    // One timer for every socket, spread over the period.
    spreadEvery(options.after, this.open, options.heartbeatMs, (c) => c.heartbeat());
  }

  get size(): number {
    return this.open.size;
  }

  register(routes: RouteTable): void {
    routes.upgrade(WEBSOCKET_PATH, (req, socket, head, target) =>
      this.upgrade(req, socket, head, target.query),
    );
  }

  /** Same-origin pages, listed origins and non-browser clients (no Origin header) may connect. */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.options.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: string): void {
    if (!this.originAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => void this.accept(ws, socket, req, query));
  }

  private async accept(ws: WebSocket, socket: Duplex, req: IncomingMessage, query: string): Promise<void> {
    const connection = new WsConnection(ws, socket, this.frames, this.options.outboxLimit);
    ws.on('pong', () => (connection.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.open.delete(connection);
      connection.subscription?.cancel();
    });
    try {
      // Browsers cannot open a socket to us from a foreign page (Origin is checked), so the cookie is enough.
      const { session: id, counter, cookieSession } = streamParams((name) => headerOf(req, name), query);
      const session = await this.accounts.session(id ?? cookieSession, false);
      this.open.add(connection);
      connection.subscription = await this.subscriptions.stream(
        session,
        counter ?? Number.MAX_SAFE_INTEGER,
        connection,
      );
      if (ws.readyState !== ws.OPEN) connection.subscription.cancel();
    } catch (err) {
      const code = err instanceof ChatError ? err.code : ErrorCode.internalError;
      ws.close(CLOSE_ERROR, code);
    }
  }
}
