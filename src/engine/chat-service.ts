import type { ApiMessage, ApiRoom } from '../protocol/api2.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  ChatError,
  forbidden,
  invalidParameter,
  invalidSession,
  notFound,
  rateLimited,
} from '../core/chat-error.js';
import { randomBase62 } from '../core/ids.js';
import { imageType } from '../core/image-type.js';
import {
  isVisible,
  type ChatEvent,
  type Membership,
  type MessageRecord,
  type Room,
  type User,
} from '../core/model.js';
import { checkMessageText, checkNickname } from '../core/text.js';
import { Admin } from './admin.js';
import { accessFact, type Engine } from './engine.js';
import { MAX_EVENTS_PER_REPLY } from './hub.js';
import type { LiveSession } from './live-session.js';
import { Observation, type Cancellable, type ObserveSink } from './observation.js';
import { BoundedHasher, hashPassword } from './password.js';
import { SignInGuard } from './sign-in-guard.js';
import { RateLimiter } from './rate-limit.js';
import type { SignedIn } from './session-registry.js';
import { StreamSubscription, type StreamSink } from './stream-subscription.js';

const MINUTE = 60_000;
/** Room backlog in room/show (spec 3.6). */
const BACKLOG = 30;
/** Our ids are 24 characters; anything much longer is not worth a lookup. */
const MAX_SESSION_ID = 64;
const MAX_ICON_BYTES = 256 * 1024;
/**
 * A session past its limit is told so after this long: a client that floods (waiting for each answer) slows
 * to one call a second per connection instead of keeping a core busy refusing it.
 */
const OVER_LIMIT_DELAY_MS = 1000;
/** Guests one address may create per hour: enough for a family or an office, not for a flood. */
const GUESTS_PER_HOUR = 30;

/** The API 2.0 use cases, in domain terms; transports translate requests to these calls. */
export class ChatService {
  private readonly says: RateLimiter;
  private readonly calls: RateLimiter;
  private readonly signIns: SignInGuard;
  private readonly guests: RateLimiter;
  private readonly hasher: BoundedHasher;
  /** Compared against when the user is unknown, so a wrong username costs as much as a wrong password. */
  private readonly dummyHash: Promise<string>;
  private readonly admin: Admin;

  constructor(private readonly engine: Engine) {
    const s = engine.settings;
    this.says = new RateLimiter(s.sayPerMinute, MINUTE);
    this.calls = new RateLimiter(s.callsPerMinute, MINUTE);
    this.signIns = new SignInGuard({
      failuresPerAccountAndAddress: s.loginFailuresPerAccount,
      failuresPerAddress: s.loginFailuresPerAddress,
      failuresPerAccount: s.loginFailuresAccountTotal,
      windowMs: s.loginWindowMs,
      attemptsPerAddress: s.loginAttemptsPerAddress,
    });
    this.guests = new RateLimiter(GUESTS_PER_HOUR, 60 * MINUTE);
    this.hasher = new BoundedHasher(s.passwordCost, s.hashConcurrency, s.hashQueue);
    this.dummyHash = hashPassword('not a password', s.passwordCost);
    this.admin = new Admin(engine.store, engine.shapes, engine.clock, this.hasher);
    engine.every(MINUTE, () => {
      const now = engine.clock.now();
      for (const l of [this.says, this.calls, this.guests]) l.sweep(now);
      this.signIns.sweep(now);
    });
  }

  private get now(): number {
    return this.engine.clock.now();
  }

  /** Password hashes running or waiting right now. */
  get hashing(): number {
    return this.hasher.busy;
  }

  // --- sessions -----------------------------------------------------------------------------------

  /**
   * Signs in: a new session for the right password. Each address may try each account only so often,
   * and the hashing it costs is bounded, so neither guessing nor flooding gets far (see SignInGuard).
   */
  async login(username: string, password: string, appKey: string | null, address: string): Promise<SignedIn> {
    const attempt = this.signIns.begin(username, address, this.now);
    let user: User | undefined;
    let ok: boolean;
    try {
      user = await this.engine.store.users.byUsername(username);
      ok = await this.hasher.verify(password, user?.passwordHash ?? (await this.dummyHash));
    } catch (err) {
      attempt.abandoned();
      throw err;
    }
    if (!user || !ok)
      throw new ChatError(ErrorCode.invalidUserCredentials, 'The username or password is wrong.');
    attempt.succeeded();
    return this.engine.sessions.create(user, appKey, this.now);
  }

