import type { Socket } from 'node:net';
import { ChatError } from '../core/chat-error.js';
import type { Accounts } from '../engine/accounts.js';
import type { StreamEnd, StreamSubscription } from '../engine/stream-subscription.js';
import type { Subscriptions } from '../engine/subscriptions.js';
import { csrfValid } from '../http/csrf.js';
import type { LaneRequest } from '../http/api-lane.js';
import type { RouteTable } from '../http/routes.js';
import { ErrorCode } from '../protocol/errors.js';
import type { StreamCodec } from './codec.js';
import { FrameCache, sseFrame } from './frames.js';
import { spreadEvery } from './spread.js';
import { StreamConnection } from './stream-connection.js';
import { NodeSseWire, SocketSseWire, type SseWire } from './sse-wire.js';
import { streamParams } from './stream-params.js';

export const STREAM_PATH = '/api/event/stream';
export const PUBLIC_STREAM_PATH = '/api/room/stream';

export interface StreamOptions {
  heartbeatMs: number;
  /** Bytes queued for one client before it counts as a slow reader and is closed. */
  outboxLimit: number;
  /** Runs `task` once after `ms` unless the server stops first (the heartbeats' one timer). */
  after(ms: number, task: () => void): void;
}

class SseConnection extends StreamConnection {
  constructor(
    readonly wire: SseWire,
    frames: FrameCache,
    outboxLimit: number,
    private readonly onEnd: (c: SseConnection) => void,
  ) {
    super(wire.outlet, frames, outboxLimit);
  }

  protected beat(): void {
    this.write(': \n\n');
  }

  protected finish(reason: StreamEnd): void {
    this.onEnd(this);
    this.wire.close(`event: end\ndata: {"reason":"${reason}"}\n\n`);
  }
}

/** Server-Sent Events: a session's stream, and one public room's for the badge (docs/streaming.md). */
export class SseTransport {
  private readonly open = new Set<SseConnection>();
  private readonly frames: FrameCache;

  constructor(
    private readonly accounts: Accounts,
    private readonly subscriptions: Subscriptions,
    codec: StreamCodec,
    private readonly options: StreamOptions,
  ) {
    this.frames = new FrameCache(codec, sseFrame);
    // One timer for every stream: a comment line keeps proxies and clients from timing out.
    spreadEvery(options.after, this.open, options.heartbeatMs, (c) => c.heartbeat());
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Serves `GET /api/event/stream` and `GET /api/room/stream`: the API lane hands over the bare socket of
   * a plain GET, node:http answers the rest (HEAD, and requests the lane leaves to it).
   */
  register(routes: RouteTable): void {
    routes.on(['GET', 'HEAD'], STREAM_PATH, (req, res, target) =>
      this.handle(new NodeSseWire(req, res), target.query),
    );
    routes.on(['GET', 'HEAD'], PUBLIC_STREAM_PATH, (req, res, target) =>
      this.handlePublic(new NodeSseWire(req, res), target.query),
    );
    routes.takeOver(STREAM_PATH, (socket, request, target) =>
      this.handle(socketWire(socket, request), target.query),
    );
    routes.takeOver(PUBLIC_STREAM_PATH, (socket, request, target) =>
      this.handlePublic(socketWire(socket, request), target.query),
    );
  }

  /** A session's stream. */
  private handle(wire: SseWire, query: string): Promise<void> {
    return this.serve(wire, async (sink) => {
      const { session: id, counter, cookieSession, csrf } = streamParams((n) => wire.header(n), query);
      let session = id === undefined ? undefined : await this.accounts.session(id, false);
      if (!session && cookieSession) {
        const candidate = await this.accounts.session(cookieSession, false);
        if (csrfValid(cookieSession, candidate, csrf)) session = candidate;
      }
      if (!session) session = await this.accounts.session(undefined, false);
      return { start: () => this.subscriptions.stream(session, counter ?? Number.MAX_SAFE_INTEGER, sink) };
    });
  }

  /** One public room, no session (the embeddable badge). */
  private handlePublic(wire: SseWire, query: string): Promise<void> {
    return this.serve(wire, async (sink) => {
      const { counter, room } = streamParams((n) => wire.header(n), query);
      if (!room) throw new ChatError(ErrorCode.invalidParameter, 'room is required.');
      return { start: () => this.subscriptions.publicStream(room, counter, sink) };
    });
  }

  /** Authorizes first (errors become one `error` frame), then opens the stream. */
  private async serve(
    wire: SseWire,
    authorize: (sink: SseConnection) => Promise<{ start(): Promise<StreamSubscription> }>,
  ): Promise<void> {
    const connection = new SseConnection(wire, this.frames, this.options.outboxLimit, (c) =>
      this.open.delete(c),
    );
    try {
      const stream = await authorize(connection);
      // HEAD asks whether the stream would open; there is no body to stream.
      if (wire.method === 'HEAD') return wire.close('');
      wire.open();
      wire.outlet.write('retry: 2000\n\n');
      this.open.add(connection);
      wire.onClose(() => {
        this.open.delete(connection);
        connection.subscription?.cancel();
      });
      connection.subscription = await stream.start();
      if (wire.gone) connection.subscription.cancel();
    } catch (err) {
      const e =
        err instanceof ChatError
          ? err
          : new ChatError(ErrorCode.internalError, 'Something went wrong on our side.');
      const body = JSON.stringify({ status: 'error', code: e.code, detail: e.detail });
      wire.close(`event: error\ndata: ${body}\n\n`);
    }
  }
}

function socketWire(socket: Socket, request: LaneRequest): SseWire {
  return new SocketSseWire(request.method, request.headers, socket);
}
