import { timingSafeEqual } from 'node:crypto';
import type { Bot, Language, MemberView, Membership, Message, Room } from '../core/model.js';
import type { Store } from '../core/ports.js';
import { searchTerms } from '../core/search.js';
import type { Clock } from '../core/time.js';
import { isBotOnline } from './bots.js';
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
  /** Usernames of the room's owners, so a page can mark them whenever they come online. */
  owners: string[];
  bots: RoomBot[];
  related: Room[];
  /** The viewer's rooms with their unread counts (empty for a visitor). */
  mine: RoomWithUnread[];
  /** Which of `messages` the viewer starred. */
  starred: Set<number>;
}

/** A bot in a room, as rosters show it (spec 4.4): listed after the members. */
export interface RoomBot {
  bot: Bot;
  online: boolean;
}

/** What someone's public page shows: who they are, the public rooms they own and the bots they made. */
export interface Profile {
  username: string;
  name: string;
  createdAt: number;
  rooms: Room[];
  bots: RoomBot[];
}

/** A room of the user's, with how many lines came after the last one they read (up to UNREAD_CAP). */
export interface RoomWithUnread {
  room: Room;
  unread: number;
}

/** Unread counts stop here; the pages show "99+". */
export const UNREAD_CAP = 100;

/** One page of lines found across rooms, each with its room; `total` counts every match. */
export interface LineSearch {
  terms: string[];
  total: number;
  page: number;
  pages: number;
  lines: Array<{ message: Message; room: Room }>;
}

/** What a room's members page shows; the invitation link's token only to the owner. */
export interface MembersPage extends VisibleRoom {
  /** The owner first, then by name. */
  members: Array<{ member: MemberView; online: boolean }>;
  isOwner: boolean;
  invitation?: string;
  /** The room's bots, in the order they were added. */
  bots: RoomBot[];
}

/** What an invitation link shows before one joins: the room, how many belong, who owns it. */
export interface Invitation {
  room: Room;
  members: number;
  owner?: string;
  /** Whether the one following the link already belongs. */
  isMember: boolean;
}

/** Someone as a roster shows them to another user: who they are, whether online, the rooms both may see. */
export interface Person {
  username: string;
  name: string;
  createdAt: number;
  online: boolean;
  /** Their rooms that the viewer may see (public ones, and private ones the viewer belongs to too). */
  rooms: Array<{ room: Room; isOwner: boolean }>;
  /** When they last said something in any of their rooms (or joined one), if ever. */
  lastActiveAt: number | null;
}

