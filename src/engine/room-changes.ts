import type { Room } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { checkRoomPassword, roomSettings, type RoomSettingsInput } from '../core/validation.js';
import type { EventWriter } from './event-log.js';
import { accessFact } from './memberships.js';
import type { PasswordHasher } from './password.js';

/**
 * Changing and deleting a room, whoever may: its owner in the web and the APIs (Rooms checks that), the
 * operator on the command line or the admin page. A change that narrows who may see the room writes its
 * access fact in the same step, so every process closes it to those who lost it at once.
 */
export class RoomChanges {
  constructor(
    private readonly store: Store,
    private readonly events: EventWriter,
    private readonly clock: Clock,
    /** The accounts' hasher: a room's password is a secret like theirs. */
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * Gives the room these settings. A `password` replaces the room's ('' takes it away; undefined keeps it);
   * a room with one is never public. Made private, it closes to everyone else at once.
   */
  async change(room: Room, input: RoomSettingsInput & { password?: string }): Promise<Room> {
    const settings = roomSettings(input);
    const password = input.password ? checkRoomPassword(input.password) : input.password;
    const passwordHash =
      password === undefined ? room.passwordHash : password === '' ? null : await this.hasher.hash(password);
    const updated: Room = {
      ...room,
      ...settings,
      isPublic: settings.isPublic && passwordHash === null,
      passwordHash,
    };
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

  /** Deletes the room with its lines and memberships; everyone following it stops at once. */
  async remove(room: Room): Promise<void> {
    const event = await this.store.rooms.remove(
      room.id,
      accessFact(room.id, this.clock.now(), { isPublic: false, deleted: true, members: [] }),
    );
    if (event) this.events.published([event]);
  }
}