  /** Creates an account and signs it in (counted like a sign-in from that address). */
  async signUp(
    input: { username: string; password: string; name?: string },
    address: string,
  ): Promise<SignedIn> {
    this.signIns.countAttempt(address, this.now);
    const user = await this.admin.addUser(input);
    return this.engine.sessions.create(user, null, this.now);
  }

  /** Resolves a live session by its secret id and counts the call against its rate limit. */
  async session(secret: string | undefined, counted = true): Promise<LiveSession> {
    const now = this.now;
    const s =
      secret && secret.length <= MAX_SESSION_ID ? await this.engine.sessions.get(secret, now) : undefined;
    if (!s) throw invalidSession();
    if (counted && !this.calls.hit(s.id, now, 1, this.limitFor(s, this.calls.limit)))
      throw rateLimited('Too many calls; slow down.', OVER_LIMIT_DELAY_MS);
    this.engine.sessions.touch(s, now);
    return s;
  }

  async destroy(secret: string | undefined): Promise<void> {
    const s = secret ? await this.engine.sessions.get(secret, this.now) : undefined;
    if (s) await this.engine.sessions.end(s);
  }

  async setPresence(s: LiveSession, presence: string, nickname?: string): Promise<void> {
    if (presence !== 'online' && presence !== 'offline')
      throw new ChatError(ErrorCode.invalidParameter, 'presence must be "online" or "offline".');
    if (nickname !== undefined) {
      s.nickname = checkNickname(nickname);
      await this.engine.store.sessions.update(s.id, { nickname: s.nickname });
    }
    if (presence === 'offline') this.engine.presence.hide(s);
    else this.engine.presence.show(s, this.now);
    await this.engine.store.sessions.update(s.id, { hidden: s.hidden });
    this.engine.sessionChanged(s.id);
  }

  // --- rooms --------------------------------------------------------------------------------------

  roomsOf(s: LiveSession): Promise<string[]> {
    return this.engine.store.rooms.roomIdsOf(s.userId);
  }

  /** A room the session may see: members see their rooms, everyone sees public ones (spec 10.10). */
  private async access(s: LiveSession, roomId: string): Promise<{ room: Room; membership?: Membership }> {
    const rooms = this.engine.store.rooms;
    const room = await rooms.byId(roomId);
    const membership = room && (await rooms.membership(roomId, s.userId));
    if (!room || (!room.isPublic && !membership)) throw notFound(`No room "${roomId}".`);
    return { room, membership };
  }

  async showRooms(s: LiveSession, ids: readonly string[]): Promise<ApiRoom[]> {
    const found = [];
    for (const id of ids) found.push(await this.access(s, id));
    return Promise.all(found.map(({ room }) => this.describe(s, room)));
  }

  private async describe(s: LiveSession, room: Room): Promise<ApiRoom> {
    const { store, presence, shapes } = this.engine;
    const messages = await this.withFavorites(s, await store.messages.latest(room.id, BACKLOG));
    const members = (await store.rooms.members(room.id))
      .map((m) => shapes.member(m, presence.isUserOnline(m.userId)))
      .sort((a, b) => Number(b.is_online) - Number(a.is_online) || a.name.localeCompare(b.name));
    const faved = await store.favorites.inRoom(s.userId, room.id);
    return {
      id: room.id,
      name: room.name,
      blurb: room.blurb,
      is_public: room.isPublic,
      public: room.isPublic,
      faved_message_ids: faved.map(String),
      messages,
      roster: { members, bots: [] },
    };
  }

  async archives(s: LiveSession, roomId: string, limit: number, before?: number): Promise<ApiMessage[]> {
    await this.access(s, roomId);
    return this.withFavorites(s, await this.engine.store.messages.latest(roomId, limit, before));
  }

