import type { ChatEvent, NewEvent, RoomAccess } from '../core/model.js';
import type { Bus, BusMessage, Logger, Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { EventFeed } from './event-feed.js';
import { Hub } from './hub.js';
import type { LiveSession } from './live-session.js';
import { Presence, type PresenceChange } from './presence.js';
import { RecentEvents } from './recent-events.js';
import { RoomAccessChanges } from './room-access.js';
import { SessionRegistry } from './session-registry.js';
import type { EngineSettings } from './settings.js';
import { Shapes } from './shapes.js';

const TICK_MS = 100;
const SWEEP_MS = 5_000;
const FLUSH_MS = 30_000;
const PRUNE_MS = 60 * 60_000;

/**
 * The running machinery: the ordered event feed, the hub of held observes, live sessions and presence,
 * and the timers that keep them honest. Transport-free; use cases drive it.
 */
export class Engine {
  readonly hub: Hub;
  readonly recent: RecentEvents;
  readonly feed: EventFeed;
  readonly sessions: SessionRegistry;
  readonly presence: Presence;
  readonly shapes: Shapes;
  /** The latest access fact of each room, for checks that read the store before acting. */
  readonly access = new RoomAccessChanges();
  /** Running totals for monitoring. */
  readonly stats = { events: 0, slowReaderCloses: 0 };
  /** Counters at or below this may have lost events to retention. */
  prunedThrough: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private presenceWrites: Promise<void> = Promise.resolve();
  private readonly eventListeners: Array<(e: ChatEvent) => void> = [];
  private sessionWrites: Promise<void> = Promise.resolve();

  private constructor(
    readonly store: Store,
    readonly settings: EngineSettings,
    readonly clock: Clock,
    readonly log: Logger,
    readonly bus: Bus,
    current: number,
    prunedThrough: number,
  ) {
    this.shapes = new Shapes(settings.publicUrl);
    this.hub = new Hub(settings.observeHoldMs);
    this.recent = new RecentEvents(settings.recentEvents);
    this.prunedThrough = prunedThrough;
    this.feed = new EventFeed(
      store.events,
      current,
      (e) => {
        this.recent.push(e);
        this.stats.events++;
        if (e.body.kind === 'access') this.applyAccess(e, e.body.access);
        else this.hub.deliver(e);
        for (const listener of this.eventListeners) listener(e);
      },
      (err) => log.error({ err }, 'event feed'),
    );
    this.presence = new Presence(
      settings.presenceGraceMs,
      (s) => this.persistOnline(s),
      (change) => this.announce(change),
    );
    this.sessions = new SessionRegistry(store, settings.sessionIdleMs, (s, endedHere) => {
      this.presence.remove(s);
      this.hub.release(s.id);
      if (!endedHere) return;
      this.bus.publish({ kind: 'session', id: s.id });
      if (s.guest) this.retireGuest(s.userId);
    });
    bus.subscribe((m) => this.receive(m));
  }

  static async start(
    store: Store,
    settings: EngineSettings,
    clock: Clock,
    log: Logger,
    bus: Bus,
  ): Promise<Engine> {
    const engine = new Engine(
      store,
      settings,
      clock,
      log,
      bus,
      await store.events.current(),
      await store.events.prunedThrough(),
    );
    for (const s of await engine.sessions.restore(clock.now())) {
      engine.presence.restore(s);
      // Online at the last stop: this process holds the user online until the grace period says otherwise.
      if (s.online) await bus.presence(s.userId, true);
    }
    engine.every(TICK_MS, () => engine.tick());
    // Short settings (tests) get proportionally faster sweeps.
    const sweepMs = Math.min(SWEEP_MS, Math.max(TICK_MS, settings.presenceGraceMs / 4));
    const flushMs = Math.min(FLUSH_MS, Math.max(TICK_MS, settings.sessionIdleMs / 4));
    engine.every(sweepMs, () => engine.presence.sweep(engine.clock.now()));
    engine.every(flushMs, async () => {
      // Guests whose sessions ended while only in the store are retired too.
      for (const userId of await engine.sessions.expire(engine.clock.now()))
        if ((await store.users.byId(userId))?.guest) engine.retireGuest(userId);
    });
    engine.every(Math.min(PRUNE_MS, Math.max(TICK_MS, settings.eventRetentionMs / 2)), () => engine.prune());
    void engine.prune();
    return engine;
  }

  /** Called with every event as it goes out, in counter order. */
  onEvent(listener: (e: ChatEvent) => void): void {
    this.eventListeners.push(listener);
  }

  /** The current counter, after picking up events that another process wrote to the store. */
  async current(): Promise<number> {
    if (this.store.events.changedElsewhere()) await this.feed.catchUp();
    return this.feed.lastId;
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

  /** Writes events to the store, then publishes them: nothing is seen that is not durable. */
  async append(events: readonly NewEvent[]): Promise<ChatEvent[]> {
    if (events.length === 0) return [];
    const stored = await this.store.events.append(events);
    this.published(stored);
    return stored;
  }

  /** Hands out events this process has just stored, here and in every other process. */
  published(events: ChatEvent[]): void {
    this.feed.publish(events);
    this.bus.publish({ kind: 'events', events });
  }

  /** A session's record changed here: other processes reload it. */
  sessionChanged(id: string): void {
    this.bus.publish({ kind: 'session', id });
  }

  /** A user renamed themself here: their sessions, in every process, take the name. */
  async renamed(userId: number, name: string): Promise<void> {
    await this.renameSessions(userId, name);
    this.bus.publish({ kind: 'renamed', userId, name });
  }

  private async renameSessions(userId: number, name: string): Promise<void> {
    for (const s of this.sessions.values())
      if (s.userId === userId) {
        s.userName = name;
        s.nickname = name;
        await this.store.sessions.update(s.id, { nickname: name });
      }
  }

  /**
   * Sets the rooms a session follows: at once in memory (its held observes are answered and its streams
   * restart, as they were registered for the old set), then in the store, writes kept in call order.
   */
  setRooms(s: LiveSession, rooms: string[]): Promise<void> {
    s.rooms = rooms;
    this.hub.release(s.id);
    const written = this.sessionWrites.then(() => this.store.sessions.setRooms(s.id, rooms));
    this.sessionWrites = written.catch((err: unknown) => this.log.error({ err }, 'saving subscriptions'));
    return written;
  }

  /**
   * An access fact comes through the log: before any later event goes out, visitors' streams of a room
   * that is no longer public end, and this process's sessions that may no longer see it stop following it.
   * Every process does this for its own connections when the fact reaches it.
   */
  private applyAccess(e: ChatEvent, access: RoomAccess): void {
    const allows = this.access.record(e, access);
    if (!allows(undefined)) this.hub.endVisitors(e.roomId);
    for (const s of this.sessions.values())
      if (s.rooms.includes(e.roomId) && !allows(s.userId))
        void this.setRooms(
          s,
          s.rooms.filter((r) => r !== e.roomId),
        ).catch(() => undefined);
  }

  /**
   * The one writer of leaving a room: the membership event, and for a private room the access fact that
   * takes it from the one who left, in one transaction, then published.
   */
  async leaveRoom(roomId: string, userId: number, at: number): Promise<boolean> {
    const online = this.presence.isUserOnline(userId);
    const events = await this.store.rooms.leave(roomId, userId, (member, room, members) => [
      {
        roomId,
        createdAt: at,
        body: { kind: 'membership', membership: this.shapes.membership(member, online, 'quit') },
      },
      ...(room.isPublic ? [] : [accessFact(roomId, at, { isPublic: false, deleted: false, members })]),
    ]);
    if (events) this.published(events);
    return events !== undefined;
  }

  /** Stops timers, answers held observes and writes what is pending. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.hub.releaseAll();
    await this.presenceWrites;
    await this.sessions.flush(this.clock.now());
  }

  private tick(): void {
    this.hub.expire(this.clock.now());
    // Another process (the admin command line, a worker that died before telling) wrote to the store, or
    // the last read failed: pick the events up.
    if (this.store.events.changedElsewhere() || this.feed.stale) void this.feed.catchUp();
  }

  private receive(m: BusMessage): void {
    switch (m.kind) {
      case 'events':
        this.feed.publish(m.events);
        break;
      case 'session':
        void this.reloadSession(m.id).catch((err: unknown) => this.log.error({ err }, 'reloading a session'));
        break;
      case 'renamed':
        void this.renameSessions(m.userId, m.name).catch((err: unknown) =>
          this.log.error({ err }, 'renaming sessions'),
        );
        break;
      case 'online':
        this.presence.setElsewhere(m.userId, m.online);
        break;
    }
  }

  /** Another process changed or ended a session that this one may hold: take the store's word for it. */
  private async reloadSession(id: string): Promise<void> {
    const change = await this.sessions.reload(id);
    if (!change) return;
    const { session: s, roomsChanged } = change;
    if (roomsChanged) this.hub.release(s.id);
    if (s.hidden && s.online) this.presence.hide(s);
    else if (!s.hidden && !s.online) this.presence.show(s, this.clock.now());
  }

  private async prune(): Promise<void> {
    const removed = await this.store.events.prune(this.clock.now() - this.settings.eventRetentionMs);
    if (removed > 0) {
      this.prunedThrough = await this.store.events.prunedThrough();
      this.log.info({ removed, prunedThrough: this.prunedThrough }, 'pruned old events');
    }
  }

  /** Runs `task` every `ms` until the engine stops; failures are logged, never thrown. */
  every(ms: number, task: () => unknown): void {
    const t = setInterval(() => {
      Promise.resolve()
        .then(task)
        .catch((err: unknown) => this.log.error({ err }, 'periodic task failed'));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private persistOnline(s: LiveSession): void {
    this.store.sessions
      .update(s.id, { online: s.online })
      .catch((err: unknown) => this.log.error({ err }, 'saving presence'));
  }

  /** A guest's session ended: the guest leaves every room (with membership events) and is forgotten. */
  private retireGuest(userId: number): void {
    // After the offline presence events, which need the guest's rooms.
    this.presenceWrites = this.presenceWrites
      .then(async () => {
        const at = this.clock.now();
        for (const room of await this.store.rooms.roomIdsOf(userId)) await this.leaveRoom(room, userId, at);
        await this.store.users.delete(userId);
      })
      .catch((err: unknown) => this.log.error({ err }, 'retiring a guest'));
  }

  /** One presence event per room the user belongs to, written in the order the changes happened. */
  private announce({ session, status }: PresenceChange): void {
    const at = this.clock.now();
    this.presenceWrites = this.presenceWrites
      .then(async () => {
        // With several processes, only the one that changes the user's state anywhere announces it.
        if (!(await this.bus.presence(session.userId, status === 'online'))) return;
        const rooms = await this.store.rooms.roomIdsOf(session.userId);
        await this.append(
          rooms.map((room) => ({
            roomId: room,
            createdAt: at,
            body: {
              kind: 'presence' as const,
              presence: this.shapes.presence({
                room,
                publicSessionId: session.publicId,
                username: session.username,
                nickname: session.nickname,
                status,
                at,
              }),
            },
          })),
        );
        for (const room of rooms) await this.store.rooms.touchMember(room, session.userId, at);
      })
      .catch((err: unknown) => this.log.error({ err }, 'announcing presence'));
  }
}

/** The access fact of a room, as written with the change that narrows who may see it. */
export function accessFact(
  roomId: string,
  at: number,
  access: { isPublic: boolean; deleted: boolean; members: ReadonlyArray<{ userId: number }> },
): NewEvent {
  return {
    roomId,
    createdAt: at,
    body: {
      kind: 'access',
      access: {
        isPublic: access.isPublic,
        deleted: access.deleted,
        members: access.members.map((m) => m.userId),
      },
    },
  };
}
