import type {
  Bot,
  BotFailure,
  ChatEvent,
  Language,
  MemberView,
  Membership,
  Message,
  NewEvent,
  NewMessage,
  Occupant,
  Room,
  SessionRecord,
  User,
  V1Session,
} from './model.js';

/**
 * Storage seam, async so that a networked database can stand behind the same calls. Several processes
 * (and nodes) may share one store; it is the truth, and what they tell each other only says what changed.
 */
export interface Store {
  readonly users: UserRepository;
  readonly rooms: RoomRepository;
  readonly sessions: SessionRepository;
  readonly messages: MessageRepository;
  readonly events: EventRepository;
  readonly favorites: FavoriteRepository;
  readonly directory: DirectoryRepository;
  readonly occupancy: OccupancyRepository;
  readonly bots: BotRepository;
  /**
   * Calls `changed` soon after another process (or node) stored events, so this one can read them; how
   * soon is the adapter's (SQLite polls, PostgreSQL can be told). `upTo` is the highest event id stored,
   * when the adapter knows it. Returns a function that stops watching.
   */
  watch(changed: (upTo?: number) => void): () => void;
  /**
   * A number that differs from its last value whenever another process has committed since, read without
   * a query (SQLite's data_version). Absent where the store cannot tell so cheaply: there other processes'
   * changes reach this one only as facts on the log.
   */
  foreignCommits?(): number;
  /** Stops watching and closes the store; nothing may be called after. */
  close(): Promise<void>;
}

/** Public rooms as the explore pages list them; private rooms never appear here. */
export interface DirectoryRepository {
  /** Rooms with the most lines since `since`, busiest first. */
  hot(since: number, limit: number): Promise<Array<{ room: Room; lines: number }>>;
  newest(limit: number): Promise<Room[]>;
  /** Tags with how many public rooms carry them, most used first. */
  tags(limit: number): Promise<Array<{ tag: string; rooms: number }>>;
  withTag(tag: string, limit: number): Promise<Room[]>;
  /** Rooms whose name, description or a tag contains `query` (case-insensitive). */
  search(query: string, limit: number): Promise<Room[]>;
  /** Public rooms sharing a tag with the room, most shared tags first. */
  related(roomId: string, limit: number): Promise<Room[]>;
}

export interface UserRepository {
  create(input: {
    username: string;
    name: string;
    passwordHash: string;
    createdAt: number;
    guest?: boolean;
    /** Taken already (whatever its case): invalid_parameter, and no user is made. */
    email?: string | null;
  }): Promise<User>;
  /** Deletes the account (its memberships and sessions go with it; its lines stay). */
  delete(id: number): Promise<void>;
  /**
   * Deletes the account for good, as the operator does: its sessions, memberships, favourites and icon go
   * with it, its lines stay, and its username and name are kept as a retired user's so that nobody takes the
   * username again. Writes `event` (its account change) in the same transaction. Undefined when there was
   * no such user.
   */
  retire(id: number, at: number, event: NewEvent): Promise<ChatEvent | undefined>;
  /** Which of these usernames belonged to accounts deleted with `retire`. */
  retired(usernames: readonly string[]): Promise<Set<string>>;
  /** Every user, guests too, in the order they signed up. */
  list(): Promise<User[]>;
  /**
   * Gives the user a new password hash and ends every session of theirs (not API 1.0's: see
   * OccupancyRepository.endSessionsOf), writing `event` (its account change) in the same transaction.
   * Undefined when there is no such user.
   */
  setPassword(id: number, passwordHash: string, event: NewEvent): Promise<ChatEvent | undefined>;
  /** Makes the user a site administrator, or with false no longer one. */
  setAdmin(id: number, admin: boolean): Promise<void>;
  byUsername(username: string): Promise<User | undefined>;
  byId(id: number): Promise<User | undefined>;
  /** The user with this email, compared case-insensitively. */
  byEmail(email: string): Promise<User | undefined>;
  /** Gives the user this email, or with null none; one another user has (whatever its case): invalid_parameter. */
  setEmail(id: number, email: string | null): Promise<void>;
  /**
   * Whether a registered user (not a guest) has a username or display name that reads as `name` does,
   * compared by `nameKey` (core/text.ts).
   */
  registeredNamed(name: string): Promise<boolean>;
  rename(id: number, name: string): Promise<void>;
  /** The language the user chose for the pages, or null to follow their browser. */
  setLanguage(id: number, language: Language | null): Promise<void>;
  setIcon(id: number, icon: { type: string; bytes: Buffer }, at: number): Promise<void>;
  /** The uploaded icon of a user, if any. */
  icon(username: string): Promise<{ type: string; bytes: Buffer } | undefined>;
}

