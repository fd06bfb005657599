import {
  ChatError,
  forbidden,
  invalidParameter,
  invalidSession,
  notFound,
  rateLimited,
} from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { randomBase62 } from '../core/ids.js';
import type { User } from '../core/model.js';
import type { Bus, LimitCounters, Store } from '../core/ports.js';
import { checkNickname } from '../core/text.js';
import { checkEmail, checkIcon, checkLanguage, emailKey } from '../core/validation.js';
import type { Clock } from '../core/time.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Administration } from './administration.js';
import type { CallLimits } from './call-limits.js';
import { guestNickname } from './guest-names.js';
import type { LiveSession } from './live-session.js';
import type { Memberships } from './memberships.js';
import type { BoundedHasher } from './password.js';
import type { Presence } from './presence.js';
import { Limiter } from './limiter.js';
import type { SessionRegistry, SignedIn } from './session-registry.js';
import type { SignInAttempt, SignInGuard } from './sign-in-guard.js';
import type { SignInLog, SignInOutcome } from './sign-in-log.js';

/** Our ids are 24 characters; anything much longer is not worth a lookup. */
const MAX_SESSION_ID = 64;
/** Guests one address may create per hour: enough for a family or an office, not for a flood. */
const GUESTS_PER_HOUR = 30;

export interface AccountsDeps {
  store: Store;
  sessions: SessionRegistry;
  presence: Presence;
  bus: Bus;
  memberships: Memberships;
  administration: Administration;
  signIns: SignInGuard;
  /** Where each sign-in's outcome is noted for the admin page. */
  signInLog: SignInLog;
  hasher: BoundedHasher;
  limits: CallLimits;
  /** Counters every node shares, when there are several. */
  sharedLimits?: LimitCounters;
  clock: Clock;
  /** Checked against when the user is unknown, so a wrong username costs as much as a wrong password. */
  dummyHash: Promise<string>;
}

/** Accounts and sessions: signing up and in, guests, names and icons, presence by choice. */
export class Accounts {
  private readonly guests: Limiter;

  constructor(private readonly d: AccountsDeps) {
    this.guests = new Limiter('guests', GUESTS_PER_HOUR, 60 * 60_000, d.sharedLimits);
  }

  private get now(): number {
    return this.d.clock.now();
  }

  private noteSignIn(login: string, address: string, outcome: SignInOutcome): void {
    this.d.signInLog.record({ login, address, at: this.now, outcome });
  }

  /** The guard's attempt; a refusal is noted too, as the admin page lists failures and why. */
  private async begin(login: string, address: string): Promise<SignInAttempt> {
    try {
      return await this.d.signIns.begin(login, address, this.now);
    } catch (err) {
      if (err instanceof ChatError && err.code === ErrorCode.rateLimited)
        this.noteSignIn(login, address, 'rateLimited');
      throw err;
    }
  }

  /** Password hashes running or waiting right now. */
  get hashing(): number {
    return this.d.hasher.busy;
  }

  /**
   * Signs in: a new session for the right password. Each address may try each account only so often,
   * and the hashing it costs is bounded, so neither guessing nor flooding gets far (see SignInGuard).
   */
  async login(username: string, password: string, appKey: string | null, address: string): Promise<SignedIn> {
    const attempt = await this.begin(username, address);
    let user: User | undefined;
    let ok: boolean;
    try {
      user = await this.d.store.users.byUsername(username);
      ok = await this.d.hasher.verify(password, user?.passwordHash ?? (await this.d.dummyHash));
    } catch (err) {
      await attempt.abandoned();
      throw err;
    }
    this.noteSignIn(username, address, user && ok ? 'ok' : 'wrongCredentials');
    if (!user || !ok) {
      await attempt.failed();
      throw ChatError.phrased(ErrorCode.invalidUserCredentials, phrase('wrongCredentials'));
    }
    await attempt.succeeded();
    return this.d.sessions.create(user, appKey, this.now);
  }

  /**
   * The user whose email and password these are, checked as `login` checks them (the same limits, keyed by
   * the lower-cased email, and the same cost for an unknown email), without a session: API 1.0 keeps its
   * own. Guests never sign in.
   */
  async loginByEmail(email: string, password: string, address: string): Promise<User> {
    const key = emailKey(email.trim());
    const attempt = await this.begin(key, address);
    let user: User | undefined;
    let ok: boolean;
    try {
      user = key === '' ? undefined : await this.d.store.users.byEmail(key);
      if (user?.guest) user = undefined;
      ok = await this.d.hasher.verify(password, user?.passwordHash ?? (await this.d.dummyHash));
    } catch (err) {
      await attempt.abandoned();
      throw err;
    }
    this.noteSignIn(key, address, user && ok ? 'ok' : 'wrongCredentials');
    if (!user || !ok) {
      await attempt.failed();
      throw new ChatError(ErrorCode.invalidUserCredentials, 'The email or password is wrong.');
    }
    await attempt.succeeded();
    return user;
  }

