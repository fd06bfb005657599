import type { SessionRecord, User } from '../core/model.js';

/** A session as the running server sees it: the stored record plus what observing makes of it. */
export class LiveSession {
  /** The key of the secret session id (never the id itself, which only its client knows). */
  readonly id: string;
  readonly publicId: string;
  readonly userId: number;
  readonly username: string;
  /** The user's display name (changes when the user renames themself). */
  userName: string;
  readonly appKey: string | null;
  readonly createdAt: number;
  readonly legacyCsrfKey: string;
  readonly guest: boolean;
  nickname: string;
  hidden: boolean;
  /** Subscribed rooms in the order first subscribed, without duplicates. */
  rooms: string[];
  lastActiveAt: number;
  /** Observes in flight right now. */
  observing = 0;
  lastObserveAt: number;
  online: boolean;
  /** Its page said it is closing: it goes offline after a short wait instead of the grace period. */
  departing = false;
  /** The store's mark of other processes' commits when this session was last found there. */
  foundAt = Number.NaN;

  constructor(record: SessionRecord, user: User, now: number) {
    this.id = record.id;
    this.publicId = record.publicId;
    this.userId = record.userId;
    this.username = user.username;
    this.userName = user.name;
    this.appKey = record.appKey;
    this.createdAt = record.createdAt;
    this.legacyCsrfKey = record.legacyCsrfKey;
    this.guest = user.guest;
    this.nickname = record.nickname;
    this.hidden = record.hidden;
    this.rooms = record.rooms;
    this.lastActiveAt = record.lastActiveAt;
    this.online = record.online;
    // A session that was online when the server stopped gets a fresh grace period to come back.
    this.lastObserveAt = record.online ? now : 0;
  }

  isSubscribed(roomId: string): boolean {
    return this.rooms.includes(roomId);
  }
}
