import { ChatError, forbidden, notFound } from '../core/chat-error.js';
import { memberOccupantId, newV1Id, occupantTicket, secretKey } from '../core/ids.js';
import type { Admission, ChatEvent, ClientType, Occupant, Room, RoomAccess } from '../core/model.js';
import type { Bus, Store } from '../core/ports.js';
import { checkMessageText, checkNickname } from '../core/text.js';
import type { Clock } from '../core/time.js';
import { ErrorCode } from '../protocol/errors.js';
import type { EventLog } from './event-log.js';
import { guestNickname } from './guest-names.js';
import { MAX_EVENTS_PER_REPLY } from './hub.js';
import type { LiveSession } from './live-session.js';
import type { PresenceView } from './memberships.js';
import type { Cancellable } from './observation.js';
import {
  changesRoster,
  isUserLine,
  leaveEvent,
  occupancyEvent,
  seenBy,
  withoutEchoes,
} from './occupant-lines.js';
import type { Presence } from './presence.js';
import { PROFILE_HOLDER, type RoomWatch, type Watcher } from './room-watch.js';
import type { V1Caller, V1Sessions } from './v1-sessions.js';

/** Lines room.getInfo returns at most (spec 7.2). */
const INFO_LINES = 50;
/** Lines room.getMessages returns at most; the client comes back from the counter for more. */
const READ_LINES = 100;
/** Occupants one session may have at once: enough for a gateway in many rooms, not for a flood. */
const OCCUPANTS_PER_SESSION = 100;
/** A ticket as spec 7.1 writes it: `a-r-<room id>-<11 base62>`. */
const TICKET = /^a-r-[A-Za-z0-9_]{1,40}-[A-Za-z0-9]{11}$/;

export const invalidTicket = (): ChatError =>
  new ChatError(ErrorCode.invalidTicket, 'The ticket expired, was exited, or belongs to another session.');

/** Someone in a room as API 1.0 lists them (spec 7.3): an occupant, or an API 2.0 member online there. */
export interface OccupantView {
  id: string;
  /** The user, when logged in (an API 2.0 member always is). */
  username: string | null;
  /** Null for an anonymous observer. */
  nickname: string | null;
  source: 'api' | 'browser';
  clientType: ClientType;
}

/** A room with its newest event ids, as API 1.0 shows it (spec 7.3). */
export interface RoomSummary {
  room: Room;
  /** The room's newest event (the log's newest when the room has none retained): the first observe counter. */
  counter: number;
  /** The room's newest line said (0: none retained). */
  lastMessage: number;
}

/** A room with everyone in it. */
export interface RoomState extends RoomSummary {
  occupants: OccupantView[];
}

/** A room entered: the occupant, its ticket, and the room. */
export interface Entered {
  occupant: Occupant;
  ticket: string;
  state: RoomState;
}

/** Lines of a room for one reader, with the counter to go on from, and everyone in it when that changed. */
export interface RoomLines {
  room: Room;
  counter: number;
  lines: ChatEvent[];
  occupants?: OccupantView[];
}

/** Where a held room.observe's answer goes: lines, or nothing (the hold ended quietly). */
export interface RoomObserveSink {
  answer(update: RoomLines | undefined): void;
}

export interface OccupancyDeps {
  store: Store;
  log: EventLog;
  sessions: V1Sessions;
  watch: RoomWatch;
  presence: Presence;
  online: PresenceView;
  bus: Bus;
  clock: Clock;
  /** Whether a password opens a room (Rooms.checkPassword: true for a room without one). */
  roomPassword(room: Room, password: string | undefined): Promise<boolean>;
  /** A linked session's user left their last room: offline soon, as when a page closes. */
  departing(live: LiveSession): void;
  observeHoldMs: number;
  onError(err: unknown): void;
}

/** Users in a room through API 1.0, by username. */
const viaApi = (occupants: readonly OccupantView[]): Set<string | null> =>
  new Set(occupants.filter((o) => o.source === 'api').map((o) => o.username));

/**
 * One held room.observe. A plain object rather than closures: many are held at once. It keeps the
 * occupant's linked session observing (the user is online) while held.
 */
class RoomObserve implements Watcher, Cancellable {
  readonly events: ChatEvent[] = [];
  readonly topic: string;
  readonly holder: string;
  readonly wants: (e: ChatEvent) => boolean;
  private done = false;

