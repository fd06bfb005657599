import { forbidden } from '../core/chat-error.js';
import { newV1Id } from '../core/ids.js';
import type { Room } from '../core/model.js';
import { checkIcon } from '../core/validation.js';
import type { LiveSession } from './live-session.js';
import type { Occupancy, RoomSummary } from './occupancy.js';
import type { Queries } from './queries.js';
import type { Rooms } from './rooms.js';
import type { V1Caller } from './v1-sessions.js';

/** Rooms one user may own (spec 7.2 room.create). */
export const MAX_OWNED_ROOMS = 200;

/** A room's settings as API 1.0 sets them; what is left out stays as it was. */
export interface V1RoomSettings {
  name?: string;
  blurb?: string;
  /** '' takes the password away. */
  password?: string;
  /** Listed in the directory: with no password, that is what makes a room public (spec 7.8). */
  listed?: boolean;
  tags?: readonly string[];
  /** An IANA zone. */
  timezone?: string;
  icon?: Buffer;
}

/**
 * API 1.0's room administration (spec 7.2): creating, changing and deleting rooms as their logged-in owner,
 * through the same use cases as the web (Rooms), so memberships, access facts and icons work alike.
 */
export class V1Rooms {
  constructor(
    private readonly rooms: Rooms,
    private readonly queries: Queries,
    private readonly occupancy: Occupancy,
  ) {}

  private loggedIn(caller: V1Caller): LiveSession {
    if (!caller.live) throw forbidden('Log in first (auth.login): rooms belong to users.');
    return caller.live;
  }

  private async summary(room: Room): Promise<RoomSummary> {
    return (await this.occupancy.summaries([room]))[0] as RoomSummary;
  }

  /** room.create: the caller owns the new room and is its first member; its id is generated unless given. */
  async create(
    caller: V1Caller,
    input: V1RoomSettings & { id?: string; name: string },
  ): Promise<RoomSummary> {
    const live = this.loggedIn(caller);
    const owned = (await this.queries.roomsOf(live.userId)).filter((r) => r.ownerId === live.userId);
    if (owned.length >= MAX_OWNED_ROOMS)
      throw forbidden(`A user may own at most ${MAX_OWNED_ROOMS} rooms; delete one first.`);
    // A bad picture is refused before the room is made, not after.
    const icon = input.icon && checkIcon(input.icon);
    const room = await this.rooms.createRoom(live, {
      id: input.id ?? newV1Id(),
      name: input.name,
      blurb: input.blurb,
      isPublic: input.listed ?? true,
      tags: input.tags,
      timezone: input.timezone,
      password: input.password || undefined,
    });
    if (icon) await this.rooms.setIcon(room.id, icon.bytes);
    return this.summary(room);
  }

  /** room.changeSettings: only the owner may; a room keeps its id. */
  async change(
    caller: V1Caller,
    roomId: string,
    input: V1RoomSettings & { newId?: string },
  ): Promise<RoomSummary> {
    const live = this.loggedIn(caller);
    const { room } = await this.rooms.visible(live, roomId);
    if (input.newId !== undefined && input.newId !== room.id)
      throw forbidden('A room keeps its id: its URL, archives and every client that knows it depend on it.');
    const icon = input.icon && checkIcon(input.icon);
    const updated = await this.rooms.updateRoom(live, room.id, {
      name: input.name ?? room.name,
      blurb: input.blurb ?? room.blurb ?? undefined,
      isPublic: input.listed ?? room.isPublic,
      tags: input.tags ?? room.tags,
      timezone: input.timezone ?? room.timezone,
      password: input.password,
    });
    if (icon) await this.rooms.setIcon(room.id, icon.bytes);
    return this.summary(updated);
  }

  /** room.delete: only the owner may. */
  async remove(caller: V1Caller, roomId: string): Promise<void> {
    await this.rooms.deleteRoom(this.loggedIn(caller), roomId);
  }
}
