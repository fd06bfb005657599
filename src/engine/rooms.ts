import { forbidden, notFound } from '../core/chat-error.js';
import type { Room } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { roomSettings, type RoomSettingsInput } from '../core/validation.js';
import type { Administration } from './administration.js';
import type { EventWriter } from './event-log.js';
import type { LiveSession } from './live-session.js';
import { accessFact, type Memberships } from './memberships.js';
import type { Queries, VisibleRoom } from './queries.js';

/** Why a guest may not create a room, in words the pages show as they are. */
export const GUESTS_CREATE_NO_ROOMS =
  'Sign up to create rooms. Guests can talk in public rooms, but a room needs an owner with an account.';

/** Rooms and who belongs to them: creating, changing and deleting rooms; joining and leaving. */
export class Rooms {
  constructor(
    private readonly store: Store,
    private readonly queries: Queries,
    private readonly memberships: Memberships,
    private readonly administration: Administration,
    private readonly events: EventWriter,
    private readonly clock: Clock,
  ) {}

  /** A room the session may see, or not_found (spec 10.10): the same answer for a room that is not there. */
  async visible(s: LiveSession, roomId: string): Promise<VisibleRoom> {
    const visible = await this.queries.visible(roomId, s.userId);
    if (!visible) throw notFound(`No room "${roomId}".`);
    return visible;
  }

  /**
   * Creates a room owned by the session's user, who becomes its first member. Guests may not: a guest
   * account ends with its session, and its room would be left with nobody to manage it.
   */
  async createRoom(s: LiveSession, input: RoomSettingsInput & { id: string }): Promise<Room> {
    if (s.guest) throw forbidden(GUESTS_CREATE_NO_ROOMS);
    return this.administration.addRoom({ ...input, owner: s.username });
  }

  /** Changes a room's settings; only its owner may. Made private, it closes to everyone else at once. */
  async updateRoom(s: LiveSession, roomId: string, input: RoomSettingsInput): Promise<Room> {
    const { room } = await this.visible(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(`Only the owner may change "${room.id}".`);
    const updated: Room = { ...room, ...roomSettings(input) };
    const at = this.clock.now();
    const closing = room.isPublic && !updated.isPublic;
    const event = await this.store.rooms.update(
      updated,
      closing
        ? (members) => accessFact(room.id, at, { isPublic: false, deleted: false, members })
        : undefined,
    );
    if (event) this.events.published([event]);
    return updated;
  }

  /** Deletes a room; only its owner may. Everyone following it stops at once. */
  async deleteRoom(s: LiveSession, roomId: string): Promise<void> {
    const { room } = await this.visible(s, roomId);
    if (room.ownerId !== s.userId) throw forbidden(`Only the owner may delete "${room.id}".`);
    const event = await this.store.rooms.remove(
      room.id,
      accessFact(room.id, this.clock.now(), { isPublic: false, deleted: true, members: [] }),
    );
    if (event) this.events.published([event]);
  }

  /** Joins a public room (private rooms take an invitation). */
  async join(s: LiveSession, roomId: string): Promise<void> {
    const { room, membership } = await this.visible(s, roomId);
    if (membership) return;
    if (!room.isPublic) throw forbidden(`"${room.id}" is private.`);
    await this.memberships.join(room.id, s.userId);
  }

  /** Leaves a room; a private room closes to the one who left at once. */
  async leave(s: LiveSession, roomId: string): Promise<void> {
    await this.memberships.leave(roomId, s.userId);
  }
}
