import type { ChatEvent } from '../core/model.js';
import type { LiveSession } from '../engine/live-session.js';
import type { ObserveSink } from '../engine/observation.js';
import type { Subscriptions } from '../engine/subscriptions.js';
import type { ApiExchange } from '../http/api-exchange.js';
import type { StreamCodec } from './codec.js';

/**
 * One held long poll. A plain object with methods rather than closures: tens of thousands are held at
 * once, so it keeps only the exchange, the codec and the JSONP name.
 */
class HeldObserve implements ObserveSink {
  constructor(
    private readonly exchange: ApiExchange,
    private readonly codec: StreamCodec,
    private readonly callback: string | undefined,
    private readonly closing: () => boolean,
  ) {}

  answer(events: readonly ChatEvent[], counter: number): void {
    const close = this.closing();
    // Most answers need no options: none is made for them.
    const options = this.callback !== undefined || close ? { callback: this.callback, close } : undefined;
    this.exchange.send(this.codec.reply(events, counter), options);
  }
}

/** Long poll (API 2.0's `event/observe`): each request waits until events come or the hold ends. */
export class LongPollTransport {
  constructor(
    private readonly subscriptions: Subscriptions,
    private readonly codec: StreamCodec,
    private readonly closing: () => boolean,
  ) {}

  async hold(
    exchange: ApiExchange,
    session: LiveSession,
    counter: number,
    callback: string | undefined,
  ): Promise<void> {
    const held = new HeldObserve(exchange, this.codec, callback, this.closing);
    exchange.onAbort(await this.subscriptions.observe(session, counter, held));
  }
}