export interface RoomRepository {
  create(room: Room): Promise<Room>;
  byId(id: string): Promise<Room | undefined>;
  /** Every room, private ones too, in the order they were made. */
  list(): Promise<Room[]>;
  membership(roomId: string, userId: number): Promise<Membership | undefined>;
  /** The room and the user's membership of it (none: not a member), in one read; undefined: no room. */
  withMembership(
    roomId: string,
    userId: number,
  ): Promise<{ room: Room; membership: Membership | undefined } | undefined>;
  members(roomId: string): Promise<MemberView[]>;
  /** Room ids the user belongs to, in the order joined. */
  roomIdsOf(userId: number): Promise<string[]>;
  /** Adds the member and its membership event in one transaction; undefined if already a member. */
  join(
    membership: Membership,
    event: (member: MemberView) => NewEvent,
  ): Promise<{ member: MemberView; event: ChatEvent } | undefined>;
  /**
   * Removes the member and writes its events in one transaction (the membership event, and for a private
   * room the access fact that takes the room from them); undefined if not a member.
   */
  leave(
    roomId: string,
    userId: number,
    events: (member: MemberView, room: Room, members: MemberView[]) => NewEvent[],
  ): Promise<ChatEvent[] | undefined>;
  touchMember(roomId: string, userId: number, at: number): Promise<void>;
  /** Marks the member's lines read through `messageId` (never moves back). */
  markRead(roomId: string, userId: number, messageId: number): Promise<void>;
  /** Per room of the user: lines after the last one read, counted up to `cap`. */
  unread(userId: number, cap: number): Promise<Map<string, number>>;
  /** The token of the room's invitation link, if it has one. */
  invitation(roomId: string): Promise<string | undefined>;
  /**
   * Gives the room an invitation link with this token, replacing any it had, or with null takes it away.
   * The link goes with the room when it is deleted.
   */
  setInvitation(roomId: string, token: string | null, at: number): Promise<void>;
  /**
   * Deletes the room with its memberships, tags and messages, and writes `event` (its access fact) in the
   * same transaction; the event log keeps what it had. Undefined when there was no such room.
   */
  remove(id: string, event: NewEvent): Promise<ChatEvent | undefined>;
  /**
   * Changes a room's settings (not its id, owner or creation time). When the change narrows who may see it,
   * `event` builds the access fact from the members, written in the same transaction.
   */
  update(room: Room, event?: (members: MemberView[]) => NewEvent): Promise<ChatEvent | undefined>;
  /** Gives the room this icon, replacing any it had; the icon goes with the room when it is deleted. */
  setIcon(roomId: string, icon: { type: string; bytes: Buffer }, at: number): Promise<void>;
  /** The uploaded icon of a room, if any. */
  icon(roomId: string): Promise<{ type: string; bytes: Buffer } | undefined>;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  byId(id: string): Promise<SessionRecord | undefined>;
  /** Whether the session is still there (one cheap read: servers ask on every call). */
  exists(id: string): Promise<boolean>;
  /** The user's sessions, the most recently active first. */
  ofUser(userId: number): Promise<SessionRecord[]>;
  delete(id: string): Promise<void>;
  update(id: string, patch: Partial<Pick<SessionRecord, 'nickname' | 'hidden' | 'online'>>): Promise<void>;
  setRooms(id: string, rooms: readonly string[]): Promise<void>;
  /** Persists last-activity times in one batch; the engine flushes them now and then. */
  touch(entries: ReadonlyArray<{ id: string; lastActiveAt: number }>): Promise<void>;
  /** Sessions that were online when the server last stopped. */
  online(): Promise<SessionRecord[]>;
  /** Removes sessions idle since before the given time and returns them. */
  expire(idleSince: number): Promise<SessionRecord[]>;
}

