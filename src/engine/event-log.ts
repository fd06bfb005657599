import { ChatError } from '../core/chat-error.js';
import type { ChatEvent, NewEvent } from '../core/model.js';
import type { Bus, BusHealth, BusMessage, EventRepository, Logger } from '../core/ports.js';
import { ErrorCode } from '../protocol/errors.js';
import { EventFeed } from './event-feed.js';
import { RecentEvents } from './recent-events.js';

/** Where a process's freshly stored events go: its own feed and the other processes (the bus). */
export interface EventWriter {
  /** Hands out events this process has just stored, with what the store told of them besides. */
  published(events: ChatEvent[], told?: StoredWith): void;
}

/** What the store told a writer along with its events, so that listeners need not ask it again. */
export interface StoredWith {
  /** Rooms of these events that had no bots when the events were stored. */
  roomsWithoutBots?: readonly string[];
}

/** Most writers have nothing to add: one shared answer rather than an object per publication. */
const TOLD_NOTHING: StoredWith = Object.freeze({});

/**
 * The event log and its feed: events are written to the store first, then handed out in counter order,
 * here and (through the bus) in every other process; recent ones stay in memory so most reads never touch
 * the store. The store tells of events written elsewhere through `watch`.
 *
 * Across nodes the bus carries each event once to every process, and the store stays quiet: it announces a
 * write only while this process's bus cannot send, or for events the bus dropped. While the bus cannot
 * bring the others' events here, the engine reads the store on each tick (`deaf`), and once more when it
 * hears again.
 */
export class EventLog implements EventWriter {
  private readonly feed: EventFeed;
  private readonly recent: RecentEvents;
  private readonly listeners: Array<(e: ChatEvent) => void> = [];
  private readonly writers: Array<(events: readonly ChatEvent[], told: StoredWith) => void> = [];
  /** Counters at or below this may have lost events to retention. */
  private pruned: number;
  /** Events handed out since start, for monitoring. */
  handedOut = 0;
  /** The bus cannot bring other processes' events: only reads of the store can. */
  private notHearing = false;

  constructor(
    private readonly events: EventRepository,
    private readonly bus: Bus,
    private readonly log: Logger,
    current: number,
    prunedThrough: number,
    recentCapacity: number,
  ) {
    this.pruned = prunedThrough;
    this.recent = new RecentEvents(recentCapacity);
    this.feed = new EventFeed(
      events,
      current,
      (e) => {
        this.recent.push(e);
        this.handedOut++;
        for (const listener of this.listeners) listener(e);
      },
      (err) => log.error({ err }, 'event feed'),
    );
    bus.watchHealth?.((health) => this.busHealth(health));
    bus.onDropped?.((messages) => this.dropped(messages));
  }

  static async open(
    events: EventRepository,
    bus: Bus,
    log: Logger,
    recentCapacity: number,
  ): Promise<EventLog> {
    return new EventLog(
      events,
      bus,
      log,
      await events.current(),
      await events.prunedThrough(),
      recentCapacity,
    );
  }

