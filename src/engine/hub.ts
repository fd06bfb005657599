import type { ChatEvent } from '../core/model.js';
import { holdSlotMs, TimerWheel } from './timer-wheel.js';

/** Events gathered for one reply at most (spec 5.2); the client comes straight back for the rest. */
export const MAX_EVENTS_PER_REPLY = 100;

/** One held observe: answered once, with the events that arrived or with none at its deadline. */
export interface Waiter {
  readonly sessionId: string;
  readonly rooms: readonly string[];
  readonly deadline: number;
  readonly events: ChatEvent[];
  answer(events: readonly ChatEvent[]): void;
}

/** A live stream (Server-Sent Events, WebSocket): gets every batch of events until it goes away. */
export interface Stream {
  readonly sessionId: string;
  readonly rooms: readonly string[];
  readonly events: ChatEvent[];
  push(events: readonly ChatEvent[]): void;
  /** The session's rooms changed: the stream starts again from its last counter. */
  restart(): void;
  /** A visitor's room is no longer public: the stream ends for good. */
  roomClosed(): void;
  /** Its session ended elsewhere (signed out by the operator, say): the stream ends for good. */
  sessionEnded(): void;
}

/**
 * Fans events out to held observes and live streams. Events that reach one connection within a loop
 * turn go out in one write; hold deadlines share one wheel.
 */
export class Hub {
  private readonly byRoom = new Map<string, Set<Waiter>>();
  private readonly bySession = new Map<string, Set<Waiter>>();
  private readonly wheel: TimerWheel<Waiter>;
  private readonly ready = new Set<Waiter>();
  private readonly streamsByRoom = new Map<string, Set<Stream>>();
  private readonly streamsBySession = new Map<string, Set<Stream>>();
  private readonly readyStreams = new Set<Stream>();
  private flushQueued = false;
  /** Running totals for monitoring: events handed to held observes and to streams, and fan-out lag. */
  readonly stats = { observeDeliveries: 0, streamDeliveries: 0 };
  /** Called once per fan-out with how long after its creation an event went out (ms). */
  onFlushLag: ((ms: number) => void) | undefined;

  /** How often `expire` needs calling (one wheel slot): a coarser tick wakes an idle process less often. */
  readonly tickMs: number;

  constructor(holdMs: number) {
    this.tickMs = holdSlotMs(holdMs);
    this.wheel = new TimerWheel(this.tickMs);
  }

  get held(): number {
    return this.wheel.size;
  }

  get streams(): number {
    let n = 0;
    for (const set of this.streamsBySession.values()) n += set.size;
    return n;
  }

  attach(s: Stream): void {
    for (const room of s.rooms) addTo(this.streamsByRoom, room, s);
    addTo(this.streamsBySession, s.sessionId, s);
  }

  detach(s: Stream): void {
    for (const room of s.rooms) removeFrom(this.streamsByRoom, room, s);
    removeFrom(this.streamsBySession, s.sessionId, s);
    this.readyStreams.delete(s);
  }

  hold(w: Waiter): void {
    for (const room of w.rooms) addTo(this.byRoom, room, w);
    addTo(this.bySession, w.sessionId, w);
    this.wheel.add(w, w.deadline);
  }

  /** Forgets a waiter whose client went away. */
  drop(w: Waiter): void {
    for (const room of w.rooms) removeFrom(this.byRoom, room, w);
    removeFrom(this.bySession, w.sessionId, w);
    this.wheel.remove(w);
    this.ready.delete(w);
  }

  deliver(event: ChatEvent): void {
    const waiters = this.byRoom.get(event.roomId);
    const streams = this.streamsByRoom.get(event.roomId);
    if (!waiters && !streams) return;
    if (waiters)
      for (const w of waiters) {
        if (w.events.length < MAX_EVENTS_PER_REPLY) w.events.push(event);
        this.ready.add(w);
      }
    if (streams)
      for (const s of streams) {
        s.events.push(event);
        this.readyStreams.add(s);
      }
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  /** Answers a session's held observes and restarts its streams, e.g. because its subscriptions changed. */
  release(sessionId: string): void {
    const waiters = this.bySession.get(sessionId);
    if (waiters) for (const w of [...waiters]) this.answer(w);
    const streams = this.streamsBySession.get(sessionId);
    if (streams)
      for (const s of [...streams]) {
        this.detach(s);
        s.restart();
      }
  }

  /** The session is gone: its held observes are answered and its streams end for good. */
  endSession(sessionId: string): void {
    const waiters = this.bySession.get(sessionId);
    if (waiters) for (const w of [...waiters]) this.answer(w);
    const streams = this.streamsBySession.get(sessionId);
    if (streams)
      for (const s of [...streams]) {
        this.detach(s);
        s.sessionEnded();
      }
  }

  /** Ends every stream that follows the room without a session (the badge's): it is no longer public. */
  endVisitors(roomId: string): void {
    const streams = this.streamsByRoom.get(roomId);
    if (!streams) return;
    for (const s of [...streams])
      if (s.sessionId === '') {
        this.detach(s);
        s.roomClosed();
      }
  }

  /** Answers every held observe whose deadline has passed. */
  expire(now: number): void {
    for (const w of this.wheel.due(now)) this.answer(w);
  }

  /** Answers everything that is held and restarts every stream, for shutdown. */
  releaseAll(): void {
    for (const session of [...this.bySession.keys(), ...this.streamsBySession.keys()]) this.release(session);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    const ready = [...this.ready];
    this.ready.clear();
    let oldest = Infinity;
    for (const w of ready) {
      this.stats.observeDeliveries += w.events.length;
      if (w.events[0]) oldest = Math.min(oldest, w.events[0].createdAt);
      this.answer(w);
    }
    const streams = [...this.readyStreams];
    this.readyStreams.clear();
    for (const s of streams) {
      this.stats.streamDeliveries += s.events.length;
      if (s.events[0]) oldest = Math.min(oldest, s.events[0].createdAt);
      s.push(s.events.splice(0));
    }
    if (oldest !== Infinity) this.onFlushLag?.(Date.now() - oldest);
  };

  private answer(w: Waiter): void {
    this.drop(w);
    w.answer(w.events);
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
