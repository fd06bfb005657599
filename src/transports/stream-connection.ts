import type { ChatEvent } from '../core/model.js';
import type { StreamEnd, StreamSink, StreamSubscription } from '../engine/stream-subscription.js';
import type { FrameCache } from './frames.js';

/** The writable end of a persistent connection: an SSE response or an upgraded socket. */
export interface Outlet {
  write(chunk: Buffer | string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

const bytes = (chunk: Buffer | string): number =>
  typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;

/**
 * What every persistent connection shares (SSE, WebSocket, IRC): chunks written without blocking (when the
 * socket says it is full, later chunks wait in a bounded outbox until it drains), a heartbeat, and an end
 * with a reason. A reader that falls further behind than the outbox holds overflows and is closed, so it
 * never slows the others.
 */
export abstract class OutboxConnection<Reason extends string> {
  /** Chunks waiting for the socket to drain; undefined while it takes writes. */
  private outbox: Array<Buffer | string> | undefined;
  private queued = 0;
  private ended = false;

  constructor(
    protected readonly outlet: Outlet,
    private readonly outboxLimit: number,
  ) {}

  /** Whether the connection was ended from our side. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Keeps an idle connection alive (and finds dead peers); skipped while chunks are waiting anyway. */
  heartbeat(): void {
    if (!this.outbox) this.beat();
  }

  /** Ends the connection from our side; chunks still waiting are dropped. */
  end(reason: Reason): void {
    if (this.ended) return;
    this.ended = true;
    this.outbox = undefined;
    this.finish(reason);
  }

  /** Says why, in the transport's way, and closes. */
  protected abstract finish(reason: Reason): void;

  protected abstract beat(): void;

  /** The outbox went past its limit: the reader is too slow to keep. */
  protected abstract overflowed(): void;

  protected write(chunk: Buffer | string): void {
    if (this.ended) return;
    if (this.outbox) {
      this.outbox.push(chunk);
      this.queued += bytes(chunk);
      if (this.queued > this.outboxLimit) this.overflowed();
      return;
    }
    if (!this.outlet.write(chunk)) this.waitForDrain([]);
  }

  private waitForDrain(waiting: Array<Buffer | string>): void {
    this.outbox = waiting;
    this.queued = waiting.reduce((n, c) => n + bytes(c), 0);
    this.outlet.once('drain', () => this.drained());
  }

  private drained(): void {
    if (this.ended) return;
    const waiting = this.outbox ?? [];
    this.outbox = undefined;
    this.queued = 0;
    for (let i = 0; i < waiting.length; i++)
      if (!this.outlet.write(waiting[i] as Buffer | string)) return this.waitForDrain(waiting.slice(i + 1));
  }
}

/**
 * An SSE or WebSocket connection: one stream's frames, built once per fan-out by the transport's frame
 * cache. A slow reader's stream ends as `slow_reader`, and the client resumes by counter.
 */
export abstract class StreamConnection extends OutboxConnection<StreamEnd> implements StreamSink {
  subscription: StreamSubscription | undefined;

  constructor(
    outlet: Outlet,
    private readonly frames: FrameCache,
    outboxLimit: number,
  ) {
    super(outlet, outboxLimit);
  }

  send(events: readonly ChatEvent[], counter: number): void {
    this.write(this.frames.get(events, counter));
  }

  protected overflowed(): void {
    this.subscription?.end('slow_reader');
  }
}
