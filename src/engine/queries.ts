import { timingSafeEqual } from 'node:crypto';
import type { MemberView, Membership, Message, Room } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { PresenceView } from './memberships.js';

const DAY = 24 * 60 * 60 * 1000;
const LIST = 20;
const ROOM_BACKLOG = 50;
const BADGE_LINES = 5;
const RELATED = 8;

/** A room someone may see, and their membership if they have one. */
export interface VisibleRoom {
  room: Room;
  membership?: Membership;
}

/** What the room page shows. `counter` is taken before the backlog is read, so a client resumes with no gap. */
export interface RoomPage extends VisibleRoom {
  counter: number;
  messages: Message[];
  /** Members online now, by name. */
  chatters: MemberView[];
  related: Room[];
}

/** What a room's members page shows; the invitation link's token only to the owner. */
export interface MembersPage extends VisibleRoom {
  /** The owner first, then by name. */
  members: Array<{ member: MemberView; online: boolean }>;
  isOwner: boolean;
  invitation?: string;
}

/** What an invitation link shows before one joins: the room, how many belong, who owns it. */
export interface Invitation {
  room: Room;
  members: number;
  owner?: string;
  /** Whether the one following the link already belongs. */
  isMember: boolean;
}

/** Constant-time comparison of a secret with what someone offers for it. */
function sameSecret(secret: string, given: string): boolean {
  const a = Buffer.from(secret);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What the badge shows of a public room. */
export interface BadgeView {
  room: Room;
  counter: number;
  messages: Message[];
  online: MemberView[];
}

/**
 * The read side for pages and the badge: everything they show comes from here, never from the store
 * itself, and the one rule of who may see a room is written here.
 */
export class Queries {
  constructor(
    private readonly store: Store,
    private readonly presence: PresenceView,
    private readonly counter: () => number,
    private readonly clock: Clock,
  ) {}

  /** Public rooms for everyone; private rooms for their members only (spec 10.10). */
  async visible(roomId: string, userId?: number): Promise<VisibleRoom | undefined> {
    const room = await this.store.rooms.byId(roomId);
    if (!room) return undefined;
    const membership = userId === undefined ? undefined : await this.store.rooms.membership(roomId, userId);
    if (!room.isPublic && !membership) return undefined;
    return membership ? { room, membership } : { room };
  }

  async explore(userId?: number) {
    const [hot, newest, tags, mine] = await Promise.all([
      this.store.directory.hot(this.clock.now() - DAY, LIST),
      this.store.directory.newest(LIST),
      this.store.directory.tags(60),
      userId === undefined ? Promise.resolve([]) : this.roomsOf(userId),
    ]);
    return { hot, newest, tags, mine };
  }

  search(query: string): Promise<Room[]> {
    return this.store.directory.search(query, 50);
  }

  tag(name: string): Promise<Room[]> {
    return this.store.directory.withTag(name, 100);
  }

  /** The rooms the user joined, in the order joined. */
  async roomsOf(userId: number): Promise<Room[]> {
    const rooms: Room[] = [];
    for (const id of await this.store.rooms.roomIdsOf(userId)) {
      const room = await this.store.rooms.byId(id);
      if (room) rooms.push(room);
    }
    return rooms;
  }

  async roomPage(roomId: string, userId?: number): Promise<RoomPage | undefined> {
    const visible = await this.visible(roomId, userId);
    if (!visible) return undefined;
    const counter = this.counter();
    const [messages, members, related] = await Promise.all([
      this.store.messages.latest(roomId, ROOM_BACKLOG),
      this.store.rooms.members(roomId),
      this.store.directory.related(roomId, RELATED),
    ]);
    const chatters = members
      .filter((m) => this.presence.isUserOnline(m.userId))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { ...visible, counter, messages, chatters, related };
  }

  async badge(roomId: string): Promise<BadgeView | undefined> {
    const room = await this.store.rooms.byId(roomId);
    if (!room || !room.isPublic) return undefined;
    const counter = this.counter();
    const [messages, members] = await Promise.all([
      this.store.messages.latest(room.id, BADGE_LINES),
      this.store.rooms.members(room.id),
    ]);
    return { room, counter, messages, online: members.filter((m) => this.presence.isUserOnline(m.userId)) };
  }

  /** Who belongs to a room, for those who may see it (spec 10.10): the same rule as the room itself. */
  async membersPage(roomId: string, userId?: number): Promise<MembersPage | undefined> {
    const visible = await this.visible(roomId, userId);
    if (!visible) return undefined;
    const isOwner = userId !== undefined && visible.room.ownerId === userId;
    const [members, invitation] = await Promise.all([
      this.store.rooms.members(roomId),
      isOwner ? this.store.rooms.invitation(roomId) : Promise.resolve(undefined),
    ]);
    return {
      ...visible,
      members: members
        .map((member) => ({ member, online: this.presence.isUserOnline(member.userId) }))
        .sort(
          (a, b) =>
            Number(b.member.isOwner) - Number(a.member.isOwner) || a.member.name.localeCompare(b.member.name),
        ),
      isOwner,
      ...(invitation === undefined ? {} : { invitation }),
    };
  }

  /**
   * The room whose current invitation link has this token, as its invitation shows it (to `userId`);
   * nothing for an old, revoked or made-up one.
   */
  async invitedTo(roomId: string, token: string, userId?: number): Promise<Invitation | undefined> {
    const current = await this.store.rooms.invitation(roomId);
    if (current === undefined || !sameSecret(current, token)) return undefined;
    const room = await this.store.rooms.byId(roomId);
    if (!room) return undefined;
    const members = await this.store.rooms.members(roomId);
    return {
      room,
      members: members.length,
      owner: members.find((m) => m.isOwner)?.name,
      isMember: members.some((m) => m.userId === userId),
    };
  }

  /** A room the user owns (for its settings form). */
  async ownedRoom(roomId: string, userId: number): Promise<Room | undefined> {
    const room = await this.store.rooms.byId(roomId);
    return room && room.ownerId === userId ? room : undefined;
  }

  /** How many lines fell in each `bucketMs` slice of the room's history (for archive calendars). */
  activity(roomId: string, bucketMs: number) {
    return this.store.messages.activity(roomId, bucketMs);
  }

  /** The room's lines in [from, to), oldest first. */
  between(roomId: string, from: number, to: number, limit: number): Promise<Message[]> {
    return this.store.messages.between(roomId, from, to, limit);
  }

  searchLines(roomId: string, query: string, limit: number): Promise<Message[]> {
    return this.store.messages.search(roomId, query, limit);
  }

  userIcon(username: string) {
    return this.store.users.icon(username);
  }
}
