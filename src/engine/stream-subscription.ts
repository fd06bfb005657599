import { isVisible, type ChatEvent } from '../core/model.js';
import type { Live } from './live.js';
import type { Stream } from './hub.js';
import type { LiveSession } from './live-session.js';
import type { Cancellable } from './observation.js';

/**
 * Why a stream ends. `invalid_session` and `room_closed` (a visitor's room is no longer public) are final;
 * the others mean "reconnect and resume from your counter".
 */
export type StreamEnd = 'resubscribe' | 'shutdown' | 'slow_reader' | 'invalid_session' | 'room_closed';

/** Where a stream's events go (a WebSocket or an event-stream response). */
export interface StreamSink {
  send(events: readonly ChatEvent[], counter: number): void;
  end(reason: StreamEnd): void;
}

const PAGE = 1000;

/**
 * A persistent subscription: first everything after the client's counter, then every new event of the
 * session's rooms, in counter order, once each. The session counts as observing while it is open.
 */
export class StreamSubscription implements Stream, Cancellable {
  readonly events: ChatEvent[] = [];
  readonly sessionId: string;
  readonly rooms: readonly string[];
  /** Counter of the last event sent. */
  private last: number;
  /** Live events that arrive while the backlog is read from the store. */
  private backlog: ChatEvent[] | undefined;
  private closed = false;

  /**
   * `session` follows that session's rooms and keeps it online while open; without one (a public
   * badge) the stream follows the given public rooms anonymously.
   */
  constructor(
    private readonly live: Live,
    private readonly session: LiveSession | undefined,
    from: number,
    private readonly sink: StreamSink,
    publicRooms: readonly string[] = [],
  ) {
    this.sessionId = session?.id ?? '';
    this.rooms = session?.rooms ?? publicRooms;
    this.last = from;
  }

  async start(): Promise<void> {
    const { live } = this;
    if (this.session) live.presence.observeStarted(this.session, live.clock.now());
    const head = live.log.head;
    const wanted = (e: ChatEvent): boolean => this.rooms.includes(e.roomId) && isVisible(e);
    if (this.last >= head) {
      live.hub.attach(this);
      return;
    }
    if (live.log.inMemoryAfter(this.last)) {
      // Synchronous catch-up from memory, then live: nothing can slip in between.
      this.send(live.log.recentAfter(this.last, Number.MAX_SAFE_INTEGER, wanted), head);
      live.hub.attach(this);
      return;
    }
    this.backlog = [];
    live.hub.attach(this);
    for (let cursor = this.last; cursor < head && !this.closed;) {
      const page = await live.log.storedAfter(cursor, PAGE);
      if (page.length === 0) break;
      cursor = (page[page.length - 1] as ChatEvent).id;
      this.send(
        page.filter((e) => e.id <= head && wanted(e)),
        Math.min(cursor, head),
      );
    }
    const arrived = this.backlog;
    this.backlog = undefined;
    this.push(arrived);
  }

  push(events: readonly ChatEvent[]): void {
    if (this.backlog) {
      this.backlog.push(...events);
      return;
    }
    const first = events[0];
    if (!first) return;
    // Live events are all new (the common case, once per delivery): only a catch-up overlaps them.
    const fresh = first.id > this.last ? events : events.filter((e) => e.id > this.last);
    if (fresh.length > 0) this.send(fresh, (fresh[fresh.length - 1] as ChatEvent).id);
  }

  restart(): void {
    this.end('resubscribe');
  }

  roomClosed(): void {
    this.end('room_closed');
  }

  sessionEnded(): void {
    this.end('invalid_session');
  }

  /** Ends the stream from our side. */
  end(reason: StreamEnd): void {
    if (this.closed) return;
    if (reason === 'slow_reader') this.live.stats.slowReaderCloses++;
    this.cancel();
    this.sink.end(reason);
  }

  /** The connection went away. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.live.hub.detach(this);
    if (!this.session) return;
    this.live.presence.observeEnded(this.session, this.live.clock.now());
    this.live.sessions.touch(this.session, this.live.clock.now());
  }

  private send(events: readonly ChatEvent[], counter: number): void {
    if (this.closed) return;
    this.last = Math.max(this.last, counter);
    if (events.length > 0) this.sink.send(events, this.last);
  }
}
