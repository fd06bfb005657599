import type { ChatEvent, RoomAccess } from '../core/model.js';
import type { Logger, Store } from '../core/ports.js';
import type { Hub } from './hub.js';
import type { LiveSession } from './live-session.js';
import type { RoomAccessChanges } from './room-access.js';
import type { SessionRegistry } from './session-registry.js';

/** Which rooms each live session follows, and the access facts that take rooms away from them. */
export class Followers {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly sessions: SessionRegistry,
    private readonly hub: Hub,
    private readonly access: RoomAccessChanges,
    private readonly log: Logger,
  ) {}

  /**
   * Sets the rooms a session follows: at once in memory (its held observes are answered and its streams
   * restart, as they were registered for the old set), then in the store, writes kept in call order.
   */
  setRooms(s: LiveSession, rooms: string[]): Promise<void> {
    s.rooms = rooms;
    this.hub.release(s.id);
    const written = this.writes.then(() => this.store.sessions.setRooms(s.id, rooms));
    this.writes = written.catch((err: unknown) => this.log.error({ err }, 'saving subscriptions'));
    return written;
  }

  /**
   * An access fact comes through the log: before any later event goes out, visitors' streams of a room
   * that is no longer public end, and this process's sessions that may no longer see it stop following it.
   * Every process does this for its own connections when the fact reaches it.
   */
  apply(e: ChatEvent, access: RoomAccess): void {
    const allows = this.access.record(e, access);
    if (!allows(undefined)) this.hub.endVisitors(e.roomId);
    for (const s of this.sessions.values())
      if (s.rooms.includes(e.roomId) && !allows(s.userId))
        void this.setRooms(
          s,
          s.rooms.filter((r) => r !== e.roomId),
        ).catch(() => undefined);
  }
}