/** A line just stored, with its event. */
export interface AppendedLine {
  message: Message;
  event: ChatEvent;
}

/** A member's line just stored; `roomHasBots` tells whoever offers lines to bots whether to look. */
export interface AppendedMemberLine extends AppendedLine {
  roomHasBots: boolean;
}

export interface MessageRepository {
  /** Stores the message and its event (`lineEvent`) atomically: nothing is published that is not durable. */
  append(message: NewMessage): Promise<AppendedLine>;
  /**
   * Stores a member's line as `append` does, only while `memberId` belongs to the room: undefined when not
   * (never joined, left, or the room is gone). Records in the same transaction that the member spoke
   * (active then, and read through the line), and tells whether the room had bots at that moment.
   */
  appendAsMember(message: NewMessage, memberId: number): Promise<AppendedMemberLine | undefined>;
  byId(id: number): Promise<Message | undefined>;
  /** The newest `limit` messages of the room with id below `before`, oldest first. */
  latest(roomId: string, limit: number, before?: number): Promise<Message[]>;
  /** Messages created in [from, to), oldest first, skipping the first `offset` of them. */
  between(roomId: string, from: number, to: number, limit: number, offset?: number): Promise<Message[]>;
  /** How many messages were created in [from, to); with `beforeId`, only those with a smaller id. */
  countBetween(roomId: string, from: number, to: number, beforeId?: number): Promise<number>;
  /** How many lines fell in each `bucketMs`-long slice of time (slice start → count), for archive calendars. */
  activity(roomId: string, bucketMs: number): Promise<Array<{ start: number; lines: number }>>;
  /** Messages whose text contains `query` (case-insensitive for ASCII), newest first. */
  search(roomId: string, query: string, limit: number): Promise<Message[]>;
  /** How many messages `search` would find with no limit. */
  countMatches(roomId: string, query: string): Promise<number>;
  /**
   * Lines across rooms that contain every one of `terms` as a literal substring (case-insensitive at least
   * for ASCII; nothing in a term is query syntax), from the rooms `viewerId` may read: every public room,
   * and the private rooms that user belongs to (none without a viewer). Newest first, `limit` of them from
   * `offset`, with how many match in all. No terms match nothing.
   */
  searchVisible(
    terms: readonly string[],
    viewerId: number | undefined,
    limit: number,
    offset: number,
  ): Promise<{ total: number; messages: Message[] }>;
}

/**
 * The event log. Ids come from one global, strictly increasing counter above 0, and become visible in id
 * order: once a reader sees event N, every event below N that will ever exist is visible too. (A store
 * whose ids can commit out of order must hide an id until every lower one is settled.)
 */
