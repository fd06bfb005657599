import { forbidden, invalidSession } from '../core/chat-error.js';
import { newPublicSessionId, newV1Id, secretKey } from '../core/ids.js';
import type { ClientType, User, V1Session } from '../core/model.js';
import type { Departures, Logger, Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { CallLimits } from './call-limits.js';
import type { EventWriter } from './event-log.js';
import type { LiveSession } from './live-session.js';
import { leaveEvent } from './occupant-lines.js';
import type { RoomWatch } from './room-watch.js';
import type { SessionRegistry } from './session-registry.js';

/** The secret id an API 1.0 client holds: 11 base62 characters (spec 7.1). */
const V1_SECRET = /^[A-Za-z0-9]{11}$/;
/** Activity times wait in memory at most this long before they are written (shorter with short lifetimes). */
const FLUSH_MS = 5_000;

/** Checks an email and password of the accounts (Accounts.loginByEmail). */
export interface EmailLogin {
  loginByEmail(email: string, password: string, address: string): Promise<User>;
}

/** A resolved API 1.0 session: what every call naming one works with. */
export interface V1Caller {
  readonly session: V1Session;
  /** The secret id the client sent: tickets are derived from it. */
  readonly secret: string;
  /** The user it is logged in as. */
  readonly user: User | undefined;
  /** The session linked to it while logged in (it makes the user online while this one observes). */
  readonly live: LiveSession | undefined;
}

export interface V1SessionsDeps {
  store: Store;
  events: EventWriter;
  registry: SessionRegistry;
  watch: RoomWatch;
  limits: CallLimits;
  login: EmailLogin;
  clock: Clock;
  log: Logger;
  ticketIdleMs: number;
  sessionIdleMs: number;
}

/**
 * API 1.0's sessions (spec 7.1, 7.2): anonymous until they log in with an email and password, dead after
 * ten minutes without a call; and the last-read times of their tickets, which expire after two minutes.
 * Everything is in the store, so any process answers any call; activity times are kept in memory and
 * written in batches, well within the lifetimes they decide.
 *
 * A logged-in session is linked to an ordinary live session of its user, made through the session registry
 * at auth.login and ended at logout or when this one dies: observing through API 1.0 marks that one as
 * observing, so presence (and everything built on it: API 2.0 presence events, rosters, the web) treats the
 * user exactly as it treats someone observing through API 2.0.
 */
export class V1Sessions {
  private readonly sessionTimes = new Map<string, number>();
  private readonly ticketTimes = new Map<string, number>();

  constructor(private readonly d: V1SessionsDeps) {}

  private get now(): number {
    return this.d.clock.now();
  }

  /** How often activity is written and lifetimes are swept. */
  get sweepEveryMs(): number {
    return Math.max(100, Math.min(FLUSH_MS, this.d.ticketIdleMs / 4, this.d.sessionIdleMs / 4));
  }

  get ticketIdleMs(): number {
    return this.d.ticketIdleMs;
  }

  /** Counts a call that names no session (the directory, room.getInfo) against its client's address. */
  countAnonymous(address: string): Promise<void> {
    return this.d.limits.anonymous(address, this.now);
  }

  /** A new anonymous session; returns the secret id its client uses from now on. */
  async create(apiKey: string, clientType: ClientType, address: string): Promise<string> {
    const now = this.now;
    await this.d.limits.anonymous(address, now);
    const secret = newV1Id();
    await this.d.store.occupancy.createSession({
      key: secretKey(secret),
      publicId: newPublicSessionId(),
      userId: null,
      clientType,
      apiKey,
      liveKey: null,
      createdAt: now,
      lastActiveAt: now,
    });
    return secret;
  }

  /**
   * The live session the client names, or invalid_session. The call is counted against the session's
   * limit (observes are not counted, says have their own limit) and keeps the session alive.
   */
  async resolve(secret: string | undefined, counted: 'call' | 'say' | 'none' = 'call'): Promise<V1Caller> {
    if (secret === undefined || !V1_SECRET.test(secret)) throw invalidSession();
    const key = secretKey(secret);
    const session = await this.d.store.occupancy.session(key);
    if (!session) throw invalidSession();
    const now = this.now;
    if (now - Math.max(session.lastActiveAt, this.sessionTimes.get(key) ?? 0) > this.d.sessionIdleMs) {
      await this.end(key);
      throw invalidSession();
    }
    const limited = { id: `v1:${key}`, appKey: session.apiKey };
    if (counted === 'call') await this.d.limits.call(limited, now);
    else if (counted === 'say') await this.d.limits.say(limited, now);
    this.sessionTimes.set(key, now);
    const user = session.userId === null ? undefined : await this.d.store.users.byId(session.userId);
    const live = user && (await this.linked(session, user, now));
    return { session: { ...session, lastActiveAt: now }, secret, user, live };
  }

  /**
   * The live session linked to a logged-in session. One that went (ended as idle by API 2.0's rules, or by
   * another process) is linked anew.
   */
  private async linked(session: V1Session, user: User, now: number): Promise<LiveSession> {
    const known = session.liveKey === null ? undefined : await this.d.registry.byKey(session.liveKey, now);
    if (known) {
      this.d.registry.touch(known, now);
      return known;
    }
    const { session: live } = await this.d.registry.create(user, session.apiKey, now);
    await this.d.store.occupancy.setUser(session.key, user.id, live.id);
    return live;
  }

  /** auth.login: one login per session (spec 7.2); a wrong email or password is invalid_user_credentials. */
  async login(caller: V1Caller, email: string, password: string, address: string): Promise<User> {
    if (caller.session.userId !== null) throw forbidden('This session is logged in already; log out first.');
    const user = await this.d.login.loginByEmail(email, password, address);
    const { session: live } = await this.d.registry.create(user, caller.session.apiKey, this.now);
    await this.d.store.occupancy.setUser(caller.session.key, user.id, live.id);
    return user;
  }

  /** auth.logout: anonymous again; the user goes offline unless observing elsewhere. */
  async logout(caller: V1Caller): Promise<void> {
    await this.d.store.occupancy.setUser(caller.session.key, null, null);
    if (caller.live) await this.d.registry.end(caller.live);
  }

  /** session.destroy: the session ends with its occupants; ending one already gone is fine (spec 10.11). */
  async destroy(secret: string | undefined): Promise<void> {
    if (secret === undefined || !V1_SECRET.test(secret)) return;
    await this.end(secretKey(secret));
  }

  private async end(key: string): Promise<void> {
    this.sessionTimes.delete(key);
    this.settle(await this.d.store.occupancy.endSession(key, leaveEvent(this.now)));
  }

  /** A ticket was read (room.observe, room.getMessages): its occupant stays. */
  ticketRead(occupantId: string): void {
    this.ticketTimes.set(occupantId, this.now);
  }

  /** When the ticket was last read, as far as this process knows. */
  lastRead(occupantId: string, stored: number): number {
    return Math.max(stored, this.ticketTimes.get(occupantId) ?? 0);
  }

  /**
   * What a removal took away, told to everyone: the leave lines go out, held observes of the occupants that
   * left are answered here (elsewhere their next call finds the ticket gone), and ended sessions take their
   * linked sessions with them.
   */
  settle(departures: Departures): void {
    if (departures.events.length > 0) this.d.events.published(departures.events);
    for (const o of departures.occupants) {
      this.ticketTimes.delete(o.id);
      this.d.watch.release(o.id);
    }
    for (const s of departures.sessions) {
      this.sessionTimes.delete(s.key);
      if (s.liveKey !== null) void this.endLinked(s.liveKey);
    }
  }

  private async endLinked(liveKey: string): Promise<void> {
    try {
      const live = await this.d.registry.byKey(liveKey, this.now);
      if (live) await this.d.registry.end(live);
    } catch (err) {
      this.d.log.error({ err }, 'ending a linked session');
    }
  }

  /** Writes pending activity; tickets with an observe held here count as read now. */
  async flush(held: Iterable<string>): Promise<void> {
    const now = this.now;
    for (const id of held) this.ticketTimes.set(id, now);
    if (this.sessionTimes.size === 0 && this.ticketTimes.size === 0) return;
    const sessions = [...this.sessionTimes].map(([key, at]) => ({ key, at }));
    const occupants = [...this.ticketTimes].map(([id, at]) => ({ id, at }));
    this.sessionTimes.clear();
    this.ticketTimes.clear();
    await this.d.store.occupancy.touch(sessions, occupants);
  }

  /** Ends sessions and tickets past their lifetimes (spec 7.1); each departure is announced once. */
  async sweep(held: Iterable<string>): Promise<void> {
    await this.flush(held);
    const now = this.now;
    this.settle(
      await this.d.store.occupancy.expire(
        now - this.d.ticketIdleMs,
        now - this.d.sessionIdleMs,
        leaveEvent(now),
      ),
    );
  }
}