  /** Creates an account and signs it in (counted like a sign-in from that address). */
  async signUp(
    input: { username: string; password: string; name?: string; email?: string },
    address: string,
  ): Promise<SignedIn> {
    await this.d.signIns.countAttempt(address, this.now);
    const user = await this.d.administration.addUser(input);
    return this.d.sessions.create(user, null, this.now);
  }

  /** Resolves a live session by its secret id and counts the call against its rate limit. */
  async session(secret: string | undefined, counted = true): Promise<LiveSession> {
    const now = this.now;
    const s = secret && secret.length <= MAX_SESSION_ID ? await this.d.sessions.get(secret, now) : undefined;
    if (!s) throw invalidSession();
    if (counted) await this.d.limits.call(s, now);
    this.d.sessions.touch(s, now);
    return s;
  }

  async destroy(secret: string | undefined): Promise<void> {
    const s = secret ? await this.d.sessions.get(secret, this.now) : undefined;
    if (s) await this.d.sessions.end(s);
  }

  async setPresence(s: LiveSession, presence: string, nickname?: string): Promise<void> {
    if (presence !== 'online' && presence !== 'offline')
      throw invalidParameter('presence must be "online" or "offline".');
    if (nickname !== undefined) {
      s.nickname = s.guest ? await guestNickname(this.d.store, nickname) : checkNickname(nickname);
      await this.d.store.sessions.update(s.id, { nickname: s.nickname });
    }
    if (presence === 'offline') this.d.presence.hide(s);
    else this.d.presence.show(s, this.now);
    await this.d.store.sessions.update(s.id, { hidden: s.hidden });
    this.d.bus.publish({ kind: 'session', id: s.id });
  }

  /** The ids of the rooms the user belongs to, in the order joined. */
  roomsOf(s: LiveSession): Promise<string[]> {
    return this.d.store.rooms.roomIdsOf(s.userId);
  }

  /**
   * Enters a public room with only a nickname: a guest account that lasts as long as its session and is a
   * member of the room while it lasts. A registered user's name is not for guests.
   */
  async enterAsGuest(roomId: string, nickname: string, address: string): Promise<SignedIn> {
    const name = await guestNickname(this.d.store, nickname);
    const now = this.now;
    if (!(await this.guests.hit(address, now))) throw rateLimited(phrase('tooManyGuests'));
    const room = await this.d.store.rooms.byId(roomId);
    if (!room || !room.isPublic) throw notFound(phrase('noRoom', { room: roomId }));
    const user = await this.d.store.users.create({
      username: `guest_${randomBase62(10)}`,
      name,
      // Not a hash of anything: no password ever signs in as a guest.
      passwordHash: '!',
      createdAt: now,
      guest: true,
    });
    const signedIn = await this.d.sessions.create(user, null, now);
    await this.d.memberships.join(room.id, user.id);
    return signedIn;
  }

  /**
   * The name the user shows in rooms, for web users and guests alike: the display name and every session's
   * nickname change, in every process, and each of the user's rooms gets a membership update. A guest may
   * not take a registered user's name.
   */
  async rename(s: LiveSession, name: string): Promise<void> {
    const next = s.guest ? await guestNickname(this.d.store, name) : checkNickname(name);
    const previous = s.userName;
    if (next === previous) return;
    await this.d.store.users.rename(s.userId, next);
    await this.d.sessions.renamed(s.userId, next);
    this.d.bus.publish({ kind: 'renamed', userId: s.userId, name: next });
    await this.d.memberships.renamed(s.userId, previous);
  }

  /**
   * Changes the user's display name and, when given, the icon (PNG, JPEG, GIF or WebP up to 256 KB) and the
   * email ('' takes it away). Guests have no email: theirs is an account of one session.
   */
  async updateProfile(s: LiveSession, input: { name: string; icon?: Buffer; email?: string }): Promise<void> {
    const name = checkNickname(input.name);
    const email = input.email === undefined || input.email.trim() === '' ? null : checkEmail(input.email);
    if (email !== null && s.guest) throw forbidden(phrase('guestsHaveNoEmail'));
    const icon = input.icon ? checkIcon(input.icon) : undefined;
    // The email first: the one change here that another account can refuse.
    if (input.email !== undefined && !s.guest) await this.d.store.users.setEmail(s.userId, email);
    await this.rename(s, name);
    if (icon) await this.d.store.users.setIcon(s.userId, icon, this.now);
  }

  /** The language the user reads the pages in: `en` or `ja`, or '' to follow their browser. */
  async setLanguage(s: LiveSession, language: string): Promise<void> {
    await this.d.store.users.setLanguage(s.userId, checkLanguage(language));
  }

  sweep(now: number): void {
    this.guests.sweep(now);
    this.d.signIns.sweep(now);
    this.d.limits.sweep(now);
  }
}
