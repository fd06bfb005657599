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
 * What SSE and WebSocket connections share: frames written without blocking (when the socket says it is
 * full, later frames wait in a bounded outbox until it drains), a heartbeat, and an end with a reason.
 * A reader that falls further behind than the outbox holds is closed as a slow reader and resumes by
 * counter, so it never slows the others.
 */
export abstract class StreamConnection implements StreamSink {
  subscription: StreamSubscription | undefined;
  /** Frames waiting for the socket to drain; undefined while it takes writes. */
  private outbox: Array<Buffer | string> | undefined;
  private queued = 0;
  private ended = false;

  constructor(
    protected readonly outlet: Outlet,
    private readonly frames: FrameCache,
    private readonly outboxLimit: number,
  ) {}

  send(events: readonly ChatEvent[], counter: number): void {
    this.write(this.frames.get(events, counter));
  }

  /** Keeps an idle connection alive (and finds dead peers); skipped while frames are waiting anyway. */
  heartbeat(): void {
    if (!this.outbox) this.beat();
  }

  /** Ends the connection from our side; frames still waiting are dropped (the client resumes by counter). */
  end(reason: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.outbox = undefined;
    this.finish(reason);
  }

  /** Says why, in the transport's way, and closes. */
  protected abstract finish(reason: StreamEnd): void;

  protected abstract beat(): void;

  protected write(chunk: Buffer | string): void {
    if (this.ended) return;
    if (this.outbox) {
      this.outbox.push(chunk);
      this.queued += bytes(chunk);
      if (this.queued > this.outboxLimit) this.subscription?.end('slow_reader');
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