export interface EventRepository {
  /** Stores the events in one transaction, in order, and returns them with their ids. */
  append(events: readonly NewEvent[]): Promise<ChatEvent[]>;
  /**
   * Events after `counter`, ascending. With `rooms`, only the events of those rooms that API 2.0 clients
   * see (no access facts, occupancy lines or account changes); without, every event, as the feed needs them.
   */
  after(counter: number, limit: number, rooms?: readonly string[]): Promise<ChatEvent[]>;
  /** Events of one room after `counter`, ascending, every kind but access facts (API 1.0's history). */
  inRoom(roomId: string, counter: number, limit: number): Promise<ChatEvent[]>;
  /** The newest `limit` events of the room below `before` (no access facts), oldest first. */
  lastInRoom(roomId: string, limit: number, before?: number): Promise<ChatEvent[]>;
  /**
   * For each room that has any: its newest event (no access facts) and its newest message event, as API
   * 1.0's room counters show them. Rooms without retained events are left out.
   */
  roomMarks(roomIds: readonly string[]): Promise<Map<string, RoomMarks>>;
  /** The highest event id ever assigned (never 0). */
  current(): Promise<number>;
  /** Counters at or below this value may have lost events to retention. */
  prunedThrough(): Promise<number>;
  prune(olderThan: number): Promise<number>;
  /**
   * Whether events this process stores are announced to other processes' `Store.watch` (on until told
   * otherwise). Off while a bus that reaches every process carries them: announcing them as well would wake
   * every process twice for each write. Absent where watching needs no announcement (SQLite polls).
   */
  announceWrites?(on: boolean): void;
  /** Tells other processes' `Store.watch` that events through `upTo` are stored: ones the bus did not carry. */
  announce?(upTo: number): Promise<void>;
}

/** The newest event ids of a room (`latestMessage` is undefined when no line is retained). */
export interface RoomMarks {
  latest: number;
  latestMessage: number | undefined;
}

/** What a removal took away: sessions, occupants, and the leave events written with it. */
export interface Departures {
  sessions: V1Session[];
  occupants: Occupant[];
  events: ChatEvent[];
}

/** Builds the event that says an occupant left, or nothing for one that was never shown (an observer). */
export type LeaveEvent = (occupant: Occupant) => NewEvent | undefined;

/**
 * API 1.0's sessions and occupants (spec 7.5). They live in the store, so any process (or node) answers any
 * call. Every removal deletes and returns the same rows in one statement (DELETE … RETURNING), with the
 * leave events in the same transaction, so that exactly one process announces each departure.
 */
export interface OccupancyRepository {
  createSession(session: V1Session): Promise<void>;
  session(key: string): Promise<V1Session | undefined>;
  /** Logs the session in (a user and the key of its linked session) or out (both null). */
  setUser(key: string, userId: number | null, liveKey: string | null): Promise<void>;
  /** Deletes the session and its occupants with their leave events; nothing when it was gone already. */
  endSession(key: string, leave: LeaveEvent): Promise<Departures>;
  /** Ends every session logged in as the user, as `endSession` ends one. */
  endSessionsOf(userId: number, leave: LeaveEvent): Promise<Departures>;
  /** Adds an occupant, and its enter event when it is shown, in one transaction. */
  enter(occupant: Occupant, event?: NewEvent): Promise<ChatEvent | undefined>;
  byId(id: string): Promise<Occupant | undefined>;
  byTicket(ticketKey: string): Promise<Occupant | undefined>;
  /** The session's occupants in the order they entered; only those in `roomId` when given. */
  ofSession(sessionKey: string, roomId?: string): Promise<Occupant[]>;
  /** A room's occupants in the order they entered. */
  inRoom(roomId: string): Promise<Occupant[]>;
  /** A user's occupants, in every room, in the order they entered. */
  ofUser(userId: number): Promise<Occupant[]>;
  /**
   * Sets an occupant's nickname and writes the event `event` makes of it (from the occupant as it was), in
   * one transaction; undefined when the occupant is gone.
   */
  rename(id: string, nickname: string, event: (before: Occupant) => NewEvent): Promise<ChatEvent | undefined>;
  /** Removes one occupant with its leave event; nothing when it was gone already. */
  exit(id: string, leave: LeaveEvent): Promise<Departures>;
  /** Persists times of sessions' last calls and of tickets' last reads in one batch; never moves one back. */
  touch(
    sessions: ReadonlyArray<{ key: string; at: number }>,
    occupants: ReadonlyArray<{ id: string; at: number }>,
  ): Promise<void>;
  /**
   * Removes the occupants whose ticket was not read since `ticketsSince`, and the sessions without a call
   * since `sessionsSince` with all their occupants; leave events in the same transaction.
   */
  expire(ticketsSince: number, sessionsSince: number, leave: LeaveEvent): Promise<Departures>;
  /**
   * The room narrowed to `members`: removes its occupants who may no longer be in it (neither let in by its
   * password nor logged in as a member), with their leave events.
   */
  evict(roomId: string, members: readonly number[], leave: LeaveEvent): Promise<Departures>;
}

