import type { ChatEvent, NewEvent, Occupant, OccupantLine } from '../core/model.js';

/** The event of an occupancy line in the occupant's room. */
export function occupancyEvent(
  o: Occupant,
  at: number,
  line: Omit<OccupantLine, 'occupantId' | 'userId' | 'username' | 'clientType'>,
): NewEvent {
  return {
    roomId: o.roomId,
    createdAt: at,
    fact: {
      kind: 'occupancy',
      occupancy: {
        occupantId: o.id,
        userId: o.userId,
        username: o.username,
        clientType: o.clientType,
        ...line,
      },
    },
  };
}

/** An occupant's leave line, or nothing for an anonymous observer (it entered silently, spec 7.5). */
export const leaveEvent =
  (at: number) =>
  (o: Occupant): NewEvent | undefined =>
    o.nickname === null ? undefined : occupancyEvent(o, at, { type: 'system:leave', nickname: o.nickname });

/**
 * Whether an event of the room is a line API 1.0 shows its occupants (spec 7.3, 7.8): what was said, the
 * occupancy lines, and API 2.0 members coming, going or renamed while online. A private line is further
 * limited by `privateFor`.
 */
export function isLine(e: ChatEvent): boolean {
  switch (e.fact.kind) {
    case 'message':
    case 'occupancy':
    case 'presence':
      return true;
    case 'membership': {
      const m = e.fact.membership;
      return m.online && (m.action !== 'update' || m.previousName !== undefined);
    }
    case 'access':
    case 'account':
      return false;
  }
}

/** Whether the viewer (an occupant, or nobody: room.getInfo) may see a private line (spec 7.6). */
export function privateFor(line: OccupantLine, viewer: Pick<Occupant, 'id' | 'userId'> | undefined): boolean {
  if (!viewer) return false;
  if (line.occupantId === viewer.id) return true;
  const to = line.to;
  return (
    to !== undefined && (to.occupantId === viewer.id || (to.userId !== null && to.userId === viewer.userId))
  );
}

/** The lines of the room an occupant (or nobody) sees. */
export function seenBy(viewer: Pick<Occupant, 'id' | 'userId'> | undefined): (e: ChatEvent) => boolean {
  return (e) =>
    isLine(e) &&
    (e.fact.kind !== 'occupancy' ||
      e.fact.occupancy.type !== 'private' ||
      privateFor(e.fact.occupancy, viewer));
}

/** Whether an event changes who is in the room as API 1.0 lists it. */
export function changesRoster(e: ChatEvent): boolean {
  if (e.fact.kind === 'occupancy') return e.fact.occupancy.type !== 'private';
  return e.fact.kind === 'presence' || (e.fact.kind === 'membership' && isLine(e));
}

/** The username of the API 2.0 member a line shows coming, going or renamed, if any. */
function memberOf(e: ChatEvent): string | undefined {
  if (e.fact.kind === 'presence') return e.fact.presence.username;
  if (e.fact.kind === 'membership') return e.fact.membership.username;
  return undefined;
}

/**
 * The lines without presence and membership lines about users who are in the room through API 1.0
 * (`present`, by username): their occupants' own lines already say they came and went.
 */
export function withoutEchoes(lines: readonly ChatEvent[], present: ReadonlySet<string | null>): ChatEvent[] {
  return lines.filter((e) => {
    const member = memberOf(e);
    return member === undefined || !present.has(member);
  });
}

/** Whether a line is what `user_messages_only` keeps: what people said, in public or in private (spec 7.2). */
export function isUserLine(e: ChatEvent): boolean {
  return e.fact.kind === 'message' || (e.fact.kind === 'occupancy' && e.fact.occupancy.type === 'private');
}
