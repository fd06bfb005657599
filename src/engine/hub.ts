import type { ChatEvent } from '../core/model.js';
import { TimerWheel } from './timer-wheel.js';

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

/**
 * Fans events out to held observes. Events that reach one waiter within a loop turn go out in one
 * reply; deadlines share one wheel.
 */
export class Hub {
  private readonly byRoom = new Map<string, Set<Waiter>>();
  private readonly bySession = new Map<string, Set<Waiter>>();
  private readonly wheel: TimerWheel<Waiter>;
  private readonly ready = new Set<Waiter>();
  private flushQueued = false;

  /** Deadlines are kept to a tenth of the hold (at most a second), so a hold ends up to that much early. */
  constructor(holdMs: number) {
    this.wheel = new TimerWheel(Math.min(1000, Math.max(10, Math.floor(holdMs / 10))));
  }

  get held(): number {
    return this.wheel.size;
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
    if (!waiters) return;
    for (const w of waiters) {
      if (w.events.length < MAX_EVENTS_PER_REPLY) w.events.push(event);
      this.ready.add(w);
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  /** Answers a session's held observes now, e.g. because its subscriptions changed. */
  release(sessionId: string): void {
    const waiters = this.bySession.get(sessionId);
    if (!waiters) return;
    for (const w of [...waiters]) this.answer(w);
  }

  /** Answers every held observe whose deadline has passed. */
  expire(now: number): void {
    for (const w of this.wheel.due(now)) this.answer(w);
  }

  /** Answers everything that is held, for shutdown. */
  releaseAll(): void {
    for (const waiters of [...this.bySession.values()]) for (const w of [...waiters]) this.answer(w);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    const ready = [...this.ready];
    this.ready.clear();
    for (const w of ready) this.answer(w);
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
