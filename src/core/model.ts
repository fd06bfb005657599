import type { ApiMembership, ApiMessage, ApiPresence } from '../protocol/api2.js';

export interface User {
  id: number;
  username: string;
  name: string;
  passwordHash: string;
  createdAt: number;
  /** A guest: someone who entered a public room with only a nickname; gone when their session ends. */
  guest: boolean;
}

export interface Room {
  id: string;
  name: string;
  blurb: string | null;
  isPublic: boolean;
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

export interface MessageRecord {
  id: number;
  roomId: string;
  type: 'user' | 'bot';
  speakerId: string;
  publicSessionId: string;
  nickname: string;
  text: string;
  localId: string | null;
  createdAt: number;
}

export type NewMessage = Omit<MessageRecord, 'id'>;

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

/** Everything observable, in the API 2.0 shape it was published in, and the log's own access facts. */
export type EventBody =
  | { kind: 'message'; message: ApiMessage }
  | { kind: 'presence'; presence: ApiPresence }
  | { kind: 'membership'; membership: ApiMembership }
  | { kind: 'access'; access: RoomAccess };

/** Events that clients see; access facts are for the server alone. */
export type VisibleEventBody = Exclude<EventBody, { kind: 'access' }>;

export const isVisible = (e: { body: EventBody }): boolean => e.body.kind !== 'access';

export type NewEvent = { roomId: string; createdAt: number; body: EventBody };

export interface ChatEvent extends NewEvent {
  /** Position in the one global counter. */
  id: number;
}
