/** The languages Lingr's pages speak. */
export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface User {
  id: number;
  username: string;
  name: string;
  passwordHash: string;
  /** For signing in by email (API 1.0); shown to nobody but its owner. Unique whatever its case. */
  email: string | null;
  createdAt: number;
  /** A guest: someone who entered a public room with only a nickname; gone when their session ends. */
  guest: boolean;
  /** The language the user chose for the pages; null: whatever their browser asks for. */
  language: Language | null;
  /** A site administrator (`lingr user admin`). */
  admin: boolean;
}

export interface Room {
  id: string;
  name: string;
  blurb: string | null;
  /** Listed, and readable by anyone; never true while the room has a password (spec 7.8). */
  isPublic: boolean;
  /** The hash of the room's password (API 1.0 room.enter), as account passwords are hashed; null: none. */
  passwordHash: string | null;
  ownerId: number | null;
  tags: string[];
  timezone: string;
  createdAt: number;
}

export interface Membership {
  roomId: string;
  userId: number;
  isOwner: boolean;
  joinedAt: number;
  lastActiveAt: number | null;
}

/** A member row joined with its user, as rosters need it. */
export interface MemberView extends Membership {
  username: string;
  name: string;
}

/** What the store keeps of a session; live state (observing, online) lives in the engine. */
export interface SessionRecord {
  /** The key of the session's secret id (`secretKey`); the id itself is never stored. */
  id: string;
  publicId: string;
  userId: number;
  nickname: string;
  appKey: string | null;
  hidden: boolean;
  online: boolean;
  createdAt: number;
  lastActiveAt: number;
  rooms: string[];
  /**
   * Key of the anti-forgery token that pages carried before tokens were derived from the session id, for
   * pages still open from then; '' for every session since.
   */
  legacyCsrfKey: string;
}

/**
 * A webhook bot (spec 6): it hears every line of its rooms at its callback URL and answers in the reply or
 * later through room/say with its verifier.
 */
export interface Bot {
  /** Spec 2.6 ids; bots have their own namespace (`/bot/<id>`), apart from usernames. */
  id: string;
  name: string;
  /** Who registered it in the web and may edit it; null for a bot made on the command line. */
  ownerId: number | null;
  /** 27 base62 characters; kept as given, since the verifier and webhook signatures are made from it. */
  secret: string;
  /** Where its rooms' lines are posted; null: the bot is offline and hears nothing. */
  callbackUrl: string | null;
  /** Switched off by its owner: offline, hears nothing, may not push. */
  enabled: boolean;
  createdAt: number;
}

/** Why a delivery to a bot failed, kept for its owner to read on its page. */
export interface BotFailure {
  at: number;
  roomId: string;
  /** The event that was being delivered. */
  eventId: number;
  reason: string;
}

/** What kind of program an API 1.0 client is (spec 7.3): some gateways treat people and programs apart. */
export type ClientType = 'human' | 'automaton';

/** A line said in a room. */
export interface Message {
  id: number;
  roomId: string;
  type: 'user' | 'bot';
  /** The speaker's username (or, later, a bot's id); an anonymous API 1.0 speaker's occupant id. */
  speakerId: string;
  publicSessionId: string;
  nickname: string;
  text: string;
  localId: string | null;
  createdAt: number;
  /** Said through API 1.0: by which occupant, from what kind of client (API 1.0 shows both). */
  occupant?: { id: string; clientType: ClientType };
  /** Set by the read side for the pages: the speaker's account was deleted (the line stays theirs). */
  speakerDeleted?: boolean;
}

export type NewMessage = Omit<Message, 'id'>;

/** The event that tells a stored line: in its room, at the moment it was said. */
export function lineEvent(stored: Message): NewEvent {
  return { roomId: stored.roomId, createdAt: stored.createdAt, fact: { kind: 'message', message: stored } };
}

/** Someone came online or went offline; written once for each room they belong to. */
export interface PresenceFact {
  userId: number;
  username: string;
  publicSessionId: string;
  nickname: string;
  status: 'online' | 'offline';
}

/** Someone joined a room, left it, or changed in it (a new name). */
export interface MembershipFact {
  userId: number;
  username: string;
  /** The display name (after the change, for a rename). */
  name: string;
  isOwner: boolean;
  /** Whether the user was online when it happened. */
  online: boolean;
  action: 'join' | 'quit' | 'update';
  /** The member's last activity in the room, or when they joined. */
  since: number;
  /** For a rename: the name before it. */
  previousName?: string;
  /** Who made it happen when it was not the member: the owner who invited or removed them. */
  by?: number;
}