  private async withFavorites(s: LiveSession, records: MessageRecord[]): Promise<ApiMessage[]> {
    const favorites = await this.engine.store.favorites.of(
      s.userId,
      records.map((m) => m.id),
    );
    return records.map((m) => {
      const message = this.engine.shapes.message(m);
      const favorite = favorites.get(m.id);
      return favorite === undefined ? message : { ...message, favorite_id: String(favorite) };
    });
  }

  async subscribe(s: LiveSession, rooms: readonly string[], reset: boolean): Promise<number> {
    const { engine } = this;
    const since = engine.feed.lastId;
    for (const id of rooms) await this.access(s, id);
    // A room closed to this user while the checks read the store is refused as if never open to them;
    // from here to the change there is no await, so any later access fact finds the session following it.
    const closed = rooms.find((r) => engine.access.revokedSince(r, since, s.userId));
    if (closed !== undefined) throw notFound(`No room "${closed}".`);
    const next = reset ? [...rooms] : [...s.rooms, ...rooms.filter((r) => !s.rooms.includes(r))];
    // Unchanged subscriptions leave held observes and open streams alone.
    if (next.length !== s.rooms.length || next.some((r, i) => r !== s.rooms[i])) await this.setRooms(s, next);
    return engine.current();
  }

  async unsubscribe(s: LiveSession, rooms: readonly string[]): Promise<number> {
    const next = s.rooms.filter((r) => !rooms.includes(r));
    if (next.length !== s.rooms.length) await this.setRooms(s, next);
    return this.engine.current();
  }

  /** The client changed its subscriptions: here at once, and in every other process holding the session. */
  private async setRooms(s: LiveSession, rooms: string[]): Promise<void> {
    await this.engine.setRooms(s, rooms);
    this.engine.sessionChanged(s.id);
  }

  /**
   * Enters a public room with only a nickname: a guest account that lasts as long as its session and is a
   * member of the room while it lasts.
   */
  async enterAsGuest(roomId: string, nickname: string, address: string): Promise<SignedIn> {
    const name = checkNickname(nickname);
    const now = this.now;
    if (!this.guests.hit(address, now))
      throw rateLimited('Too many guests from your address; try again later.');
    const room = await this.engine.store.rooms.byId(roomId);
    if (!room || !room.isPublic) throw notFound(`No room "${roomId}".`);
    const user = await this.engine.store.users.create({
      username: `guest_${randomBase62(10)}`,
      name,
      // Not a hash of anything: no password ever signs in as a guest.
      passwordHash: '!',
      createdAt: now,
      guest: true,
    });
    const signedIn = await this.engine.sessions.create(user, null, now);
    await this.join(signedIn.session, room.id);
    return signedIn;
  }

  /**
   * The name the user shows in rooms, for web users and guests alike: the display name and every session's
   * nickname change, and each of the user's rooms gets a membership update so rosters follow.
   */
  async rename(s: LiveSession, name: string): Promise<void> {
    const next = checkNickname(name);
    const previous = s.userName;
    if (next === previous) return;
    const { engine } = this;
    await engine.store.users.rename(s.userId, next);
    await engine.renamed(s.userId, next);
    const now = this.now;
    const online = engine.presence.isUserOnline(s.userId);
    const events = [];
    for (const member of (
      await Promise.all(
        (await engine.store.rooms.roomIdsOf(s.userId)).map((room) => engine.store.rooms.members(room)),
      )
    ).flatMap((members) => members.filter((m) => m.userId === s.userId)))
      events.push({
        roomId: member.roomId,
        createdAt: now,
        body: {
          kind: 'membership' as const,
          membership: engine.shapes.membership(
            member,
            online,
            'update',
            `${previous} is now known as ${next}`,
          ),
        },
      });
    await engine.append(events);
  }

  /** Changes the user's display name and, when given, the icon (PNG, JPEG, GIF or WebP up to 256 KB). */
  async updateProfile(s: LiveSession, input: { name: string; icon?: Buffer }): Promise<void> {
    const name = checkNickname(input.name);
    let icon: { type: string; bytes: Buffer } | undefined;
    if (input.icon) {
      const type = imageType(input.icon);
      if (!type) throw invalidParameter('The icon must be a PNG, JPEG, GIF or WebP image.');
      if (input.icon.length > MAX_ICON_BYTES) throw invalidParameter('The icon must be at most 256 KB.');
      icon = { type, bytes: input.icon };
    }
    await this.rename(s, name);
    if (icon) await this.engine.store.users.setIcon(s.userId, icon, this.now);
  }

