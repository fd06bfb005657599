import { Heartbeat } from '../core/heartbeat.js';
import { isVisible } from '../core/model.js';
import type { AccountChange, ChatEvent } from '../core/model.js';
import type { BusMessage, Bus, LimitCounters, Logger, Store, Webhooks } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { Accounts } from './accounts.js';
import { Administration } from './administration.js';
import { BotDelivery, type BotOutcome } from './bot-delivery.js';
import { Bots } from './bots.js';
import { CallLimits } from './call-limits.js';
import { Conversation } from './conversation.js';
import { EventLog } from './event-log.js';
import { Followers } from './followers.js';
import { Hub } from './hub.js';
import type { Live } from './live.js';
import { Memberships } from './memberships.js';
import { Occupancy } from './occupancy.js';
import { Operator } from './operator.js';
import { BoundedHasher, hashPassword } from './password.js';
import { Presence } from './presence.js';
import { PresenceAnnouncer } from './presence-announcer.js';
import { Queries } from './queries.js';
import { RoomAccessChanges } from './room-access.js';
import { RoomWatch } from './room-watch.js';
import { RoomChanges } from './room-changes.js';
import { Rooms } from './rooms.js';
import { SessionRegistry } from './session-registry.js';
import type { EngineSettings } from './settings.js';
import { SignInGuard } from './sign-in-guard.js';
import { SignInLog } from './sign-in-log.js';
import { Subscriptions } from './subscriptions.js';
import { V1Profiles } from './v1-profiles.js';
import { V1Rooms } from './v1-rooms.js';
import { V1Sessions } from './v1-sessions.js';

/** The shortest period of any housekeeping task, however short the settings (tests). */
const MIN_PERIOD_MS = 100;
const SWEEP_MS = 5_000;
const FLUSH_MS = 30_000;
const PRUNE_MS = 60 * 60_000;
const MINUTE = 60_000;
/** A bot's lease outlasts its longest delivery (20 s request, then the reply stored) with room to spare. */
const BOT_LEASE_MS = 60_000;
/** A holder with nothing to deliver gives its lease up after this, so an idle room holds nothing. */
const BOT_IDLE_MS = 5_000;
/** How often lines whose holder died are looked for (their lease has to run out first anyway). */
const BOT_SWEEP_MS = 10_000;

/** What the engine needs to reach bots: the outbound HTTP adapter and the webhook's body (spec 6.2). */
export interface BotOutbound {
  webhooks: Webhooks;
  render: (e: ChatEvent) => string;
}

/** The adapters a process gives its chat service beyond the store and the bus. */
export interface ChatAdapters {
  /** Rate limits shared with the other nodes; without, each process keeps its own. */
  sharedLimits?: LimitCounters;
  /**
   * The process's one periodic timer, shared with the bus; its beat must be the hub's tick
   * (`holdSlotMs(observeHoldMs)`). Without, the chat keeps one of its own.
   */
  heartbeat?: Heartbeat;
  bots: BotOutbound;
}

/** What monitoring reads at one moment: the state of the fan-out and running totals. */
export interface MonitorReading {
  counter: number;
  sessions: number;
  heldObserves: number;
  streams: number;
  onlineUsers: number;
  /** Events handed out, deliveries to held observes and to streams, streams closed as slow readers. */
  events: number;
  observeDeliveries: number;
  streamDeliveries: number;
  slowReaderCloses: number;
  passwordHashes: number;
  /** Reads of the store to fill a gap in the counter or catch up, and the time they took in all. */
  feedFills: number;
  feedFillMs: number;
}

export interface Monitor {
  read(): MonitorReading;
  /** Called once per fan-out with how long after its creation an event went out (ms). */
  onFanOutLag(listener: (ms: number) => void): void;
  /** Called after each delivery to a bot, failure and drop. */
  onBotOutcome(listener: (botId: string, outcome: BotOutcome) => void): void;
}

/**
 * The chat service of one process: its roles (the event log and its feed, the fan-out hub, live sessions,
 * presence, room access) wired together and kept honest by timers, and the use cases the adapters call.
 * Adapters see only the use cases, the read side and the monitor, never the store or the roles.
 */