  constructor(
    private readonly occupancy: Occupancy,
    private readonly presence: Presence,
    readonly occupant: Occupant,
    private readonly room: Room,
    private readonly live: LiveSession | undefined,
    private readonly sink: RoomObserveSink,
    readonly deadline: number,
    now: number,
  ) {
    this.topic = room.id;
    this.holder = occupant.id;
    this.wants = seenBy(occupant);
    if (live) presence.observeStarted(live, now);
  }

  answer(events: readonly ChatEvent[]): void {
    if (this.finish()) this.occupancy.answer(this.occupant, this.room, events, this.sink);
  }

  cancel(): void {
    if (this.finish()) this.occupancy.dropped(this);
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.live) this.presence.observeEnded(this.live, this.occupancy.now);
    return true;
  }
}

/**
 * API 1.0's rooms (spec 7.2, 7.5, 7.6): entering with a ticket, saying (in public or in private), reading
 * and observing one room at a time, nicknames, leaving. Occupants live in the store; what they may see is
 * decided per occupant (`seenBy`) from the one event log that API 2.0 reads too.
 */
export class Occupancy {
  /**
   * The roster read for the observes answered in this loop turn, by room: every observe answered with the
   * same lines carries the same whole list, and reading it once per observe made an enter into a room of
   * N held observers cost N reads of N occupants.
   */
  private readonly rosterThisTurn = new Map<
    string,
    { counter: number; occupants: Promise<OccupantView[]> }
  >();

  constructor(private readonly d: OccupancyDeps) {}

  get now(): number {
    return this.d.clock.now();
  }

  /** How long room.observe holds (reported to clients as max_observe_time: it must be the real hold). */
  get observeHoldMs(): number {
    return this.d.observeHoldMs;
  }

  /**
   * Who may come in: everyone to a public room; to a private one its members, and whoever gives its
   * password when it has one. A room closed to the caller without a password is not there for them.
   */
  private async admit(
    caller: V1Caller | undefined,
    room: Room,
    password: string | undefined,
  ): Promise<Admission> {
    if (room.isPublic) return 'open';
    if (caller?.user && (await this.d.store.rooms.membership(room.id, caller.user.id))) return 'member';
    if (room.passwordHash === null) throw notFound(`No room "${room.id}".`);
    if (await this.d.roomPassword(room, password)) return 'password';
    throw forbidden(
      password === undefined ? 'This room has a password: give it.' : 'The room password is wrong.',
    );
  }

  /** room.enter (spec 7.5): a new occupant and ticket, or with `idempotent` the session's earlier pair. */
  async enter(
    caller: V1Caller,
    roomId: string,
    input: { password?: string; nickname?: string; idempotent: boolean },
  ): Promise<Entered> {
    const room = await this.d.store.rooms.byId(roomId);
    if (!room) throw notFound(`No room "${roomId}".`);
    const admission = await this.admit(caller, room, input.password);
    const mine = await this.d.store.occupancy.ofSession(caller.session.key);
    const earlier = input.idempotent ? mine.find((o) => o.roomId === room.id) : undefined;
    if (earlier && !this.expired(earlier)) return this.entered(caller, earlier, room);
    // Its ticket ran out before the sweep came by: it leaves, and a new occupant comes in.
    if (earlier) await this.remove(earlier);
    if (mine.length >= OCCUPANTS_PER_SESSION)
      throw forbidden(`A session may be in at most ${OCCUPANTS_PER_SESSION} rooms at once; exit some first.`);
    const nickname =
      input.nickname === undefined ? null : await this.nickname(caller.user !== undefined, input.nickname);
    const now = this.now;
    const id = newV1Id();
    const occupant: Occupant = {
      id,
      ticketKey: secretKey(occupantTicket(caller.secret, room.id, id)),
      sessionKey: caller.session.key,
      roomId: room.id,
      userId: caller.user?.id ?? null,
      username: caller.user?.username ?? null,
      nickname,
      clientType: caller.session.clientType,
      admission,
      enteredAt: now,
      lastSeenAt: now,
    };
    // An anonymous observer comes in silently (spec 7.5).
    const event =
      nickname === null ? undefined : occupancyEvent(occupant, now, { type: 'system:enter', nickname });
    const stored = await this.d.store.occupancy.enter(occupant, event);
    if (stored) this.d.log.published([stored]);
    return this.entered(caller, occupant, room);
  }

  private async entered(caller: V1Caller, occupant: Occupant, room: Room): Promise<Entered> {
    return {
      occupant,
      ticket: occupantTicket(caller.secret, room.id, occupant.id),
      state: await this.state(room),
    };
  }

