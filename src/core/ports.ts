import type {
  ChatEvent,
  MemberView,
  Membership,
  Message,
  NewEvent,
  NewMessage,
  Room,
  SessionRecord,
  User,
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
  /**
   * Calls `changed` soon after another process (or node) stored events, so this one can read them; how
   * soon is the adapter's (SQLite polls, PostgreSQL can be told). `upTo` is the highest event id stored,
   * when the adapter knows it. Returns a function that stops watching.
   */
  watch(changed: (upTo?: number) => void): () => void;
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
  setIcon(id: number, icon: { type: string; bytes: Buffer }, at: number): Promise<void>;
  /** The uploaded icon of a user, if any. */
  icon(username: string): Promise<{ type: string; bytes: Buffer } | undefined>;
}

export interface RoomRepository {
  create(room: Room): Promise<Room>;
  byId(id: string): Promise<Room | undefined>;
  membership(roomId: string, userId: number): Promise<Membership | undefined>;
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

export interface MessageRepository {
  /** Stores the message and its event atomically: nothing is published that is not durable. */
  append(
    message: NewMessage,
    event: (stored: Message) => NewEvent,
  ): Promise<{ message: Message; event: ChatEvent }>;
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
   * Events after `counter`, ascending. With `rooms`, only the events of those rooms that clients see (no
   * access facts); without, every event, as the feed needs them.
   */
  after(counter: number, limit: number, rooms?: readonly string[]): Promise<ChatEvent[]>;
  /** The highest event id ever assigned (never 0). */
  current(): Promise<number>;
  /** Counters at or below this value may have lost events to retention. */
  prunedThrough(): Promise<number>;
  prune(olderThan: number): Promise<number>;
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
  | { kind: 'online'; userId: number; online: boolean };

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
   * True when every process that shares the store hears what this one publishes (a networked broker): an
   * event the store tells of then usually arrives on the bus a moment later, without a read.
   */
  readonly reachesEveryProcess: boolean;
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