export class Chat {
  readonly accounts: Accounts;
  readonly rooms: Rooms;
  readonly conversation: Conversation;
  readonly subscriptions: Subscriptions;
  readonly queries: Queries;
  /** API 1.0: its sessions, its rooms (occupants, tickets, per-room observe) and its profiles. */
  readonly v1Sessions: V1Sessions;
  readonly occupancy: Occupancy;
  readonly v1Profiles: V1Profiles;
  readonly v1Rooms: V1Rooms;
  readonly bots: Bots;
  /** The site operator's use cases (the admin page's; the command line builds its own). */
  readonly operator: Operator;
  readonly monitor: Monitor;
  /** The last sign-ins of this process and how each went (the admin page's). */
  readonly signInLog = new SignInLog();

  private readonly log: EventLog;
  private readonly hub: Hub;
  private readonly sessions: SessionRegistry;
  private readonly presence: Presence;
  private readonly announcer: PresenceAnnouncer;
  private readonly followers: Followers;
  private readonly memberships: Memberships;
  private readonly live: Live;
  private readonly watch: RoomWatch;
  private readonly botDelivery: BotDelivery;
  private readonly heartbeat: Heartbeat;
  private readonly cancels: Array<() => void> = [];
  private readonly pending = new Set<NodeJS.Timeout>();
  private unwatch: () => void = () => undefined;