  /** A nickname: anyone's for a logged-in user; never a registered user's name for an anonymous one. */
  private nickname(loggedIn: boolean, raw: string): Promise<string> {
    return loggedIn ? Promise.resolve(checkNickname(raw)) : guestNickname(this.d.store, raw);
  }

  /**
   * The occupant a ticket names, in the room it entered, or error 109: a ticket that expired, was exited,
   * is another session's, or whose room closed to it (the occupant then leaves).
   */
  private async ticketOf(caller: V1Caller, ticket: string): Promise<{ occupant: Occupant; room: Room }> {
    if (!TICKET.test(ticket)) throw invalidTicket();
    const occupant = await this.d.store.occupancy.byTicket(secretKey(ticket));
    if (!occupant || occupant.sessionKey !== caller.session.key) throw invalidTicket();
    const room = await this.d.store.rooms.byId(occupant.roomId);
    if (!room || this.expired(occupant) || !(await this.mayStay(occupant, room))) {
      await this.remove(occupant);
      throw invalidTicket();
    }
    return { occupant, room };
  }

  /** Whether the occupant's ticket went unread too long (the sweep removes it soon, if not already). */
  private expired(o: Occupant): boolean {
    return this.now - this.d.sessions.lastRead(o.id, o.lastSeenAt) > this.d.sessions.ticketIdleMs;
  }

  /** Private rooms are closed on every path: only members and those let in by the password stay. */
  private async mayStay(o: Occupant, room: Room): Promise<boolean> {
    if (room.isPublic || (o.admission === 'password' && room.passwordHash !== null)) return true;
    return o.userId !== null && (await this.d.store.rooms.membership(room.id, o.userId)) !== undefined;
  }

  private async remove(o: Occupant): Promise<void> {
    this.d.sessions.settle(await this.d.store.occupancy.exit(o.id, leaveEvent(this.now)));
  }

  /** room.exit: the occupant leaves (with a line when it was shown). */
  async exit(caller: V1Caller, ticket: string): Promise<void> {
    const { occupant } = await this.ticketOf(caller, ticket);
    await this.remove(occupant);
    // The user's last room: offline within seconds rather than after the grace period.
    if (caller.live && (await this.d.store.occupancy.ofSession(caller.session.key)).length === 0)
      this.d.departing(caller.live);
  }

  /** room.setNickname: a nickname change line; an anonymous observer who takes one enters visibly. */
  async setNickname(caller: V1Caller, ticket: string, raw: string): Promise<void> {
    const { occupant } = await this.ticketOf(caller, ticket);
    const nickname = await this.nickname(occupant.userId !== null, raw);
    if (nickname === occupant.nickname) return;
    const at = this.now;
    const event = await this.d.store.occupancy.rename(occupant.id, nickname, (before) =>
      before.nickname === null
        ? occupancyEvent({ ...before, nickname }, at, { type: 'system:enter', nickname })
        : occupancyEvent(before, at, {
            type: 'system:nickname_change',
            nickname: before.nickname,
            newNickname: nickname,
          }),
    );
    if (!event) throw invalidTicket();
    this.d.log.published([event]);
  }

  /**
   * room.say: a line for everyone (an ordinary message, which API 2.0, the web and archives show too), or
   * with `to` a private line for that occupant (and all of its user's occupants here) and the sender only.
   * Anonymous observers may not speak.
   */
  async say(
    caller: V1Caller,
    ticket: string,
    text: string,
    to?: string,
  ): Promise<{ room: Room; event: ChatEvent }> {
    const { occupant: o, room } = await this.ticketOf(caller, ticket);
    if (o.nickname === null)
      throw forbidden('An anonymous observer cannot say anything: set a nickname first (room.setNickname).');
    const body = checkMessageText(text);
    const now = this.now;
    if (to !== undefined) {
      const target = await this.d.store.occupancy.byId(to);
      if (!target || target.roomId !== room.id)
        throw notFound(
          `No occupant "${to}" is in this room through API 1.0 (private lines reach only those).`,
        );
      const [event] = await this.d.log.append([
        occupancyEvent(o, now, {
          type: 'private',
          nickname: o.nickname,
          text: body,
          to: { occupantId: target.id, userId: target.userId },
        }),
      ]);
      return { room, event: event as ChatEvent };
    }
    const { event } = await this.d.store.messages.append({
      roomId: room.id,
      type: 'user',
      speakerId: o.username ?? o.id,
      publicSessionId: caller.session.publicId,
      nickname: o.nickname,
      text: body,
      localId: null,
      createdAt: now,
      occupant: { id: o.id, clientType: o.clientType },
    });
    this.d.log.published([event]);
    if (o.userId !== null) await this.d.store.rooms.touchMember(room.id, o.userId, now);
    return { room, event };
  }

