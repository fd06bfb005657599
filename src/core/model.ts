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

/** A line said in a room. */
export interface Message {
  id: number;
  roomId: string;
  type: 'user' | 'bot';
  /** The speaker's username (or, later, a bot's id). */
  speakerId: string;
  publicSessionId: string;
  nickname: string;
  text: string;
  localId: string | null;
  createdAt: number;
}

export type NewMessage = Omit<Message, 'id'>;

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
 * What happened, in domain terms: the log stores facts, and each API generation, transport and (later)
 * IRC or bot renders them into its own shapes.
 */
export type Fact =
  | { kind: 'message'; message: Message }
  | { kind: 'presence'; presence: PresenceFact }
  | { kind: 'membership'; membership: MembershipFact }
  | { kind: 'access'; access: RoomAccess };

/** Facts that clients see; access facts are for the server alone. */
export type VisibleFact = Exclude<Fact, { kind: 'access' }>;

export type NewEvent = { roomId: string; createdAt: number; fact: Fact };

export interface ChatEvent extends NewEvent {
  /** Position in the one global counter. */
  id: number;
}

export const isVisible = (e: { fact: Fact }): boolean => e.fact.kind !== 'access';

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
  }
}