  private constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly settings: EngineSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    log: EventLog,
    adapters: ChatAdapters,
  ) {
    const { sharedLimits } = adapters;
    this.log = log;
    this.hub = new Hub(settings.observeHoldMs);
    this.heartbeat = adapters.heartbeat ?? new Heartbeat(this.hub.tickMs);
    if (this.heartbeat.beatMs > this.hub.tickMs)
      throw new Error(
        `the heartbeat (${this.heartbeat.beatMs} ms) is slower than the hub's tick (${this.hub.tickMs} ms)`,
      );
    const access = new RoomAccessChanges();
    this.announcer = new PresenceAnnouncer(store, log, bus, clock, logger);
    this.presence = new Presence(
      settings.presenceGraceMs,
      (s) => this.announcer.persistOnline(s),
      (change) => this.announcer.announce(change),
    );
    this.sessions = new SessionRegistry(store, settings.sessionIdleMs, (s, endedHere) => {
      this.presence.remove(s);
      // Ended elsewhere, it is gone from the store: its streams end for good rather than reconnect to nothing.
      if (!endedHere) {
        this.hub.endSession(s.id);
        return;
      }
      this.hub.release(s.id);
      bus.publish({ kind: 'session', id: s.id });
      if (s.guest) this.retireGuest(s.userId);
    });
    this.followers = new Followers(store, this.sessions, this.hub, access, logger);
    this.watch = new RoomWatch(settings.observeHoldMs);
    log.onEvent((e) => {
      if (e.fact.kind === 'account') {
        this.accountChanged(e.fact.account);
        return;
      }
      if (e.fact.kind === 'access') {
        this.followers.apply(e, e.fact.access);
        this.occupancy
          .narrowed(e, e.fact.access)
          .catch((err: unknown) => logger.error({ err }, 'closing a room to its occupants'));
        return;
      }
      if (isVisible(e)) this.hub.deliver(e);
      this.watch.deliver(e);
      this.botDelivery.heard(e);
    });
    this.memberships = new Memberships(store, log, this.presence, clock);
    const stats = { slowReaderCloses: 0 };
    this.live = { hub: this.hub, presence: this.presence, sessions: this.sessions, log, clock, stats };
    const hasher = new BoundedHasher(settings.passwordCost, settings.hashConcurrency, settings.hashQueue);
    const administration = new Administration(store, this.memberships, hasher, clock);
    this.queries = new Queries(store, this.presence, () => log.head, clock);
    const limits = new CallLimits(settings, sharedLimits);
    this.accounts = new Accounts({
      store,
      sessions: this.sessions,
      presence: this.presence,
      bus,
      memberships: this.memberships,
      administration,
      signInLog: this.signInLog,
      signIns: new SignInGuard(
        {
          failuresPerAccountAndAddress: settings.loginFailuresPerAccount,
          failuresPerAddress: settings.loginFailuresPerAddress,
          failuresPerAccount: settings.loginFailuresAccountTotal,
          windowMs: settings.loginWindowMs,
          attemptsPerAddress: settings.loginAttemptsPerAddress,
        },
        sharedLimits,
      ),
      sharedLimits,
      hasher,
      limits,
      clock,
      dummyHash: hashPassword('not a password', settings.passwordCost),
    });
    const roomChanges = new RoomChanges(store, log, clock, hasher);
    this.operator = new Operator({
      store,
      memberships: this.memberships,
      rooms: roomChanges,
      events: log,
      hasher,
      clock,
    });
    this.rooms = new Rooms(store, this.queries, this.memberships, administration, roomChanges, clock, hasher);
    this.conversation = new Conversation(store, this.rooms, log, this.presence, limits, clock);
    this.subscriptions = new Subscriptions(
      this.live,
      store,
      this.rooms,
      this.followers,
      access,
      bus,
      settings.observeHoldMs,
    );
    const onError = (err: unknown) => logger.error({ err }, 'answering an API 1.0 observe');
    this.v1Sessions = new V1Sessions({
      store,
      events: log,
      registry: this.sessions,
      watch: this.watch,
      limits,
      login: this.accounts,
      clock,
      log: logger,
      ticketIdleMs: settings.v1TicketIdleMs,
      sessionIdleMs: settings.v1SessionIdleMs,
    });
    this.occupancy = new Occupancy({
      store,
      log,
      sessions: this.v1Sessions,
      watch: this.watch,
      presence: this.presence,
      online: this.presence,
      bus,
      clock,
      roomPassword: (room, password) => this.rooms.checkPassword(room, password),
      departing: (s) => this.subscriptions.departing(s),
      observeHoldMs: settings.observeHoldMs,
      onError,
    });
    this.v1Profiles = new V1Profiles({
      store,
      log,
      queries: this.queries,
      occupancy: this.occupancy,
      watch: this.watch,
      clock,
      observeHoldMs: settings.observeHoldMs,
      onError,
    });
    this.v1Rooms = new V1Rooms(this.rooms, this.queries, this.occupancy);
    this.bots = new Bots(store, adapters.bots.webhooks, log, clock, sharedLimits);
    let botOutcome: (botId: string, outcome: BotOutcome) => void = () => undefined;
    this.botDelivery = new BotDelivery({
      store,
      webhooks: adapters.bots.webhooks,
      clock,
      log: logger,
      render: adapters.bots.render,
      reply: (bot, roomId, text) => this.bots.say(bot, roomId, text),
      leaseMs: BOT_LEASE_MS,
      idleMs: BOT_IDLE_MS,
      onOutcome: (botId, outcome) => botOutcome(botId, outcome),
    });
    log.onStored((events, told) => {
      for (const e of events) if (!told.roomsWithoutBots?.includes(e.roomId)) this.botDelivery.stored(e);
    });
    const { hub, sessions, presence, watch } = this;
    this.monitor = {
      read: () => ({
        counter: log.head,
        sessions: sessions.size,
        heldObserves: hub.held + watch.held,
        streams: hub.streams,
        onlineUsers: presence.onlineUsers,
        events: log.handedOut,
        observeDeliveries: hub.stats.observeDeliveries,
        streamDeliveries: hub.stats.streamDeliveries,
        slowReaderCloses: stats.slowReaderCloses,
        passwordHashes: hasher.busy,
        feedFills: log.fills.count,
        feedFillMs: log.fills.waitedMs,
      }),
      onFanOutLag: (listener) => (hub.onFlushLag = listener),
      onBotOutcome: (listener) => (botOutcome = listener),
    };
    bus.subscribe((m) => this.receive(m));
  }

  static async start(
    store: Store,
    bus: Bus,
    settings: EngineSettings,
    clock: Clock,
    logger: Logger,
    adapters: ChatAdapters,
  ): Promise<Chat> {
    const chat = new Chat(
      store,
      bus,
      settings,
      clock,
      logger,
      await EventLog.open(store.events, bus, logger, settings.recentEvents),
      adapters,
    );
    for (const s of await chat.sessions.restore(clock.now())) {
      chat.presence.restore(s);
      // Online at the last stop: this process holds the user online until the grace period says otherwise.
      if (s.online) await bus.presence(s.userId, true);
    }
    chat.unwatch = store.watch((upTo) => chat.log.noticed(upTo));
    // As often as hold deadlines need; the other tasks come on the same beat, so an idle process wakes
    // once a second for all of them.
    chat.every(chat.hub.tickMs, () => chat.tick());
    // Short settings (tests) get proportionally faster sweeps.
    const sweepMs = Math.min(SWEEP_MS, Math.max(MIN_PERIOD_MS, settings.presenceGraceMs / 4));
    const flushMs = Math.min(FLUSH_MS, Math.max(MIN_PERIOD_MS, settings.sessionIdleMs / 4));
    chat.every(sweepMs, () => chat.presence.sweep(clock.now()));
    chat.every(flushMs, async () => {
      // Guests whose sessions ended while only in the store are retired too.
      for (const userId of await chat.sessions.expire(clock.now()))
        if ((await store.users.byId(userId))?.guest) chat.retireGuest(userId);
    });
    chat.every(MINUTE, () => {
      chat.accounts.sweep(clock.now());
      chat.bots.sweep(clock.now());
    });
    chat.every(BOT_SWEEP_MS, () => chat.botDelivery.sweep());
    chat.after(0, () => chat.botDelivery.sweep());
    chat.every(chat.v1Sessions.sweepEveryMs, () => chat.v1Sessions.sweep(chat.occupancy.heldOccupants()));
    const pruneMs = Math.min(PRUNE_MS, Math.max(MIN_PERIOD_MS, settings.eventRetentionMs / 2));
    chat.every(pruneMs, () => chat.prune());
    void chat.prune();
    return chat;
  }

  /** Another node died holding these users online, and this process is the one to say they left. */
  usersLost(userIds: readonly number[]): void {
    for (const userId of userIds) this.presence.setElsewhere(userId, false);
    this.announcer.announceLost(userIds);
  }

  /** Runs `task` about every `ms`, on the heartbeat, until the service stops; failures are logged, never thrown. */
  every(ms: number, task: () => unknown): void {
    this.cancels.push(
      this.heartbeat.every(ms, () => {
        Promise.resolve()
          .then(task)
          .catch((err: unknown) => this.logger.error({ err }, 'periodic task failed'));
      }),
    );
  }

  /** Runs `task` once after `ms` unless the service stops first; failures are logged, never thrown. */
  after(ms: number, task: () => unknown): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      Promise.resolve()
        .then(task)
        .catch((err: unknown) => this.logger.error({ err }, 'scheduled task failed'));
    }, ms);
    t.unref();
    this.pending.add(t);
  }

  /** Stops timers, answers held observes and writes what is pending. */
  async stop(): Promise<void> {
    this.unwatch();
    for (const cancel of this.cancels) cancel();
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    this.hub.releaseAll();
    this.watch.releaseAll();
    await this.botDelivery.stop();
    await this.v1Sessions.flush(this.occupancy.heldOccupants());
    await this.announcer.flushed();
    await this.sessions.flush(this.clock.now());
  }

  private tick(): void {
    this.hub.expire(this.clock.now());
    this.watch.expire(this.clock.now());
    // The last read of the store failed, or the bus cannot bring what others write: read the store.
    if (this.log.stale || this.log.deaf) void this.log.catchUp();
  }

  private prune(): Promise<void> {
    return this.log.prune(this.clock.now() - this.settings.eventRetentionMs);
  }

  private receive(m: BusMessage): void {
    switch (m.kind) {
      case 'events':
        this.log.received(m.events);
        break;
      case 'session':
        void this.reloadSession(m.id).catch((err: unknown) =>
          this.logger.error({ err }, 'reloading a session'),
        );
        break;
      case 'renamed':
        void this.sessions
          .renamed(m.userId, m.name)
          .catch((err: unknown) => this.logger.error({ err }, 'renaming sessions'));
        break;
      case 'online':
        this.presence.setElsewhere(m.userId, m.online);
        break;
      case 'observing':
        this.watch.release(m.occupantId);
        break;
    }
  }

  /**
   * An account changed (through the log, from any process, the command line's included): a deleted or
   * signed-out user's sessions held here end at once, streams and held observes too; a renamed user's take
   * the new name.
   */
  private accountChanged(change: AccountChange): void {
    const done =
      change.change === 'renamed'
        ? change.name === undefined
          ? Promise.resolve()
          : this.sessions.renamed(change.userId, change.name)
        : this.sessions.signedOut(change.userId);
    done.catch((err: unknown) => this.logger.error({ err }, 'applying an account change'));
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

  /** A guest's session ended: the guest leaves every room (with membership events) and is forgotten. */
  private retireGuest(userId: number): void {
    // After the offline presence events, which need the guest's rooms.
    this.announcer.after(async () => {
      for (const room of await this.store.rooms.roomIdsOf(userId)) await this.memberships.leave(room, userId);
      await this.store.users.delete(userId);
    }, 'retiring a guest');
  }
}