/** Where one bot stands in one room's lines: delivered through `cursor`. */
export interface BotCursor {
  botId: string;
  roomId: string;
  cursor: number;
}

/**
 * Bots, the rooms they are in, and their delivery cursors. A bot hears a room's lines after its cursor;
 * the cursor moves only by compare-and-set under a lease, so whichever processes and nodes run, exactly one
 * delivers each line, one at a time and in order.
 */
export interface BotRepository {
  /** Registers the bot; an id taken by another bot (whatever its case): invalid_parameter, nothing made. */
  create(bot: Bot): Promise<Bot>;
  byId(id: string): Promise<Bot | undefined>;
  /** Every bot, by id; with `ownerId`, only that user's. */
  list(ownerId?: number): Promise<Bot[]>;
  /** Changes name, secret, callback and enabled (never id, owner or creation time). */
  update(bot: Bot): Promise<void>;
  /** Deletes the bot with its icon, its places in rooms, its cursors and its failures. */
  delete(id: string): Promise<void>;
  setIcon(id: string, icon: { type: string; bytes: Buffer }, at: number): Promise<void>;
  icon(id: string): Promise<{ type: string; bytes: Buffer } | undefined>;
  /**
   * Puts the bot in the room, hearing lines after `cursor` (the log's head when added, so it gets no
   * backlog); false when it was there already. Deleting the room takes its bots out.
   */
  addToRoom(roomId: string, botId: string, cursor: number, at: number): Promise<boolean>;
  /** False when the bot was not in the room. */
  removeFromRoom(roomId: string, botId: string): Promise<boolean>;
  /** The room's bots in the order they were added. */
  inRoom(roomId: string): Promise<Bot[]>;
  /** Ids of the rooms the bot is in, in the order it was added to them. */
  roomsOf(botId: string): Promise<string[]>;
  /**
   * Takes (or renews) the lease of delivering the bot's lines in the room for `holder` until `until`, when
   * it is free, expired at `now`, or held by `holder` already; the cursor then, or undefined when another
   * holds it or the bot left the room.
   */
  claim(
    botId: string,
    roomId: string,
    holder: string,
    now: number,
    until: number,
  ): Promise<number | undefined>;
  /**
   * Moves the cursor from `from` to `to` and renews the lease, only while `holder` holds it and the cursor
   * is still `from`; false otherwise (the lease was lost: the line is not this holder's to deliver).
   */
  advance(
    botId: string,
    roomId: string,
    holder: string,
    from: number,
    to: number,
    until: number,
  ): Promise<boolean>;
  /** Gives the lease up when `holder` has it; the cursor stays. */
  release(botId: string, roomId: string, holder: string): Promise<void>;
  /**
   * Cursors with no live lease at `now` whose room has a message event after them: lines nobody is
   * delivering (their holder died, or stopped just as one came), at most `limit`.
   */
  behind(now: number, limit: number): Promise<BotCursor[]>;
  /** Records a failed delivery, keeping the bot's newest `keep` failures. */
  noteFailure(botId: string, failure: BotFailure, keep: number): Promise<void>;
  /** The bot's recorded failures, newest first. */
  failures(botId: string): Promise<BotFailure[]>;
}

/** What became of one webhook POST. */
export type WebhookOutcome =
  /** A 2xx answer: its body decoded as UTF-8, cut at the reply limit (`cut` says whether it was). */
  | { ok: true; status: number; body: string; cut: boolean; ms: number }
  /** No 2xx answer: refused before connecting, unreachable, timed out, redirected, or another status. */
  | { ok: false; reason: string; status?: number; ms: number };