  /** Creates a room owned by the session's user, who becomes its first member. */
  async createRoom(
    s: LiveSession,
    input: { id: string; name: string; blurb?: string; isPublic: boolean; tags: string[]; timezone?: string },
  ): Promise<Room> {
    const room = await this.admin.addRoom({ ...input, owner: s.username });
    // The owner's membership event was written by the administration path: hand it out now.
    await this.engine.feed.catchUp();
    return room;
  }

  /** Changes a room's settings; only its owner may. Made private, it closes to everyone else at once. */
  async updateRoom(
    s: LiveSession,
    roomId: string,
    input: { name: string; blurb?: string; isPublic: boolean; tags: string[]; timezone?: string },
  ): Promise<Room> {
    const { room } = await this.access(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(`Only the owner may change "${room.id}".`);
    const updated: Room = { ...room, ...Admin.roomSettings(input) };
    const at = this.now;
    const closing = room.isPublic && !updated.isPublic;
    const event = await this.engine.store.rooms.update(
      updated,
      closing
        ? (members) => accessFact(room.id, at, { isPublic: false, deleted: false, members })
        : undefined,
    );
    if (event) this.engine.published([event]);
    return updated;
  }

  /** Deletes a room; only its owner may. Everyone following it stops at once. */
  async deleteRoom(s: LiveSession, roomId: string): Promise<void> {
    const { room } = await this.access(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(`Only the owner may delete "${room.id}".`);
    const event = await this.engine.store.rooms.remove(
      room.id,
      accessFact(room.id, this.now, { isPublic: false, deleted: true, members: [] }),
    );
    if (event) this.engine.published([event]);
  }

  /** Joins a public room (private rooms take an invitation); publishes the membership event. */
  async join(s: LiveSession, roomId: string): Promise<void> {
    const { room, membership } = await this.access(s, roomId);
    if (membership) return;
    if (!room.isPublic) throw forbidden(`"${room.id}" is private.`);
    const { engine } = this;
    const now = this.now;
    const joined = await engine.store.rooms.join(
      { roomId: room.id, userId: s.userId, isOwner: false, joinedAt: now, lastActiveAt: null },
      (member) => ({
        roomId: room.id,
        createdAt: now,
        body: {
          kind: 'membership',
          membership: engine.shapes.membership(member, engine.presence.isUserOnline(s.userId), 'join'),
        },
      }),
    );
    if (joined) engine.published([joined.event]);
  }

  /** Leaves a room; a private room closes to the one who left at once. */
  async leave(s: LiveSession, roomId: string): Promise<void> {
    await this.engine.leaveRoom(roomId, s.userId, this.now);
  }

  // --- messages -----------------------------------------------------------------------------------

  async say(
    s: LiveSession,
    input: { room: string; text: string; nickname?: string; localId?: string },
  ): Promise<ApiMessage> {
    const now = this.now;
    if (!this.says.hit(s.id, now, 1, this.limitFor(s, this.says.limit)))
      throw rateLimited('Too many messages; wait a moment before saying more.', OVER_LIMIT_DELAY_MS);
    const text = checkMessageText(input.text);
    const nickname = input.nickname === undefined ? s.nickname : checkNickname(input.nickname);
    const { room, membership } = await this.access(s, input.room);
    if (!membership) throw forbidden(`Only members of "${room.id}" may say things there.`);
    const { engine } = this;
    const { event } = await engine.store.messages.append(
      {
        roomId: room.id,
        type: 'user',
        speakerId: s.username,
        publicSessionId: s.publicId,
        nickname,
        text,
        localId: input.localId ?? null,
        createdAt: now,
      },
      (stored) => ({
        roomId: room.id,
        createdAt: now,
        body: { kind: 'message', message: engine.shapes.message(stored) },
      }),
    );
    engine.published([event]);
    await engine.store.rooms.touchMember(room.id, s.userId, now);
    return (event.body as { message: ApiMessage }).message;
  }

  async favorite(s: LiveSession, messageId: number, on: boolean): Promise<ApiMessage> {
    const { store, shapes } = this.engine;
    const message = await store.messages.byId(messageId);
    if (!message) throw notFound(`No message ${messageId}.`);
    await this.access(s, message.roomId).catch(() => {
      throw notFound(`No message ${messageId}.`);
    });
    if (!on) {
      await store.favorites.remove(s.userId, messageId);
      return shapes.message(message);
    }
    const favoriteId = await store.favorites.add(s.userId, messageId, this.now);
    return { ...shapes.message(message), favorite_id: String(favoriteId) };
  }

  // --- observe ------------------------------------------------------------------------------------

  /**
   * Answers at once with events after `counter` in the session's rooms, or holds until one arrives or
   * the hold ends. The returned handle cancels it for a client that goes away.
   */
  async observe(s: LiveSession, counter: number, sink: ObserveSink): Promise<Cancellable> {
    const { engine } = this;
    this.checkCounter(counter);
    // A counter past the head (say, after a data reset) counts as the head (spec 5.1).
    const from = await engine.headFor(counter);
    const head = engine.feed.lastId;
    let ready: ChatEvent[] = [];
    if (from < head) {
      if (engine.recent.covers(from))
        ready = engine.recent.after(from, MAX_EVENTS_PER_REPLY, following(s.rooms));
      else {
        ready = await engine.store.events.after(from, MAX_EVENTS_PER_REPLY, s.rooms);
        // Whatever went out while the store was read is in memory.
        if (ready.length === 0 && engine.recent.covers(head))
          ready = engine.recent.after(head, MAX_EVENTS_PER_REPLY, following(s.rooms));
        // The session may have stopped following a room meanwhile (a room closed to it, say).
        else ready = ready.filter((e) => s.rooms.includes(e.roomId));
      }
    }
    // From here to the hold nothing awaits: whatever changes the session's rooms later releases this hold.
    const observation = new Observation(engine, s, from, sink, this.now + engine.settings.observeHoldMs);
    if (ready.length > 0) observation.answer(ready);
    else observation.hold();
    return observation;
  }

  /**
   * Opens a live stream: everything after `counter` in the session's rooms, then each new event as it
   * happens. The same counter as observe, so a client can switch transports and resume.
   */
  async stream(s: LiveSession, counter: number, sink: StreamSink): Promise<StreamSubscription> {
    this.checkCounter(counter);
    const subscription = new StreamSubscription(this.engine, s, await this.engine.headFor(counter), sink);
    await subscription.start();
    return subscription;
  }

  /** A read-only stream of one public room, for visitors without a session (the badge). */
  async publicStream(
    roomId: string,
    counter: number | undefined,
    sink: StreamSink,
  ): Promise<StreamSubscription> {
    const { engine } = this;
    const since = engine.feed.lastId;
    const room = await engine.store.rooms.byId(roomId);
    // Closed while it was read: refused like a room that never was public. No await from here to the
    // attach, so a later access fact finds the stream and ends it.
    if (!room || !room.isPublic || engine.access.revokedSince(roomId, since, undefined))
      throw notFound(`No room "${roomId}".`);
    const head = engine.feed.lastId;
    // Resuming is served from memory only, and never from before the room last changed who may see it: a
    // badge that was away longer simply starts from now.
    const resumable = counter !== undefined && engine.recent.covers(counter);
    const from = resumable ? Math.max(Math.min(counter, head), engine.access.lastChange(roomId)) : head;
    const subscription = new StreamSubscription(engine, undefined, from, sink, [room.id]);
    await subscription.start();
    return subscription;
  }

  private checkCounter(counter: number): void {
    if (counter < this.engine.prunedThrough)
      throw new ChatError(
        ErrorCode.invalidCounter,
        'The counter is older than the retained event log; subscribe again to get a fresh counter.',
      );
  }

  private limitFor(s: LiveSession, base: number): number {
    return s.appKey ? base * this.engine.settings.appKeyFactor : base;
  }
}

/** Events a session following `rooms` receives: theirs, and never an access fact. */
function following(rooms: readonly string[]): (e: ChatEvent) => boolean {
  return (e) => rooms.includes(e.roomId) && isVisible(e);
}
