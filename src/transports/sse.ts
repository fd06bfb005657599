import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../protocol/errors.js';
import { ChatError } from '../core/chat-error.js';
import type { ChatEvent } from '../core/model.js';
import type { ChatService } from '../engine/chat-service.js';
import type { Engine } from '../engine/engine.js';
import type { StreamEnd, StreamSink, StreamSubscription } from '../engine/stream-subscription.js';
import { sseFrame } from './frames.js';
import { spreadEvery } from './spread.js';
import { streamParams } from './stream-params.js';
import { csrfValid } from '../web/auth.js';

export interface StreamOptions {
  heartbeatMs: number;
  /** Bytes queued for one client before it counts as a slow reader and is closed. */
  outboxLimit: number;
}

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'access-control-allow-origin': '*',
  // Proxies (nginx) must pass each frame on at once.
  'x-accel-buffering': 'no',
};

class SseConnection implements StreamSink {
  subscription: StreamSubscription | undefined;

  constructor(
    readonly res: ServerResponse,
    private readonly outboxLimit: number,
    private readonly onEnd: (c: SseConnection) => void,
  ) {}

  send(events: readonly ChatEvent[], counter: number): void {
    // Past the outbox limit the client cannot keep up: it reconnects and resumes from its counter.
    if (this.res.writableLength > this.outboxLimit) this.subscription?.end('slow_reader');
    else this.res.write(sseFrame(events, counter));
  }

  end(reason: StreamEnd): void {
    this.onEnd(this);
    if (!this.res.writableEnded) this.res.end(`event: end\ndata: {"reason":"${reason}"}\n\n`);
  }
}

/** Server-Sent Events: `GET /api/event/stream?session=…&counter=…` (docs/streaming.md). */
export class SseTransport {
  private readonly open = new Set<SseConnection>();

  constructor(
    private readonly chat: ChatService,
    engine: Engine,
    private readonly options: StreamOptions,
  ) {
    // One timer for every stream: a comment line keeps proxies and clients from timing out.
    spreadEvery(
      (ms, task) => engine.every(ms, task),
      this.open,
      options.heartbeatMs,
      (c) => {
        if (c.res.writableLength <= options.outboxLimit) c.res.write(': \n\n');
      },
    );
  }

  get size(): number {
    return this.open.size;
  }

  /** A session's stream: `GET /api/event/stream`. */
  handle(req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    return this.serve(res, async (sink) => {
      const { session: id, counter, cookieSession, csrf } = streamParams(req, query);
      let session = id === undefined ? undefined : await this.chat.session(id, false);
      if (!session && cookieSession) {
        const candidate = await this.chat.session(cookieSession, false);
        if (csrfValid(cookieSession, candidate, csrf)) session = candidate;
      }
      if (!session) session = await this.chat.session(undefined, false);
      return { start: () => this.chat.stream(session, counter ?? Number.MAX_SAFE_INTEGER, sink) };
    });
  }

  /** One public room, no session: `GET /api/room/stream?room=ID` (the embeddable badge). */
  handlePublic(req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
    return this.serve(res, async (sink) => {
      const { counter, room } = streamParams(req, query);
      if (!room) throw new ChatError(ErrorCode.invalidParameter, 'room is required.');
      return { start: () => this.chat.publicStream(room, counter, sink) };
    });
  }

  /** Authorizes first (errors become one `error` frame), then opens the stream. */
  private async serve(
    res: ServerResponse,
    authorize: (sink: SseConnection) => Promise<{ start(): Promise<StreamSubscription> }>,
  ): Promise<void> {
    const connection = new SseConnection(res, this.options.outboxLimit, (c) => this.open.delete(c));
    try {
      const stream = await authorize(connection);
      // HEAD asks whether the stream would open; there is no body to stream.
      if (res.req.method === 'HEAD') return void res.writeHead(200, STREAM_HEADERS).end();
      res.writeHead(200, STREAM_HEADERS);
      res.write('retry: 2000\n\n');
      this.open.add(connection);
      res.on('close', () => {
        this.open.delete(connection);
        connection.subscription?.cancel();
      });
      connection.subscription = await stream.start();
      if (res.destroyed) connection.subscription.cancel();
    } catch (err) {
      const e =
        err instanceof ChatError
          ? err
          : new ChatError(ErrorCode.internalError, 'Something went wrong on our side.');
      const body = JSON.stringify({ status: 'error', code: e.code, detail: e.detail });
      if (!res.headersSent) res.writeHead(200, STREAM_HEADERS);
      res.end(`event: error\ndata: ${body}\n\n`);
    }
  }
}