  /**
   * room.getMessages: the lines after `counter` the occupant may see (a negative counter: the last N), read
   * from the log. Keeps the ticket alive, as observing does.
   */
  async messages(caller: V1Caller, ticket: string, counter: number, userOnly: boolean): Promise<RoomLines> {
    const { occupant, room } = await this.ticketOf(caller, ticket);
    this.d.sessions.ticketRead(occupant.id);
    const seen = seenBy(occupant);
    const wanted = (e: ChatEvent) => seen(e) && (!userOnly || isUserLine(e));
    if (counter < 0) {
      const lines = await this.lastLines(room.id, Math.min(-counter, READ_LINES), wanted);
      const [summary] = await this.summaries([room]);
      return this.withoutEchoes({ room, counter: (summary as RoomSummary).counter, lines });
    }
    const read = await this.d.log.storedInRoom(room.id, counter, READ_LINES);
    const last = read[read.length - 1];
    return this.withoutEchoes({
      room,
      counter: last ? last.id : await this.d.log.headFor(counter),
      lines: read.filter(wanted),
    });
  }

  /** The newest `n` lines of the room that pass `wanted`, oldest first, looking back a bounded way. */
  private async lastLines(
    roomId: string,
    n: number,
    wanted: (e: ChatEvent) => boolean,
  ): Promise<ChatEvent[]> {
    const found: ChatEvent[] = [];
    let before: number | undefined;
    for (let page = 0; page < 10 && found.length < n; page++) {
      const events = await this.d.store.events.lastInRoom(roomId, READ_LINES, before);
      if (events.length === 0) break;
      found.unshift(...events.filter(wanted));
      before = (events[0] as ChatEvent).id;
    }
    return found.slice(-n);
  }

  /**
   * room.observe (spec 7.6): answers at once with the lines after `counter` the occupant may see, or holds
   * until one comes or the hold ends (then status only). Read from the log by counter, so a lost answer
   * loses nothing. A newer observe of the same ticket, here or in another process, answers this one.
   */
  async observe(
    caller: V1Caller,
    ticket: string,
    counter: number,
    sink: RoomObserveSink,
  ): Promise<Cancellable> {
    const { occupant, room } = await this.ticketOf(caller, ticket);
    this.d.sessions.ticketRead(occupant.id);
    const { log } = this.d;
    const seen = seenBy(occupant);
    const wanted = (e: ChatEvent) => e.roomId === room.id && seen(e);
    // A counter past the head (another process ahead of us, or a made-up one) counts as the head.
    const from = await log.headFor(counter);
    const head = log.head;
    let ready: ChatEvent[] = [];
    if (from < head) {
      if (log.inMemoryAfter(from)) ready = log.recentAfter(from, MAX_EVENTS_PER_REPLY, wanted);
      else {
        ready = (await log.storedInRoom(room.id, from, MAX_EVENTS_PER_REPLY)).filter(seen);
        // Whatever went out while the store was read is in memory.
        if (ready.length === 0 && log.inMemoryAfter(head))
          ready = log.recentAfter(head, MAX_EVENTS_PER_REPLY, wanted);
      }
    }
    // From here to the hold nothing awaits: every later event finds the watcher.
    const now = this.now;
    const held = new RoomObserve(
      this,
      this.d.presence,
      occupant,
      room,
      caller.live,
      sink,
      now + this.d.observeHoldMs,
      now,
    );
    if (ready.length > 0) held.answer(ready);
    else {
      this.d.watch.hold(held);
      this.d.bus.publish({ kind: 'observing', occupantId: occupant.id });
    }
    return held;
  }

  /** A held observe's client went away. */
  dropped(held: RoomObserve): void {
    this.d.watch.drop(held);
    this.d.sessions.ticketRead(held.occupant.id);
  }

  /** Answers an observe: nothing, or the lines with the roster when it changed. */
  answer(occupant: Occupant, room: Room, events: readonly ChatEvent[], sink: RoomObserveSink): void {
    this.d.sessions.ticketRead(occupant.id);
    const last = events[events.length - 1];
    if (!last) return sink.answer(undefined);
    this.withoutEchoes({ room, counter: last.id, lines: [...events] }).then(
      (update) => sink.answer(update),
      (err: unknown) => {
        this.d.onError(err);
        sink.answer(undefined);
      },
    );
  }

