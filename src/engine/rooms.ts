import { forbidden, notFound } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { randomBase62 } from '../core/ids.js';
import type { Room, User } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { checkIcon, checkRoomPassword, type RoomSettingsInput } from '../core/validation.js';
import type { Administration } from './administration.js';
import type { LiveSession } from './live-session.js';
import type { Memberships } from './memberships.js';
import type { PasswordHasher } from './password.js';
import type { Queries, VisibleRoom } from './queries.js';
import type { RoomChanges } from './room-changes.js';

/** Invitation link tokens: 24 base62 characters (about 143 bits), like session ids: nobody guesses one. */
const INVITATION_TOKEN_LENGTH = 24;

/** Rooms and who belongs to them: creating, changing and deleting rooms; joining and leaving. */
export class Rooms {
  constructor(
    private readonly store: Store,
    private readonly queries: Queries,
    private readonly memberships: Memberships,
    private readonly administration: Administration,
    private readonly changes: RoomChanges,
    private readonly clock: Clock,
    /** The accounts' hasher: a room's password is a secret like theirs, and costs as much to check. */
    private readonly hasher: PasswordHasher,
  ) {}

  /** Whether `password` opens the room: always for a room without one; compared in constant time. */
  async checkPassword(room: Room, password: string | undefined): Promise<boolean> {
    if (room.passwordHash === null) return true;
    if (password === undefined) return false;
    try {
      checkRoomPassword(password);
    } catch {
      return false;
    }
    return this.hasher.verify(password, room.passwordHash);
  }

  /** A room the session may see, or not_found (spec 10.10): the same answer for a room that is not there. */
  async visible(s: LiveSession, roomId: string): Promise<VisibleRoom> {
    const visible = await this.queries.visible(roomId, s.userId);
    if (!visible) throw notFound(phrase('noRoom', { room: roomId }));
    return visible;
  }

  /**
   * Creates a room owned by the session's user, who becomes its first member. Guests may not: a guest
   * account ends with its session, and its room would be left with nobody to manage it.
   */
  async createRoom(
    s: LiveSession,
    input: RoomSettingsInput & { id: string; password?: string },
  ): Promise<Room> {
    if (s.guest) throw forbidden(phrase('guestsCreateNoRooms'));
    return this.administration.addRoom({ ...input, owner: s.username });
  }

  /**
   * Changes a room's settings; only its owner may. Made private, it closes to everyone else at once. A
   * `password` replaces the room's ('' takes it away; undefined keeps it); a room with one is never public.
   */
  async updateRoom(
    s: LiveSession,
    roomId: string,
    input: RoomSettingsInput & { password?: string },
  ): Promise<Room> {
    const { room } = await this.visible(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(phrase('ownerOnlyChange', { room: room.id }));
    return this.changes.change(room, input);
  }

  /**
   * Gives the room an icon (PNG, JPEG, GIF or WebP up to 256 KB), replacing any it had. Whoever calls it
   * has checked that the caller may (API 1.0 room.create and room.changeSettings, for the owner).
   */
  async setIcon(roomId: string, bytes: Buffer): Promise<void> {
    const icon = checkIcon(bytes);
    if (!(await this.store.rooms.byId(roomId))) throw notFound(phrase('noRoom', { room: roomId }));
    await this.store.rooms.setIcon(roomId, icon, this.clock.now());
  }

  /** Deletes a room; only its owner may. Everyone following it stops at once. */
  async deleteRoom(s: LiveSession, roomId: string): Promise<void> {
    const { room } = await this.visible(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(phrase('ownerOnlyDelete', { room: room.id }));
    await this.changes.remove(room);
  }

  /** Joins a public room (private rooms take an invitation). */
  async join(s: LiveSession, roomId: string): Promise<void> {
    const { room, membership } = await this.visible(s, roomId);
    if (membership) return;
    if (!room.isPublic) throw forbidden(phrase('roomPrivate', { room: room.id }));
    await this.memberships.join(room.id, s.userId);
  }

  /** Leaves a room; a private room closes to the one who left at once. */
  async leave(s: LiveSession, roomId: string): Promise<void> {
    await this.memberships.leave(roomId, s.userId);
  }

  /** A room the session's user owns; anyone else who may see it is refused. */
  private async owned(s: LiveSession, roomId: string): Promise<Room> {
    const { room } = await this.visible(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(phrase('ownerOnlyMembers', { roomName: room.name }));
    return room;
  }

  /**
   * The owner makes a registered user a member, by username: how a private room takes people in. Joined
   * is false when they already were a member.
   */
  async invite(s: LiveSession, roomId: string, username: string): Promise<{ user: User; joined: boolean }> {
    const room = await this.owned(s, roomId);
    const wanted = username.trim();
    const user = wanted ? await this.store.users.byUsername(wanted) : undefined;
    if (!user || user.guest) throw notFound(phrase('noUserToInvite', { username: wanted }));
    return { user, joined: await this.memberships.join(room.id, user.id, false, s.userId) };
  }

  /** The owner takes a member out (never themself); a private room closes to them at once. */
  async removeMember(s: LiveSession, roomId: string, username: string): Promise<User> {
    const room = await this.owned(s, roomId);
    const user = await this.store.users.byUsername(username);
    const membership = user && (await this.store.rooms.membership(room.id, user.id));
    if (!user || !membership) throw notFound(phrase('notAMember', { username, roomName: room.name }));
    if (membership.isOwner || user.id === room.ownerId) throw forbidden(phrase('ownerStays'));
    await this.memberships.leave(room.id, user.id, s.userId);
    return user;
  }

  /** The owner makes a new invitation link; the old one, if any, stops working. Returns its token. */
  async newInvitation(s: LiveSession, roomId: string): Promise<string> {
    const room = await this.owned(s, roomId);
    const token = randomBase62(INVITATION_TOKEN_LENGTH);
    await this.store.rooms.setInvitation(room.id, token, this.clock.now());
    return token;
  }

  /** The owner turns the invitation link off. */
  async revokeInvitation(s: LiveSession, roomId: string): Promise<void> {
    const room = await this.owned(s, roomId);
    await this.store.rooms.setInvitation(room.id, null, this.clock.now());
  }

  /**
   * Joins the room through its invitation link. Only the current link works, and only for people with an
   * account: a guest's membership would end with its session.
   */
  async acceptInvitation(s: LiveSession, roomId: string, token: string): Promise<Room> {
    const invitation = await this.queries.invitedTo(roomId, token);
    if (!invitation) throw notFound(phrase('invitationGone'));
    if (s.guest) throw forbidden(phrase('invitationNeedsAccount'));
    await this.memberships.join(roomId, s.userId);
    return invitation.room;
  }
}
