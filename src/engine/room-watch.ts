import type { ChatEvent } from '../core/model.js';
import { MAX_EVENTS_PER_REPLY } from './hub.js';
import { holdSlotMs, TimerWheel } from './timer-wheel.js';

/** One held API 1.0 observe: of a room, by one of its occupants, or of a user's profile (spec 7.2, 7.6). */
export interface Watcher {
  /** What it watches: a room id, or `profileTopic(userId)`. */
  readonly topic: string;
  /** Who holds it (an occupant, a session observing its user's profile): one held observe each. */
  readonly holder: string;
  readonly deadline: number;
  readonly events: ChatEvent[];
  /** Whether the event is for it (a private line for someone else is not). */
  wants(e: ChatEvent): boolean;
  /** Called once: with the events that came, or none (the hold ended, or a newer observe replaced it). */
  answer(events: readonly ChatEvent[]): void;
}

/** The topic of a user's profile: what user.observe waits on. */
export const profileTopic = (userId: number): string => `user:${userId}`;

/** Holders of profile observes are named so (occupants, the other holders, are base62 ids). */
export const PROFILE_HOLDER = 'profile:';

/** The user whose profile (rooms joined or owned, name, occupants) a fact changes, if any. */
export function profileChangedBy(e: ChatEvent): number | undefined {
  if (e.fact.kind === 'membership') return e.fact.membership.userId;
  if (e.fact.kind === 'occupancy' && e.fact.occupancy.type !== 'private')
    return e.fact.occupancy.userId ?? undefined;
  return undefined;
}

/**
 * API 1.0's held observes. Each waits on one topic (API 1.0 long-polls each room apart), takes the events
 * of it that it may see as the event log hands them out, and is answered once per loop turn; deadlines
 * share one timer wheel, as the hub's do. A holder has one observe held at most: a newer one answers the
 * older at once with nothing (spec 7.6: error 122 is never sent).
 */
export class RoomWatch {
  private readonly byTopic = new Map<string, Set<Watcher>>();
  private readonly byHolder = new Map<string, Watcher>();
  private readonly wheel: TimerWheel<Watcher>;
  private readonly ready = new Set<Watcher>();
  private flushQueued = false;

  /** Deadlines are kept to the hub's slots, so the engine's one tick expires both. */
  constructor(holdMs: number) {
    this.wheel = new TimerWheel(holdSlotMs(holdMs));
  }

  get held(): number {
    return this.wheel.size;
  }

  hold(w: Watcher): void {
    this.release(w.holder);
    let set = this.byTopic.get(w.topic);
    if (!set) this.byTopic.set(w.topic, (set = new Set()));
    set.add(w);
    this.byHolder.set(w.holder, w);
    this.wheel.add(w, w.deadline);
  }

  /** Every holder with an observe held here. */
  holders(): string[] {
    return [...this.byHolder.keys()];
  }

  /** Answers the holder's held observe with nothing: a newer observe came, or its ticket went. */
  release(holder: string): void {
    const w = this.byHolder.get(holder);
    if (!w) return;
    this.drop(w);
    w.answer([]);
  }

  /** Answers every observe held on the topic with what it has (a room narrowed: each comes back to be checked). */
  releaseTopic(topic: string): void {
    const set = this.byTopic.get(topic);
    if (set) for (const w of [...set]) this.answer(w);
  }

  /** Forgets a watcher whose client went away. */
  drop(w: Watcher): void {
    const set = this.byTopic.get(w.topic);
    set?.delete(w);
    if (set?.size === 0) this.byTopic.delete(w.topic);
    if (this.byHolder.get(w.holder) === w) this.byHolder.delete(w.holder);
    this.wheel.remove(w);
    this.ready.delete(w);
  }

  /** Every event the log hands out, in counter order. */
  deliver(e: ChatEvent): void {
    this.offer(e.roomId, e);
    const user = profileChangedBy(e);
    if (user !== undefined) this.offer(profileTopic(user), e);
  }

  /** Answers every held observe whose deadline has passed. */
  expire(now: number): void {
    for (const w of this.wheel.due(now)) this.answer(w);
  }

  /** Answers everything held, for shutdown. */
  releaseAll(): void {
    for (const w of [...this.byHolder.values()]) this.answer(w);
  }

  private offer(topic: string, e: ChatEvent): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    for (const w of set)
      if (w.events.length < MAX_EVENTS_PER_REPLY && w.wants(e)) {
        w.events.push(e);
        this.ready.add(w);
      }
    if (this.ready.size > 0 && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    const ready = [...this.ready];
    this.ready.clear();
    for (const w of ready) this.answer(w);
  };

  private answer(w: Watcher): void {
    this.drop(w);
    w.answer(w.events);
  }
}