  /**
   * Takes out presence and membership lines about users who are in the room through API 1.0: their
   * occupants' own lines already say they came and went. Adds the roster when the lines changed it.
   */
  private async withoutEchoes(update: RoomLines): Promise<RoomLines> {
    if (!update.lines.some(changesRoster)) return update;
    const occupants = await this.rosterAfter(update.room, update.counter);
    return { ...update, lines: withoutEchoes(update.lines, viaApi(occupants)), occupants };
  }

  /**
   * room.getInfo (spec 7.2): a room with its lines from `counter` on (inclusive; negative: the last N; none
   * without), private lines never. A private room shows itself to its members and to whoever gives its
   * password.
   */
  async info(
    roomId: string,
    input: { counter?: number; userOnly: boolean; password?: string; caller?: V1Caller },
  ): Promise<{ state: RoomState; lines: ChatEvent[] }> {
    const room = await this.d.store.rooms.byId(roomId);
    if (!room) throw notFound(`No room "${roomId}".`);
    await this.admit(input.caller, room, input.password);
    const seen = seenBy(undefined);
    const wanted = (e: ChatEvent) => seen(e) && (!input.userOnly || isUserLine(e));
    const { counter } = input;
    const lines =
      counter === undefined
        ? []
        : counter < 0
          ? await this.lastLines(room.id, Math.min(-counter, INFO_LINES), wanted)
          : (await this.d.store.events.inRoom(room.id, Math.max(0, counter - 1), INFO_LINES)).filter(wanted);
    const state = await this.state(room);
    return { state, lines: withoutEchoes(lines, viaApi(state.occupants)) };
  }

  /** Rooms with their newest event ids, read for all of them at once. */
  async summaries(rooms: readonly Room[]): Promise<RoomSummary[]> {
    const marks = await this.d.store.events.roomMarks(rooms.map((r) => r.id));
    const head = this.d.log.head;
    return rooms.map((room) => {
      const m = marks.get(room.id);
      return { room, counter: m?.latest ?? head, lastMessage: m?.latestMessage ?? 0 };
    });
  }

  /** The roster once the lines up to `counter` are out, read once for every observe answered in this turn. */
  private rosterAfter(room: Room, counter: number): Promise<OccupantView[]> {
    const cached = this.rosterThisTurn.get(room.id);
    if (cached?.counter === counter) return cached.occupants;
    const occupants = this.occupantsOf(room);
    const entry = { counter, occupants };
    this.rosterThisTurn.set(room.id, entry);
    setImmediate(() => {
      if (this.rosterThisTurn.get(room.id) === entry) this.rosterThisTurn.delete(room.id);
    });
    return occupants;
  }

  async state(room: Room): Promise<RoomState> {
    const [[summary], occupants] = await Promise.all([this.summaries([room]), this.occupantsOf(room)]);
    return { ...(summary as RoomSummary), occupants };
  }

  /**
   * Everyone in the room (spec 7.8): its API 1.0 occupants in the order they came, anonymous observers
   * included, then its members online through API 2.0 who have no occupant here, by name.
   */
  async occupantsOf(room: Room): Promise<OccupantView[]> {
    const [occupants, members] = await Promise.all([
      this.d.store.occupancy.inRoom(room.id),
      this.d.store.rooms.members(room.id),
    ]);
    const viaApi = new Set(occupants.map((o) => o.userId));
    const online = members
      .filter((m) => !viaApi.has(m.userId) && this.d.online.isUserOnline(m.userId))
      .sort((a, b) => a.name.localeCompare(b.name));
    return [
      ...occupants.map((o): OccupantView => ({
        id: o.id,
        username: o.username,
        nickname: o.nickname,
        source: 'api',
        clientType: o.clientType,
      })),
      ...online.map((m): OccupantView => ({
        id: memberOccupantId(m.username),
        username: m.username,
        nickname: m.name,
        source: 'browser',
        clientType: 'human',
      })),
    ];
  }

  /**
   * An access fact narrowed the room: held observes there come back to be checked, and occupants who may
   * no longer be in it leave (every process tries; the store lets one of them remove each).
   */
  async narrowed(e: ChatEvent, access: RoomAccess): Promise<void> {
    this.d.watch.releaseTopic(e.roomId);
    // A deleted room took its occupants with it; a public one keeps everyone.
    if (access.deleted || access.isPublic) return;
    this.d.sessions.settle(
      await this.d.store.occupancy.evict(e.roomId, access.members, leaveEvent(this.now)),
    );
  }

  /** Occupant ids with an observe held here (their tickets count as read while held). */
  heldOccupants(): string[] {
    return this.d.watch.holders().filter((h) => !h.startsWith(PROFILE_HOLDER));
  }
}
