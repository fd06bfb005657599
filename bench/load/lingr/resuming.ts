import type { ClientRequest, IncomingMessage } from 'node:http';
import type { SubscribeOptions, Subscriber } from '../target.js';
import type { LingrSession } from './session.js';

/** An observe reply, and every stream message, which has the same shape. */
export interface ObserveReply {
  status: string;
  counter: number;
  events?: Array<{ message?: { text: string } }>;
}

const RETRY_MS = 1000;
/** Consecutive failures before a subscriber gives up (keeps a dead server from looping forever). */
const MAX_FAILURES = 30;

/**
 * What every subscriber of ours shares: reconnecting when the server asks to, and bounded retries after a
 * failure. Subclasses open and drop one connection; a dropped connection's late events are ignored by
 * checking it is still the current one.
 */
export abstract class ReconnectingSubscriber implements Subscriber {
  protected closed = false;
  protected paused = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(protected readonly o: SubscribeOptions) {}

  /** Opens a connection (from where the subscriber stands); resolves once it is established. */
  protected abstract open(): Promise<void>;
  /** Drops the current connection; its events are ignored from now on. */
  protected abstract drop(): void;
  /** Stops reading the current connection's socket. */
  protected abstract pauseSocket(): void;

  start(): Promise<void> {
    return this.open();
  }

  /** A good reply or a connection that went live: earlier failures are forgiven. */
  protected forgive(): void {
    this.failures = 0;
  }

  /** The server asked us to reconnect: resume at once. */
  protected resume(): void {
    if (this.closed) return;
    this.drop();
    this.open().catch((err: unknown) => this.failed(asError(err)));
  }

  protected failed(err: Error): void {
    if (this.closed) return;
    this.drop();
    this.o.onError(err);
    if (++this.failures > MAX_FAILURES) {
      this.closed = true;
      return;
    }
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.resume(), RETRY_MS);
  }

  pause(): void {
    this.paused = true;
    this.pauseSocket();
  }

  reconnect(): Promise<void> {
    if (this.closed) return Promise.resolve();
    clearTimeout(this.retry);
    this.drop();
    return this.open().catch((err: unknown) => {
      this.failed(asError(err));
      throw err;
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.drop();
  }
}

/**
 * What our three HTTP transports share besides: a counter to resume from (close 4100, `event: end` ask for
 * it), moved on by every good reply.
 */
export abstract class ResumingSubscriber extends ReconnectingSubscriber {
  protected counter: number;

  constructor(
    o: SubscribeOptions,
    protected readonly session: LingrSession,
  ) {
    super(o);
    this.counter = session.counter;
  }

  protected deliver(reply: ObserveReply): void {
    if (reply.status !== 'ok') {
      this.failed(new Error(`reply: ${JSON.stringify(reply).slice(0, 200)}`));
      return;
    }
    this.advance(reply.counter);
    for (const e of reply.events ?? []) if (e.message) this.o.onLine(e.message.text);
  }

  /** A good reply: earlier failures are forgiven, and the counter moves on to the reply's, if it has one. */
  protected advance(counter: number | undefined): void {
    this.forgive();
    if (counter === undefined) return;
    if (counter > this.counter) this.counter = counter;
    if (counter > this.session.counter) this.session.counter = counter;
  }
}

/** A subscriber over one HTTP request at a time (long poll, SSE): dropping it aborts the request. */
export abstract class RequestSubscriber extends ResumingSubscriber {
  protected req: ClientRequest | undefined;
  protected res: IncomingMessage | undefined;

  protected drop(): void {
    const req = this.req;
    this.req = undefined;
    this.res = undefined;
    req?.destroy();
  }

  protected pauseSocket(): void {
    this.res?.pause();
  }
}

export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export const streamQuery = (session: string, counter: number): string =>
  `session=${encodeURIComponent(session)}&counter=${counter}`;
