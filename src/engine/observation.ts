import type { ChatEvent } from '../core/model.js';
import type { Live } from './live.js';
import type { Waiter } from './hub.js';
import type { LiveSession } from './live-session.js';

/** Where an observe's answer goes (the transport). */
export interface ObserveSink {
  answer(events: readonly ChatEvent[], counter: number): void;
}

export interface Cancellable {
  cancel(): void;
}

/**
 * One observe in flight. A plain object with methods rather than closures: tens of thousands are held
 * at once, so every byte per request counts.
 */
export class Observation implements Waiter, Cancellable {
  readonly events: ChatEvent[] = [];
  readonly sessionId: string;
  readonly rooms: readonly string[];
  private done = false;

  constructor(
    private readonly live: Live,
    private readonly session: LiveSession,
    private readonly from: number,
    private readonly sink: ObserveSink,
    readonly deadline: number,
  ) {
    this.sessionId = session.id;
    this.rooms = session.rooms;
    live.presence.observeStarted(session, live.clock.now());
  }

  answer(events: readonly ChatEvent[]): void {
    if (this.done) return;
    this.done = true;
    const now = this.live.clock.now();
    this.live.presence.observeEnded(this.session, now);
    this.live.sessions.touch(this.session, now);
    this.sink.answer(events, events.length > 0 ? (events[events.length - 1] as ChatEvent).id : this.from);
  }

  hold(): void {
    this.live.hub.hold(this);
  }

  /** The client went away: forget it without answering. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.live.hub.drop(this);
    this.live.presence.observeEnded(this.session, this.live.clock.now());
  }
}