/** A public room in a directory listing, with how many of its members are online. */
export interface ListedRoom {
  room: Room;
  chatters: number;
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
    const found =
      userId === undefined
        ? await this.store.rooms.byId(roomId).then((room) => room && { room, membership: undefined })
        : await this.store.rooms.withMembership(roomId, userId);
    if (!found) return undefined;
    const { room, membership } = found;
    if (!room.isPublic && !membership) return undefined;
    return membership ? { room, membership } : { room };
  }

  async explore(userId?: number) {
    const counter = this.counter();
    const [hot, newest, tags, mine] = await Promise.all([
      this.store.directory.hot(this.clock.now() - DAY, LIST),
      this.store.directory.newest(LIST),
      this.store.directory.tags(60),
      userId === undefined ? Promise.resolve([]) : this.roomsWithUnread(userId),
    ]);
    return { hot, newest, tags, mine, counter };
  }

  search(query: string): Promise<Room[]> {
    return this.store.directory.search(query, 50);
  }

  /**
   * Lines matching every word of `query`, newest first, from the rooms the user may read (public rooms,
   * and their own private rooms), `perPage` to a page counted from 1.
   */
  async searchEverywhere(
    query: string,
    userId: number | undefined,
    page: number,
    perPage: number,
  ): Promise<LineSearch> {
    const terms = searchTerms(query);
    const found = await this.store.messages.searchVisible(terms, userId, perPage, (page - 1) * perPage);
    const { total } = found;
    const messages = await this.withSpeakers(found.messages);
    const rooms = new Map<string, Room | undefined>();
    const lines: LineSearch['lines'] = [];
    for (const message of messages) {
      if (!rooms.has(message.roomId)) rooms.set(message.roomId, await this.store.rooms.byId(message.roomId));
      const room = rooms.get(message.roomId);
      if (room) lines.push({ message, room });
    }
    return { terms, total, page, pages: Math.max(1, Math.ceil(total / perPage)), lines };
  }

  /** Public rooms with the most lines in the last day, busiest first. */
  async hotRooms(limit: number): Promise<Room[]> {
    return (await this.store.directory.hot(this.clock.now() - DAY, limit)).map((h) => h.room);
  }

  newRooms(limit: number): Promise<Room[]> {
    return this.store.directory.newest(limit);
  }

  /** Tags of public rooms with how many rooms carry them, most used first. */
  tagCounts(limit: number): Promise<Array<{ tag: string; rooms: number }>> {
    return this.store.directory.tags(limit);
  }

  /** Public rooms whose name, description or a tag contains every keyword (case aside), newest first. */
  async roomsMatching(keywords: readonly string[], limit: number): Promise<Room[]> {
    const [first, ...rest] = keywords;
    if (first === undefined) return [];
    const has = (room: Room, word: string) =>
      [room.name, room.blurb ?? '', ...room.tags].some((text) =>
        text.toLowerCase().includes(word.toLowerCase()),
      );
    const rooms = await this.store.directory.search(first, rest.length === 0 ? limit : 200);
    return rooms.filter((room) => rest.every((word) => has(room, word))).slice(0, limit);
  }

  /** Public rooms carrying every one of the tags, newest first. */
  async roomsTaggedAll(tags: readonly string[], limit: number): Promise<Room[]> {
    const [first, ...rest] = tags;
    if (first === undefined) return [];
    const rooms = await this.store.directory.withTag(first, rest.length === 0 ? limit : 200);
    return rooms.filter((room) => rest.every((tag) => room.tags.includes(tag))).slice(0, limit);
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

  roomIdsOf(userId: number): Promise<string[]> {
    return this.store.rooms.roomIdsOf(userId);
  }

  /** The rooms the user joined, in the order joined, with their unread counts. */
  async roomsWithUnread(userId: number): Promise<RoomWithUnread[]> {
    const [rooms, unread] = await Promise.all([
      this.roomsOf(userId),
      this.store.rooms.unread(userId, UNREAD_CAP),
    ]);
    return rooms.map((room) => ({ room, unread: unread.get(room.id) ?? 0 }));
  }

  async roomPage(roomId: string, userId?: number): Promise<RoomPage | undefined> {
    const visible = await this.visible(roomId, userId);
    if (!visible) return undefined;
    const counter = this.counter();
    const [messages, members, related, mine, bots] = await Promise.all([
      this.store.messages.latest(roomId, ROOM_BACKLOG).then((lines) => this.withSpeakers(lines)),
      this.store.rooms.members(roomId),
      this.store.directory.related(roomId, RELATED),
      userId === undefined ? Promise.resolve([]) : this.roomsWithUnread(userId),
      this.botsIn(roomId),
    ]);
    const starred =
      userId === undefined
        ? new Set<number>()
        : new Set(
            (
              await this.store.favorites.of(
                userId,
                messages.map((m) => m.id),
              )
            ).keys(),
          );
    const chatters = members
      .filter((m) => this.presence.isUserOnline(m.userId))
      .sort((a, b) => a.name.localeCompare(b.name));
    const owners = members.filter((m) => m.isOwner).map((m) => m.username);
    return { ...visible, counter, messages, chatters, owners, bots, related, mine, starred };
  }

  /** The user's starred lines that they may still see, the latest starred first, with their rooms. */
  async starred(userId: number, limit: number): Promise<Array<{ message: Message; room: Room }>> {
    const found: Array<{ message: Message; room: Room }> = [];
    for (const id of await this.store.favorites.latest(userId, limit)) {
      const message = await this.store.messages.byId(id);
      const visible = message && (await this.visible(message.roomId, userId));
      if (message && visible) found.push({ message, room: visible.room });
    }
    const marked = await this.withSpeakers(found.map((f) => f.message));
    return found.map((f, i) => ({ ...f, message: marked[i] as Message }));
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
    const [members, invitation, bots] = await Promise.all([
      this.store.rooms.members(roomId),
      isOwner ? this.store.rooms.invitation(roomId) : Promise.resolve(undefined),
      this.botsIn(roomId),
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
      bots,
    };
  }

  private async botsIn(roomId: string): Promise<RoomBot[]> {
    return (await this.store.bots.inRoom(roomId)).map((bot) => ({ bot, online: isBotOnline(bot) }));
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

  /** The room's lines in [from, to), oldest first, from the `offset`th on. */
  async between(roomId: string, from: number, to: number, limit: number, offset = 0): Promise<Message[]> {
    return this.withSpeakers(await this.store.messages.between(roomId, from, to, limit, offset));
  }

  /** How many of the room's lines fall in [from, to); with `beforeId`, only those said before that line. */
  countBetween(roomId: string, from: number, to: number, beforeId?: number): Promise<number> {
    return this.store.messages.countBetween(roomId, from, to, beforeId);
  }

  /** A line that is still there (not deleted), by its id. */
  async line(id: number): Promise<Message | undefined> {
    const line = await this.store.messages.byId(id);
    return line && (await this.withSpeakers([line]))[0];
  }

  /** Lines of one room that contain `query`, newest first, for whoever may see the room (else undefined). */
  async searchRoom(
    roomId: string,
    query: string,
    userId: number | undefined,
    limit: number,
  ): Promise<Array<{ message: Message; room: Room }> | undefined> {
    const visible = await this.visible(roomId, userId);
    if (!visible) return undefined;
    const lines = await this.withSpeakers(await this.store.messages.search(roomId, query, limit));
    return lines.map((message) => ({ message, room: visible.room }));
  }

  /** The newest `limit` lines that match, and how many match in all. */
  async searchLines(
    roomId: string,
    query: string,
    limit: number,
  ): Promise<{ lines: Message[]; total: number }> {
    const [lines, total] = await Promise.all([
      this.store.messages.search(roomId, query, limit).then((found) => this.withSpeakers(found)),
      this.store.messages.countMatches(roomId, query),
    ]);
    return { lines, total };
  }

  /**
   * A room's icon for someone who may see the room: what was uploaded, or undefined for the drawn one.
   * Undefined altogether for a room they may not see, or that is not there.
   */
  async roomIcon(
    roomId: string,
    userId?: number,
  ): Promise<{ room: Room; icon?: { type: string; bytes: Buffer } } | undefined> {
    const visible = await this.visible(roomId, userId);
    if (!visible) return undefined;
    const icon = await this.store.rooms.icon(roomId);
    return icon ? { room: visible.room, icon } : { room: visible.room };
  }

  /** The user's own email, for their profile page alone: nobody else is ever shown it. */
  async ownEmail(userId: number): Promise<string | null> {
    return (await this.store.users.byId(userId))?.email ?? null;
  }

  /** The language the user chose for the pages; null when they follow their browser. */
  async languageOf(userId: number): Promise<Language | null> {
    return (await this.store.users.byId(userId))?.language ?? null;
  }

  /** What every page needs of its signed-in reader: the language they chose, and whether they run the site. */
  async readerOf(userId: number): Promise<{ language: Language | null; admin: boolean }> {
    const user = await this.store.users.byId(userId);
    return { language: user?.language ?? null, admin: user?.admin === true };
  }

  /** Whether a room by this id exists, whoever may see it (IRC tells a private room from none). */
  async exists(roomId: string): Promise<boolean> {
    return (await this.store.rooms.byId(roomId)) !== undefined;
  }

  /** A registered user as `viewerId` may see them; nothing for guests or nobody. */
  async person(username: string, viewerId: number): Promise<Person | undefined> {
    const user = await this.store.users.byUsername(username);
    if (!user || user.guest) return undefined;
    const viewerRooms = new Set(await this.store.rooms.roomIdsOf(viewerId));
    const rooms: Person['rooms'] = [];
    let lastActiveAt: number | null = null;
    for (const id of await this.store.rooms.roomIdsOf(user.id)) {
      const [room, membership] = await Promise.all([
        this.store.rooms.byId(id),
        this.store.rooms.membership(id, user.id),
      ]);
      if (!room || !membership) continue;
      const active = membership.lastActiveAt ?? membership.joinedAt;
      if (lastActiveAt === null || active > lastActiveAt) lastActiveAt = active;
      if (room.isPublic || viewerRooms.has(id)) rooms.push({ room, isOwner: membership.isOwner });
    }
    return {
      username: user.username,
      name: user.name,
      createdAt: user.createdAt,
      online: this.presence.isUserOnline(user.id),
      rooms,
      lastActiveAt,
    };
  }

  /** Public rooms, the newest first, each with its members online now. */
  async listing(limit: number): Promise<ListedRoom[]> {
    const rooms = await this.store.directory.newest(limit);
    return Promise.all(
      rooms.map(async (room) => ({
        room,
        chatters: (await this.store.rooms.members(room.id)).filter((m) =>
          this.presence.isUserOnline(m.userId),
        ).length,
      })),
    );
  }

  /** A registered user's public page (spec 8: `/<username>`); nothing for guests or nobody. */
  async profile(username: string): Promise<Profile | undefined> {
    const user = await this.store.users.byUsername(username);
    if (!user || user.guest) return undefined;
    const [rooms, bots] = await Promise.all([this.roomsOf(user.id), this.store.bots.list(user.id)]);
    return {
      username: user.username,
      name: user.name,
      createdAt: user.createdAt,
      rooms: rooms.filter((r) => r.isPublic && r.ownerId === user.id),
      bots: bots.map((bot) => ({ bot, online: isBotOnline(bot) })),
    };
  }

  userIcon(username: string) {
    return this.store.users.icon(username);
  }

  /** The lines, those of deleted accounts marked so: the pages show the old name as a deleted user's. */
  private async withSpeakers(lines: Message[]): Promise<Message[]> {
    const people = [...new Set(lines.filter((m) => m.type === 'user').map((m) => m.speakerId))];
    const deleted = await this.store.users.retired(people);
    if (deleted.size === 0) return lines;
    return lines.map((m) =>
      m.type === 'user' && deleted.has(m.speakerId) ? { ...m, speakerDeleted: true } : m,
    );
  }
}
