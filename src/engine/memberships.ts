import type { MemberView, MembershipFact, NewEvent, RoomAccess } from '../core/model.js';
import type { Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { EventWriter } from './event-log.js';

/** Whether a user is online now (in any process); the command line, with no live sessions, says no. */
export interface PresenceView {
  isUserOnline(userId: number): boolean;
}

export function membershipFact(
  m: MemberView,
  online: boolean,
  action: MembershipFact['action'],
  previousName?: string,
  by?: number,
): MembershipFact {
  return {
    userId: m.userId,
    username: m.username,
    name: m.name,
    isOwner: m.isOwner,
    online,
    action,
    since: m.lastActiveAt ?? m.joinedAt,
    ...(previousName === undefined ? {} : { previousName }),
    ...(by === undefined ? {} : { by }),
  };
}

/** The access fact of a room, as written with the change that narrows who may see it. */
export function accessFact(
  roomId: string,
  at: number,
  access: Omit<RoomAccess, 'members'> & { members: ReadonlyArray<{ userId: number }> },
): NewEvent {
  return {
    roomId,
    createdAt: at,
    fact: {
      kind: 'access',
      access: {
        isPublic: access.isPublic,
        deleted: access.deleted,
        members: access.members.map((m) => m.userId),
      },
    },
  };
}

/**
 * The one writer of membership: joining, leaving and renaming write the change and its event in one
 * transaction, then hand the event out. The server, the web pages and the command line all go through here.
 */
export class Memberships {
  constructor(
    private readonly store: Store,
    private readonly events: EventWriter,
    private readonly presence: PresenceView,
    private readonly clock: Clock,
  ) {}

  /** Makes the user a member (`by` the owner who invited them); false when they already were. */
  async join(roomId: string, userId: number, isOwner = false, by?: number): Promise<boolean> {
    const at = this.clock.now();
    const joined = await this.store.rooms.join(
      { roomId, userId, isOwner, joinedAt: at, lastActiveAt: null },
      (member) => ({
        roomId,
        createdAt: at,
        fact: {
          kind: 'membership',
          membership: membershipFact(member, this.presence.isUserOnline(userId), 'join', undefined, by),
        },
      }),
    );
    if (joined) this.events.published([joined.event]);
    return joined !== undefined;
  }

  /**
   * Takes the user out of the room (`by` the owner who removed them); a private room closes to them at
   * once. False when not a member.
   */
  async leave(roomId: string, userId: number, by?: number): Promise<boolean> {
    const at = this.clock.now();
    const online = this.presence.isUserOnline(userId);
    const events = await this.store.rooms.leave(roomId, userId, (member, room, members) => [
      {
        roomId,
        createdAt: at,
        fact: { kind: 'membership', membership: membershipFact(member, online, 'quit', undefined, by) },
      },
      ...(room.isPublic ? [] : [accessFact(roomId, at, { isPublic: false, deleted: false, members })]),
    ]);
    if (events) this.events.published(events);
    return events !== undefined;
  }

  /** The user took a new name: every room of theirs gets a membership update, so rosters follow. */
  async renamed(userId: number, previousName: string): Promise<void> {
    const at = this.clock.now();
    const online = this.presence.isUserOnline(userId);
    const events: NewEvent[] = [];
    for (const room of await this.store.rooms.roomIdsOf(userId)) {
      const member = (await this.store.rooms.members(room)).find((m) => m.userId === userId);
      if (member)
        events.push({
          roomId: room,
          createdAt: at,
          fact: { kind: 'membership', membership: membershipFact(member, online, 'update', previousName) },
        });
    }
    if (events.length === 0) return;
    this.events.published(await this.store.events.append(events));
  }
}
