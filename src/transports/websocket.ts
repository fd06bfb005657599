import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode } from '../protocol/errors.js';
import { ChatError } from '../core/chat-error.js';
import type { ChatEvent } from '../core/model.js';
import type { ChatService } from '../engine/chat-service.js';
import type { Engine } from '../engine/engine.js';
import type { StreamEnd, StreamSink, StreamSubscription } from '../engine/stream-subscription.js';
import { wsFrame } from './frames.js';
import { spreadEvery } from './spread.js';
import type { StreamOptions } from './sse.js';
import { streamParams } from './stream-params.js';

/** Close codes: 4000 = an API error (reason is its code, e.g. invalid_session); 4100 = reconnect and resume. */
export const CLOSE_ERROR = 4000;
export const CLOSE_RECONNECT = 4100;

class WsConnection implements StreamSink {
  subscription: StreamSubscription | undefined;
  alive = true;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded socket itself: without compression `ws` writes straight to it, so we may too. */
    private readonly socket: Duplex,
    private readonly outboxLimit: number,
  ) {}

  send(events: readonly ChatEvent[], counter: number): void {
    if (this.ws.bufferedAmount > this.outboxLimit) this.subscription?.end('slow_reader');
    // A frame built once per fan-out, one write per socket; text frames, as browsers hand binary ones to
    // scripts as Blobs. Nothing after a close frame.
    else if (this.ws.readyState === this.ws.OPEN) this.socket.write(wsFrame(events, counter));
  }

  end(reason: StreamEnd): void {
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

  constructor(
    private readonly chat: ChatService,
    engine: Engine,
    private readonly options: WebSocketOptions,
  ) {
    // One timer for every socket, spread over the period: ping, and drop peers that did not answer the last.
    spreadEvery(
      (ms, task) => engine.every(ms, task),
      this.open,
      options.heartbeatMs,
      (c) => {
        if (!c.alive) return c.ws.terminate();
        c.alive = false;
        c.ws.ping();
      },
    );
  }

  get size(): number {
    return this.open.size;
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

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: string): void {
    if (!this.originAllowed(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => void this.accept(ws, socket, req, query));
  }

  private async accept(ws: WebSocket, socket: Duplex, req: IncomingMessage, query: string): Promise<void> {
    const connection = new WsConnection(ws, socket, this.options.outboxLimit);
    ws.on('pong', () => (connection.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      this.open.delete(connection);
      connection.subscription?.cancel();
    });
    try {
      // Browsers cannot open a socket to us from a foreign page (Origin is checked), so the cookie is enough.
      const { session: id, counter, cookieSession } = streamParams(req, query);
      const session = await this.chat.session(id ?? cookieSession, false);
      this.open.add(connection);
      connection.subscription = await this.chat.stream(
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

  closeAll(): void {
    for (const c of this.open) c.ws.close(CLOSE_RECONNECT, 'shutdown');
  }
}