  /** Called with every event as it goes out, in counter order, once each. */
  onEvent(listener: (e: ChatEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Called with the events this process stored, as it hands them out (before any other process has them). */
  onStored(listener: (events: readonly ChatEvent[], told: StoredWith) => void): void {
    this.writers.push(listener);
  }

  /** Reads of the store that filled a gap or caught up, and how long events waited on them in all. */
  get fills(): { count: number; waitedMs: number } {
    return this.feed.fills;
  }

  /** The highest counter handed out in this process. */
  get head(): number {
    return this.feed.lastId;
  }

  /** Writes events to the store, then hands them out: nothing is seen that is not durable. */
  async append(events: readonly NewEvent[]): Promise<ChatEvent[]> {
    if (events.length === 0) return [];
    const stored = await this.events.append(events);
    this.published(stored);
    return stored;
  }

  published(events: ChatEvent[], told: StoredWith = TOLD_NOTHING): void {
    if (events.length === 0) return;
    this.feed.publish(events);
    this.bus.publish({ kind: 'events', events });
    for (const listener of this.writers) listener(events, told);
  }

  /** Events another process published (through the bus). */
  received(events: readonly ChatEvent[]): void {
    this.feed.publish(events);
  }

  /**
   * The store says it holds events through `upTo` (or more, unknown) that the bus may not bring: their
   * writer had no bus that reaches every process, or its bus failed to send them.
   */
  noticed(upTo?: number): void {
    if (upTo === undefined || upTo > this.feed.lastId) void this.catchUp();
  }

  /** True while the bus cannot bring other processes' events: read the store for them now and then. */
  get deaf(): boolean {
    return this.notHearing;
  }

  private busHealth(health: BusHealth): void {
    // The others learn of our writes from the store while the bus cannot tell them.
    this.events.announceWrites?.(!(this.bus.reachesEveryProcess && health.sending));
    const wasDeaf = this.notHearing;
    this.notHearing = !health.hearing;
    // What was said while we could not hear.
    if (wasDeaf && !this.notHearing) void this.catchUp();
  }

  private dropped(messages: readonly BusMessage[]): void {
    let upTo = 0;
    for (const m of messages) if (m.kind === 'events') for (const e of m.events) upTo = Math.max(upTo, e.id);
    if (upTo === 0 || !this.events.announce) return;
    this.events
      .announce(upTo)
      .catch((err: unknown) => this.log.warn({ err, upTo }, 'could not announce events the bus dropped'));
  }

  /** Reads what the store holds past our position (it changed elsewhere, or a read failed earlier). */
  catchUp(): Promise<void> {
    return this.feed.catchUp();
  }

  /** True when a read of the store failed and nothing has read it since. */
  get stale(): boolean {
    return this.feed.stale;
  }

  /**
   * The position to serve a client's counter from. A counter past our head may come from another process
   * that is ahead of us: read the store before treating it as the head (spec 5.1). A counter at or below it
   * needs no read: what this process has not received yet goes out with the next reply.
   */
  async headFor(counter: number): Promise<number> {
    if (counter > this.feed.lastId) await this.feed.catchUp();
    return Math.min(counter, this.feed.lastId);
  }

  /** Refuses a counter older than the retained log (spec 5.1): the client must subscribe again. */
  checkCounter(counter: number): void {
    if (counter < this.pruned)
      throw new ChatError(
        ErrorCode.invalidCounter,
        'The counter is older than the retained event log; subscribe again to get a fresh counter.',
      );
  }

  /** True when every event after `counter` is in memory. */
  inMemoryAfter(counter: number): boolean {
    return this.recent.covers(counter);
  }

  /** Up to `limit` events after `counter` that pass `wanted`, from memory. Call only when `inMemoryAfter`. */
  recentAfter(counter: number, limit: number, wanted: (e: ChatEvent) => boolean): ChatEvent[] {
    return this.recent.after(counter, limit, wanted);
  }

  /** Up to `limit` visible events of the rooms after `counter`, from the store. */
  storedAfter(counter: number, limit: number, rooms?: readonly string[]): Promise<ChatEvent[]> {
    return this.events.after(counter, limit, rooms);
  }

  /** Up to `limit` events of one room after `counter` (occupancy lines included), from the store. */
  storedInRoom(roomId: string, counter: number, limit: number): Promise<ChatEvent[]> {
    return this.events.inRoom(roomId, counter, limit);
  }

  /** Drops events older than `olderThan` from the store. */
  async prune(olderThan: number): Promise<void> {
    const removed = await this.events.prune(olderThan);
    if (removed === 0) return;
    this.pruned = await this.events.prunedThrough();
    this.log.info({ removed, prunedThrough: this.pruned }, 'pruned old events');
  }
}
