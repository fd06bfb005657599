import type { ChatEvent, RoomAccess } from '../core/model.js';

class Change {
  private readonly members: ReadonlySet<number>;

  constructor(
    readonly id: number,
    private readonly access: RoomAccess,
  ) {
    this.members = new Set(access.members);
  }

  /** Whether this user (undefined: a visitor without an account) may still follow the room. */
  allows(userId: number | undefined): boolean {
    if (this.access.deleted) return false;
    return this.access.isPublic || (userId !== undefined && this.members.has(userId));
  }
}

/**
 * The latest access fact of each room, as the feed handed it out. Whoever decided "may see" with a store
 * read asks here afterwards whether the answer went stale while the read was under way.
 */
export class RoomAccessChanges {
  private readonly latest = new Map<string, Change>();

  /** Records the fact; returns who may still follow the room. */
  record(e: ChatEvent, access: RoomAccess): (userId: number | undefined) => boolean {
    const change = new Change(e.id, access);
    this.latest.set(e.roomId, change);
    return (userId) => change.allows(userId);
  }

  /** True when a fact past counter `since` took the room away from this user (or from visitors). */
  revokedSince(roomId: string, since: number, userId: number | undefined): boolean {
    const change = this.latest.get(roomId);
    return change !== undefined && change.id > since && !change.allows(userId);
  }

  /** Counter of the room's latest access fact seen here (0: none). */
  lastChange(roomId: string): number {
    return this.latest.get(roomId)?.id ?? 0;
  }
}