/**
 * Who may see a room from now on: written whenever that narrows (made private, a member of a private room
 * leaves, the room is deleted). It travels through the log like any event, so every process applies it
 * exactly between the lines said before the change and those said after. Never sent to clients.
 */
export interface RoomAccess {
  isPublic: boolean;
  deleted: boolean;
  /** Members when the room is private; everyone else loses sight of it. */
  members: number[];
}

/**
 * A change to an account that every process applies to the sessions it holds: the account was deleted or
 * signed out everywhere (its sessions are gone from the store, written in the same transaction as this
 * fact), or it took a new name. It belongs to no room (its event's room is ''), and clients never see it.
 */
export interface AccountChange {
  userId: number;
  change: 'deleted' | 'signedOut' | 'renamed';
  /** For a rename: the new display name. */
  name?: string;
}

/** The room of facts that belong to no room (account changes). */
export const NO_ROOM = '';

/**
 * An API 1.0 session (spec 7): anonymous until it logs in with an email and password. Only the key of its
 * secret id is kept, as for every session.
 */
export interface V1Session {
  /** `secretKey` of the 11-character id its client holds. */
  key: string;
  /** Shown on the lines it says, like a v2 session's public id. */
  publicId: string;
  userId: number | null;
  clientType: ClientType;
  apiKey: string;
  /**
   * Key of the ordinary session linked to it while logged in: observing through API 1.0 keeps that one
   * observing, so the user is online for everyone exactly as an observing API 2.0 session makes them.
   */
  liveKey: string | null;
  createdAt: number;
  lastActiveAt: number;
}

/**
 * How an occupant got into its room: the room was open to everyone, the user belongs to it, or the room's
 * password was given. Decides who stays when the room narrows.
 */
export type Admission = 'open' | 'member' | 'password';

/** Someone in a room through API 1.0 (spec 7.5), reached with the ticket its session got on entering. */
export interface Occupant {
  /** 11 base62 characters, shown to the other occupants. */
  id: string;
  /** `secretKey` of its ticket. */
  ticketKey: string;
  sessionKey: string;
  roomId: string;
  /** The user it entered as (its session was logged in then), with their username; null: anonymous. */
  userId: number | null;
  username: string | null;
  /** Null for an anonymous observer, who is in the room without being shown or saying anything. */
  nickname: string | null;
  clientType: ClientType;
  admission: Admission;
  enteredAt: number;
  /** Last room.observe or room.getMessages (a ticket not read for a while expires). */
  lastSeenAt: number;
}

/**
 * A line only API 1.0 shows (spec 7.8): an occupant entering, leaving or changing nickname, or a private
 * line between occupants. The speaker is the occupant; a private line reaches its sender and its target
 * (with a logged-in target, every occupant of that user in the room), nobody else.
 */
export interface OccupantLine {
  type: 'private' | 'system:enter' | 'system:leave' | 'system:nickname_change';
  occupantId: string;
  userId: number | null;
  username: string | null;
  nickname: string;
  /** For a nickname change: the nickname after it. */
  newNickname?: string;
  /** For a private line. */
  text?: string;
  clientType: ClientType;
  /** For a private line: the occupant it is for, and that occupant's user when logged in. */
  to?: { occupantId: string; userId: number | null };
}

/**
 * What happened, in domain terms: the log stores facts, and each API generation, transport and (later)
 * IRC or bot renders them into its own shapes.
 */
export type Fact =
  | { kind: 'message'; message: Message }
  | { kind: 'presence'; presence: PresenceFact }
  | { kind: 'membership'; membership: MembershipFact }
  | { kind: 'access'; access: RoomAccess }
  | { kind: 'occupancy'; occupancy: OccupantLine }
  | { kind: 'account'; account: AccountChange };

/**
 * Facts that API 2.0, streams, the web and bots see: access facts and account changes are for the server
 * alone, and occupancy lines for API 1.0 alone.
 */
export type VisibleFact = Exclude<Fact, { kind: 'access' } | { kind: 'occupancy' } | { kind: 'account' }>;

export type NewEvent = { roomId: string; createdAt: number; fact: Fact };

export interface ChatEvent extends NewEvent {
  /** Position in the one global counter. */
  id: number;
}

export const isVisible = (e: { fact: Fact }): boolean =>
  e.fact.kind !== 'access' && e.fact.kind !== 'occupancy' && e.fact.kind !== 'account';

/** The fact's own data, without its kind (what the log stores beside the kind). */
export function factData(f: Fact): object {
  switch (f.kind) {
    case 'message':
      return f.message;
    case 'presence':
      return f.presence;
    case 'membership':
      return f.membership;
    case 'access':
      return f.access;
    case 'occupancy':
      return f.occupancy;
    case 'account':
      return f.account;
  }
}
