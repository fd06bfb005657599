import { notFound } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { isVisible, type ChatEvent } from '../core/model.js';
import type { Bus, Store } from '../core/ports.js';
import type { Followers } from './followers.js';
import { MAX_EVENTS_PER_REPLY } from './hub.js';
import type { Live } from './live.js';
import { DEPARTURE_MS } from './presence.js';
import type { LiveSession } from './live-session.js';
import { Observation, type Cancellable, type ObserveSink } from './observation.js';
import type { RoomAccessChanges } from './room-access.js';
import type { Rooms } from './rooms.js';
import { StreamSubscription, type StreamSink } from './stream-subscription.js';

/** Events a session following `rooms` receives: theirs, and never an access fact. */
function following(rooms: readonly string[]): (e: ChatEvent) => boolean {
  return (e) => rooms.includes(e.roomId) && isVisible(e);
}

/**
 * What a session follows and how it hears of it: subscribing, and the one counter that long poll, SSE and
 * WebSocket all resume from.
 */
export class Subscriptions {
  constructor(
    private readonly live: Live,
    private readonly store: Store,
    private readonly rooms: Rooms,
    private readonly followers: Followers,
    private readonly access: RoomAccessChanges,
    private readonly bus: Bus,
    private readonly observeHoldMs: number,
  ) {}

  async subscribe(s: LiveSession, rooms: readonly string[], reset: boolean): Promise<number> {
    const since = this.live.log.head;
    for (const id of rooms) await this.rooms.visible(s, id);
    // A room closed to this user while the checks read the store is refused as if never open to them;
    // from here to the change there is no await, so any later access fact finds the session following it.
    const closed = rooms.find((r) => this.access.revokedSince(r, since, s.userId));
    if (closed !== undefined) throw notFound(phrase('noRoom', { room: closed }));
    const next = reset ? [...rooms] : [...s.rooms, ...rooms.filter((r) => !s.rooms.includes(r))];
    // Unchanged subscriptions leave held observes and open streams alone.
    if (next.length !== s.rooms.length || next.some((r, i) => r !== s.rooms[i])) await this.setRooms(s, next);
    return this.live.log.head;
  }

  /** The session's page is closing (it said so as it went): offline within seconds unless it comes back. */
  departing(s: LiveSession): void {
    const { presence, clock } = this.live;
    presence.depart(s);
    setTimeout(() => presence.settle(s, clock.now()), 2 * DEPARTURE_MS).unref();
  }

  async unsubscribe(s: LiveSession, rooms: readonly string[]): Promise<number> {
    const next = s.rooms.filter((r) => !rooms.includes(r));
    if (next.length !== s.rooms.length) await this.setRooms(s, next);
    return this.live.log.head;
  }

  /** The client changed its subscriptions: here at once, and in every other process holding the session. */
  private async setRooms(s: LiveSession, rooms: string[]): Promise<void> {
    await this.followers.setRooms(s, rooms);
    this.bus.publish({ kind: 'session', id: s.id });
  }

  /**
   * Answers at once with events after `counter` in the session's rooms, or holds until one arrives or
   * the hold ends. The returned handle cancels it for a client that goes away.
   */
  async observe(s: LiveSession, counter: number, sink: ObserveSink): Promise<Cancellable> {
    const { log } = this.live;
    log.checkCounter(counter);
    // A counter past the head (say, after a data reset) counts as the head (spec 5.1).
    const from = await log.headFor(counter);
    const head = log.head;
    let ready: ChatEvent[] = [];
    if (from < head) {
      if (log.inMemoryAfter(from)) ready = log.recentAfter(from, MAX_EVENTS_PER_REPLY, following(s.rooms));
      else {
        ready = await log.storedAfter(from, MAX_EVENTS_PER_REPLY, s.rooms);
        // Whatever went out while the store was read is in memory.
        if (ready.length === 0 && log.inMemoryAfter(head))
          ready = log.recentAfter(head, MAX_EVENTS_PER_REPLY, following(s.rooms));
        // The session may have stopped following a room meanwhile (a room closed to it, say).
        else ready = ready.filter((e) => s.rooms.includes(e.roomId));
      }
    }
    // From here to the hold nothing awaits: whatever changes the session's rooms later releases this hold.
    const deadline = this.live.clock.now() + this.observeHoldMs;
    const observation = new Observation(this.live, s, from, sink, deadline);
    if (ready.length > 0) observation.answer(ready);
    else observation.hold();
    return observation;
  }

  /**
   * Opens a live stream: everything after `counter` in the session's rooms, then each new event as it
   * happens. The same counter as observe, so a client can switch transports and resume.
   */
  async stream(s: LiveSession, counter: number, sink: StreamSink): Promise<StreamSubscription> {
    this.live.log.checkCounter(counter);
    const subscription = new StreamSubscription(this.live, s, await this.live.log.headFor(counter), sink);
    await subscription.start();
    return subscription;
  }

  /** A read-only stream of one public room, for visitors without a session (the badge). */
  async publicStream(
    roomId: string,
    counter: number | undefined,
    sink: StreamSink,
  ): Promise<StreamSubscription> {
    const { log } = this.live;
    const since = log.head;
    const room = await this.store.rooms.byId(roomId);
    // Closed while it was read: refused like a room that never was public. No await from here to the
    // attach, so a later access fact finds the stream and ends it.
    if (!room || !room.isPublic || this.access.revokedSince(roomId, since, undefined))
      throw notFound(phrase('noRoom', { room: roomId }));
    const head = log.head;
    // Resuming is served from memory only, and never from before the room last changed who may see it: a
    // badge that was away longer simply starts from now.
    const resumable = counter !== undefined && log.inMemoryAfter(counter);
    const from = resumable ? Math.max(Math.min(counter, head), this.access.lastChange(roomId)) : head;
    const subscription = new StreamSubscription(this.live, undefined, from, sink, [room.id]);
    await subscription.start();
    return subscription;
  }
}
