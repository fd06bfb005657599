import type { ServerResponse } from 'node:http';
import type { ChatEvent } from '../core/model.js';
import type { LiveSession } from '../engine/live-session.js';
import type { Cancellable, ObserveSink } from '../engine/observation.js';
import type { Subscriptions } from '../engine/subscriptions.js';
import { sendApi } from '../http/respond.js';
import type { StreamCodec } from './codec.js';

const pending = Symbol('pending');
type Held = ServerResponse & { [pending]?: Cancellable };

// One listener function shared by every held response: no closure per request.
function onClose(this: Held): void {
  if (!this.writableEnded) this[pending]?.cancel();
  this[pending] = undefined;
}

/**
 * One held long poll. A plain object with methods rather than closures: tens of thousands are held at
 * once, so it keeps only the response, the codec and the JSONP name.
 */
class HeldObserve implements ObserveSink {
  constructor(
    private readonly res: ServerResponse,
    private readonly codec: StreamCodec,
    private readonly callback: string | undefined,
    private readonly closing: () => boolean,
  ) {}

  answer(events: readonly ChatEvent[], counter: number): void {
    (this.res as Held)[pending] = undefined;
    sendApi(this.res, this.codec.reply(events, counter), { callback: this.callback, close: this.closing() });
  }

  /** Cancels `work` if the client goes away before the answer. */
  onAbort(work: Cancellable): void {
    const res = this.res as Held;
    if (res.destroyed) return work.cancel();
    if (res.writableEnded) return;
    res[pending] = work;
    res.on('close', onClose);
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
    res: ServerResponse,
    session: LiveSession,
    counter: number,
    callback: string | undefined,
  ): Promise<void> {
    const held = new HeldObserve(res, this.codec, callback, this.closing);
    held.onAbort(await this.subscriptions.observe(session, counter, held));
  }
}
