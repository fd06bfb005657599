import { notFound } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { NO_ROOM, type AccountChange, type NewEvent, type Room, type User } from '../core/model.js';
import type { Departures, Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { checkDisplayName, checkPassword, type RoomSettingsInput } from '../core/validation.js';
import type { EventWriter } from './event-log.js';
import type { Memberships } from './memberships.js';
import { leaveEvent } from './occupant-lines.js';
import type { PasswordHasher } from './password.js';
import type { RoomChanges } from './room-changes.js';

/** A user as the operator's lists show them. */
export interface UserSummary {
  username: string;
  name: string;
  email: string | null;
  admin: boolean;
  guest: boolean;
  createdAt: number;
  /** How many rooms they belong to. */
  rooms: number;
}

/** One room of a user's, as `user show` lists it. */
export interface UserRoom {
  id: string;
  name: string;
  isOwner: boolean;
  joinedAt: number;
  lastActiveAt: number | null;
}

/** Everything the operator sees of one user (never the password hash). */
export interface UserDetails extends Omit<UserSummary, 'rooms'> {
  rooms: UserRoom[];
  /** Signed-in sessions (web, API 2.0 and IRC; an API 1.0 login holds one too). */
  sessions: number;
  /** The latest activity of any session or in any room; null when never. */
  lastActiveAt: number | null;
}

/** A room as the operator's lists show it (never its password, only whether it has one). */
export interface RoomSummary {
  id: string;
  name: string;
  isPublic: boolean;
  hasPassword: boolean;
  /** The owner's username; null for a room made without one, or whose owner was deleted. */
  owner: string | null;
  members: number;
  tags: string[];
  createdAt: number;
}

/** One member of a room, as `room show` lists them. */
export interface RoomMember {
  username: string;
  name: string;
  isOwner: boolean;
  joinedAt: number;
  lastActiveAt: number | null;
}

/** Everything the operator sees of one room. */
export interface RoomDetails extends Omit<RoomSummary, 'members'> {
  blurb: string | null;
  timezone: string;
  members: RoomMember[];
  /** Ids of the bots in the room, in the order they were added. */
  bots: string[];
}

/** What the operator may change of a room: any of its settings, the rest kept as they are. */
export type RoomEdit = Partial<RoomSettingsInput>;

export interface OperatorDeps {
  store: Store;
  memberships: Memberships;
  rooms: RoomChanges;
  events: EventWriter;
  hasher: PasswordHasher;
  clock: Clock;
}

/**
 * What a site's operator does to users and rooms, from the command line (a process of its own, on the same
 * store as the servers) or, later, the admin page. Nobody's permission is checked here: whoever calls it
 * runs the site. Every change goes through the same writers as the web's, so running servers, the command
 * line's included, apply it at once: memberships with their events, room changes with their access facts,
 * and account changes (a new password, a deleted account, a new name) with an account fact that every
 * process applies to the sessions it holds.
 */
export class Operator {
  constructor(private readonly d: OperatorDeps) {}

  private get now(): number {
    return this.d.clock.now();
  }

  /** Every registered user in sign-up order; guests too when asked. */
  async users(options: { guests?: boolean } = {}): Promise<UserSummary[]> {
    const users = (await this.d.store.users.list()).filter((u) => options.guests === true || !u.guest);
    return Promise.all(users.map(async (u) => summary(u, (await this.d.store.rooms.roomIdsOf(u.id)).length)));
  }

  async user(username: string): Promise<UserDetails> {
    const user = await this.find(username);
    const rooms: UserRoom[] = [];
    for (const id of await this.d.store.rooms.roomIdsOf(user.id)) {
      const [room, membership] = await Promise.all([
        this.d.store.rooms.byId(id),
        this.d.store.rooms.membership(id, user.id),
      ]);
      if (room && membership)
        rooms.push({
          id,
          name: room.name,
          isOwner: membership.isOwner,
          joinedAt: membership.joinedAt,
          lastActiveAt: membership.lastActiveAt,
        });
    }
    const sessions = await this.d.store.sessions.ofUser(user.id);
    const times = [
      ...sessions.map((s) => s.lastActiveAt),
      ...rooms.flatMap((r) => (r.lastActiveAt === null ? [] : [r.lastActiveAt])),
    ];
    return {
      ...summary(user, 0),
      rooms,
      sessions: sessions.length,
      lastActiveAt: times.length === 0 ? null : Math.max(...times),
    };
  }

  /**
   * Gives the user a new password (the usual rule: 8 to 1024 characters) and signs them out everywhere: a
   * reset usually follows a forgotten or stolen password, and whoever held a session must not keep it.
   * Returns how many sessions ended.
   */
  async setPassword(username: string, password: string): Promise<number> {
    checkPassword(password);
    const user = await this.find(username);
    const hash = await this.d.hasher.hash(password);
    const held = (await this.d.store.sessions.ofUser(user.id)).length;
    const event = await this.d.store.users.setPassword(
      user.id,
      hash,
      this.accountEvent(user.id, 'signedOut'),
    );
    if (!event) throw notFound(phrase('noUser', { username }));
    this.d.events.published([event]);
    // After the new hash is in, so no API 1.0 login with the old password slips in after this.
    this.settled(await this.d.store.occupancy.endSessionsOf(user.id, leaveEvent(this.now)));
    return held;
  }

  /** Gives the user a new display name, everywhere at once: their sessions, and their rooms' rosters. */
  async rename(username: string, name: string): Promise<{ user: User; previous: string }> {
    const next = checkDisplayName(name);
    const user = await this.find(username);
    if (next === user.name) return { user, previous: user.name };
    await this.d.store.users.rename(user.id, next);
    this.d.events.published(await this.d.store.events.append([this.accountEvent(user.id, 'renamed', next)]));
    await this.d.memberships.renamed(user.id, user.name);
    return { user: { ...user, name: next }, previous: user.name };
  }

  /**
   * Deletes the account: it leaves each of its rooms (with the membership events, closing private ones to
   * it), every session of it ends at once wherever it is held, and the account goes. Its lines stay, under
   * the username it had, which nobody may take again. Rooms it owned stay, without an owner.
   */
  async deleteUser(username: string): Promise<{ rooms: number; sessions: number }> {
    const user = await this.find(username);
    const rooms = await this.d.store.rooms.roomIdsOf(user.id);
    for (const room of rooms) await this.d.memberships.leave(room, user.id);
    const held = (await this.d.store.sessions.ofUser(user.id)).length;
    // Before the account goes: its API 1.0 sessions are found by it.
    this.settled(await this.d.store.occupancy.endSessionsOf(user.id, leaveEvent(this.now)));
    const event = await this.d.store.users.retire(user.id, this.now, this.accountEvent(user.id, 'deleted'));
    if (!event) throw notFound(phrase('noUser', { username }));
    this.d.events.published([event]);
    return { rooms: rooms.length, sessions: held };
  }

  /** Makes the user a site administrator, or with false no longer one; false when nothing changed. */
  async setAdmin(username: string, admin: boolean): Promise<boolean> {
    const user = await this.find(username);
    if (user.admin === admin) return false;
    await this.d.store.users.setAdmin(user.id, admin);
    return true;
  }

  /** Every room, private ones too, in the order they were made. */
  async rooms(): Promise<RoomSummary[]> {
    const owners = new Map<number, string | null>();
    return Promise.all(
      (await this.d.store.rooms.list()).map(async (room) => ({
        ...(await this.roomSummary(room, owners)),
        members: (await this.d.store.rooms.members(room.id)).length,
      })),
    );
  }

  async room(roomId: string): Promise<RoomDetails> {
    const room = await this.findRoom(roomId);
    const [members, bots] = await Promise.all([
      this.d.store.rooms.members(room.id),
      this.d.store.bots.inRoom(room.id),
    ]);
    return {
      ...(await this.roomSummary(room, new Map())),
      blurb: room.blurb,
      timezone: room.timezone,
      members: members.map((m) => ({
        username: m.username,
        name: m.name,
        isOwner: m.isOwner,
        joinedAt: m.joinedAt,
        lastActiveAt: m.lastActiveAt,
      })),
      bots: bots.map((b) => b.id),
    };
  }

  /**
   * Changes the room's settings through the same writer as its owner's form: made private, it closes to
   * everyone but its members at once. What is not given stays as it was; a room with a password stays
   * private whatever is asked.
   */
  async editRoom(roomId: string, edit: RoomEdit): Promise<Room> {
    const room = await this.findRoom(roomId);
    return this.d.rooms.change(room, {
      name: edit.name ?? room.name,
      blurb: edit.blurb ?? room.blurb ?? undefined,
      isPublic: edit.isPublic ?? room.isPublic,
      tags: edit.tags ?? room.tags,
      timezone: edit.timezone ?? room.timezone,
    });
  }

  /** Takes the user out of the room (its owner too); false when they were not a member. */
  async removeMember(roomId: string, username: string): Promise<boolean> {
    const room = await this.findRoom(roomId);
    const user = await this.find(username);
    return this.d.memberships.leave(room.id, user.id);
  }

  /** Deletes the room with its lines, as its owner's delete does; everyone following it stops at once. */
  async deleteRoom(roomId: string): Promise<Room> {
    const room = await this.findRoom(roomId);
    await this.d.rooms.remove(room);
    return room;
  }

  private async find(username: string): Promise<User> {
    const user = await this.d.store.users.byUsername(username);
    if (!user) throw notFound(phrase('noUser', { username }));
    return user;
  }

  private async findRoom(roomId: string): Promise<Room> {
    const room = await this.d.store.rooms.byId(roomId);
    if (!room) throw notFound(phrase('noRoom', { room: roomId }));
    return room;
  }

  private async roomSummary(
    room: Room,
    owners: Map<number, string | null>,
  ): Promise<Omit<RoomSummary, 'members'>> {
    let owner: string | null = null;
    if (room.ownerId !== null) {
      if (!owners.has(room.ownerId))
        owners.set(room.ownerId, (await this.d.store.users.byId(room.ownerId))?.username ?? null);
      owner = owners.get(room.ownerId) ?? null;
    }
    return {
      id: room.id,
      name: room.name,
      isPublic: room.isPublic,
      hasPassword: room.passwordHash !== null,
      owner,
      tags: room.tags,
      createdAt: room.createdAt,
    };
  }

  private accountEvent(userId: number, change: AccountChange['change'], name?: string): NewEvent {
    return {
      roomId: NO_ROOM,
      createdAt: this.now,
      fact: { kind: 'account', account: { userId, change, ...(name === undefined ? {} : { name }) } },
    };
  }

  /** Hands out the leave lines of API 1.0 occupants that went with their sessions. */
  private settled(departures: Departures): void {
    if (departures.events.length > 0) this.d.events.published(departures.events);
  }
}

function summary(u: User, rooms: number): UserSummary {
  return {
    username: u.username,
    name: u.name,
    email: u.email,
    admin: u.admin,
    guest: u.guest,
    createdAt: u.createdAt,
    rooms,
  };
}