/**
 * Outbound HTTP to bots' callbacks. The adapter enforces the safety rules (http and https only, private
 * and loopback addresses refused at connection time unless allowed, no redirects followed, a timeout, a
 * cap on the answer's size), so the engine never reaches a socket itself.
 */
export interface Webhooks {
  /** Refuses (invalid_parameter, with the reason) a callback URL this server would never call. */
  check(url: string): Promise<void>;
  /** POSTs `body` as JSON with the given extra headers; never throws. */
  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<WebhookOutcome>;
}

export interface FavoriteRepository {
  add(userId: number, messageId: number, at: number): Promise<number>;
  remove(userId: number, messageId: number): Promise<void>;
  /** favourite id by message id, for the given messages. */
  of(userId: number, messageIds: readonly number[]): Promise<Map<number, number>>;
  inRoom(userId: number, roomId: string): Promise<number[]>;
  /** The user's starred message ids, the latest starred first. */
  latest(userId: number, limit: number): Promise<number[]>;
}

/**
 * Rate-limit windows shared by every process and node (a sliding window: this fixed window plus the last,
 * weighted by how much of it is still inside), so a limit is the same whichever node answers.
 */
export interface LimitCounters {
  /** Adds `weight` (negative takes back) to `key` and returns its weighted count after that, atomically. */
  add(key: string, windowMs: number, weight: number, now: number): Promise<number>;
  /** Forgets `key`. */
  reset(key: string, windowMs: number, now: number): Promise<void>;
}

/** Structured logging seam (pino satisfies it). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What one server process tells the others (the store holds the data; this only says what changed). */
export type BusMessage =
  /** Events this process wrote, in the order it wrote them. */
  | { kind: 'events'; events: ChatEvent[] }
  /** A session's record changed or the session ended: reload it from the store. */
  | { kind: 'session'; id: string }
  /** A user renamed themself: every session of theirs takes the new name. */
  | { kind: 'renamed'; userId: number; name: string }
  /** Whether a user is online in any process (sent by the ledger when that changes). */
  | { kind: 'online'; userId: number; online: boolean }
  /** An API 1.0 occupant observes again: an older observe of it, held elsewhere, is answered now. */
  | { kind: 'observing'; occupantId: string };

/** Whether a bus carries this process's messages to the others, and theirs to it, as far as it can tell. */
export interface BusHealth {
  sending: boolean;
  hearing: boolean;
}

/**
 * The seam between server processes: in-process (one process), cluster IPC (several on one machine), or a
 * networked broker (several nodes).
 *
 * What it guarantees: a message published by one process reaches every other process that is up, at most
 * once, after a delay, in the order that process published it; never to the publisher itself. What it
 * does not: delivery to a process that is down or starting, or any order between publishers. Nothing
 * depends on it for the truth: a process that misses events reads them from the store (the feed fills
 * gaps, `Store.watch` tells of changes), and a session reloads from the store.
 */
export interface Bus {
  /**
   * True when every process that shares the store hears what this one publishes (a networked broker):
   * while it is healthy, the store need not tell the others of this process's events.
   */
  readonly reachesEveryProcess: boolean;
  /**
   * Calls `changed` at once with the bus's health and again whenever it changes. Absent where the bus
   * cannot fail (in one process or one machine).
   */
  watchHealth?(changed: (health: BusHealth) => void): void;
  /** Calls `dropped` with the messages of this process that the bus could not send. */
  onDropped?(dropped: (messages: readonly BusMessage[]) => void): void;
  /** Sends to every other process. */
  publish(message: BusMessage): void;
  /** Receives what other processes publish (handlers are called in publication order per publisher). */
  subscribe(handler: (message: BusMessage) => void): void;
  /**
   * Records that a user went online or offline in this process; true when that changes whether the user
   * is online anywhere, so exactly one process announces each change.
   */
  presence(userId: number, online: boolean): Promise<boolean>;
}
