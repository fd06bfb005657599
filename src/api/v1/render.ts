import { memberOccupantId } from '../../core/ids.js';
import type { ChatEvent, Message, OccupantLine, Room } from '../../core/model.js';
import type { OccupantView, RoomSummary } from '../../engine/occupancy.js';
import type { Profile } from '../../engine/v1-profiles.js';
import { localTimestamp } from './timezones.js';
import type { V1Object } from './xml.js';

/** The user id API 1.0 shows for an anonymous speaker's icon (spec 7.3: `…/user/0/26x26.gif`). */
const ANONYMOUS = '0';

/**
 * Builds API 1.0's objects (spec 7.3) from the engine's values and the log's facts: rooms, occupants,
 * messages and tags, URLs and icons on our own origin (`publicUrl`), times in each room's timezone.
 */
export class V1Shapes {
  constructor(private readonly publicUrl: string) {}

  private userIcon(username: string | null, size: '26x26' | '42x42' | '80x80'): string {
    return `${this.publicUrl}/images/user/${encodeURIComponent(username ?? ANONYMOUS)}/${size}.gif`;
  }

  /** A time in the room's timezone (spec 7.3). */
  time(ms: number, room: Room): string {
    return localTimestamp(ms, room.timezone);
  }

  tag(name: string): V1Object {
    return { name, display_name: name, url: `${this.publicUrl}/tag/${encodeURIComponent(name)}` };
  }

  room(s: RoomSummary): V1Object {
    const { room } = s;
    const id = encodeURIComponent(room.id);
    return {
      id: room.id,
      name: room.name,
      description: room.blurb ?? '',
      url: `${this.publicUrl}/room/${id}`,
      icon_url: `${this.publicUrl}/images/room/${id}/16x16.gif`,
      counter: s.counter,
      max_user_message_id: s.lastMessage,
      tags: room.tags.map((t) => this.tag(t)),
    };
  }

  occupant(o: OccupantView): V1Object {
    return {
      id: o.id,
      user_id: o.username ?? undefined,
      // Anonymous observers have none (spec 7.3): gateways skip them.
      nickname: o.nickname ?? undefined,
      description: '',
      icon_url: this.userIcon(o.username, '42x42'),
      source: o.source,
      client_type: o.clientType,
    };
  }

  /** A line of the log as API 1.0 shows it, in the room's time; `undefined` for what it never shows. */
  line(e: ChatEvent, room: Room): V1Object | undefined {
    const timestamp = localTimestamp(e.createdAt, room.timezone);
    switch (e.fact.kind) {
      case 'message':
        return this.message(e.fact.message, e.id, timestamp);
      case 'occupancy':
        return this.occupancyLine(e.id, e.fact.occupancy, timestamp);
      case 'presence': {
        const p = e.fact.presence;
        const entering = p.status === 'online';
        return this.memberLine(e.id, p.username, p.nickname, timestamp, {
          type: entering ? 'system:enter' : 'system:leave',
          text: `${p.nickname} has ${entering ? 'entered' : 'left'} the room`,
        });
      }
      case 'membership': {
        const m = e.fact.membership;
        if (m.action === 'update')
          return m.previousName === undefined
            ? undefined
            : this.memberLine(e.id, m.username, m.previousName, timestamp, {
                type: 'system:nickname_change',
                new_nickname: m.name,
                text: `${m.previousName} is now known as ${m.name}`,
              });
        const entering = m.action === 'join';
        return this.memberLine(e.id, m.username, m.name, timestamp, {
          type: entering ? 'system:enter' : 'system:leave',
          text: `${m.name} has ${entering ? 'entered' : 'left'} the room`,
        });
      }
      case 'access':
      case 'account':
        return undefined;
    }
  }

  /**
   * A line said: through API 1.0 by its occupant, otherwise by an API 2.0 member or a bot, who appear as
   * occupants of their own (spec 7.8). `id` is the line's event id (spec 10.21), or for lines found by a
   * search, the archive's id of the line.
   */
  message(m: Message, id: number, timestamp: string): V1Object {
    const viaApi = m.occupant;
    if (m.type === 'bot') return this.botMessage(m, id, timestamp);
    const username = viaApi && m.speakerId === viaApi.id ? null : m.speakerId;
    return {
      id,
      type: 'user',
      occupant_id: viaApi ? viaApi.id : memberOccupantId(m.speakerId),
      user_id: username ?? undefined,
      nickname: m.nickname,
      source: viaApi ? 'api' : 'browser',
      client_type: viaApi ? viaApi.clientType : 'human',
      icon_url: this.userIcon(username, '26x26'),
      timestamp,
      text: m.text,
    };
  }

  /** A bot's line: an automaton occupant of its own, with no user (bot ids are not usernames). */
  private botMessage(m: Message, id: number, timestamp: string): V1Object {
    return {
      id,
      type: 'user',
      // `bot-` cannot begin a username, so no member shares this occupant id.
      occupant_id: memberOccupantId(m.publicSessionId),
      nickname: m.nickname,
      source: 'api',
      client_type: 'automaton',
      icon_url: `${this.publicUrl}/images/bot/${encodeURIComponent(m.speakerId)}/26x26.gif`,
      timestamp,
      text: m.text,
    };
  }

  private occupancyLine(id: number, l: OccupantLine, timestamp: string): V1Object {
    const text =
      l.type === 'private'
        ? (l.text ?? '')
        : l.type === 'system:enter'
          ? `${l.nickname} has entered the room`
          : l.type === 'system:leave'
            ? `${l.nickname} has left the room`
            : `${l.nickname} is now known as ${l.newNickname ?? ''}`;
    return {
      id,
      type: l.type,
      occupant_id: l.occupantId,
      user_id: l.username ?? undefined,
      nickname: l.nickname,
      new_nickname: l.newNickname,
      source: 'api',
      client_type: l.clientType,
      icon_url: this.userIcon(l.username, '26x26'),
      timestamp,
      text,
    };
  }

  private memberLine(
    id: number,
    username: string,
    nickname: string,
    timestamp: string,
    rest: { type: string; text: string; new_nickname?: string },
  ): V1Object {
    return {
      id,
      type: rest.type,
      occupant_id: memberOccupantId(username),
      user_id: username,
      nickname,
      new_nickname: rest.new_nickname,
      source: 'browser',
      client_type: 'human',
      icon_url: this.userIcon(username, '26x26'),
      timestamp,
      text: rest.text,
    };
  }

  lines(events: readonly ChatEvent[], room: Room): V1Object[] {
    const out: V1Object[] = [];
    for (const e of events) {
      const line = this.line(e, room);
      if (line) out.push(line);
    }
    return out;
  }

  /** user.getInfo's keys (spec 7.2). The email is the user's own, shown to them alone. */
  profile(p: Profile): V1Object {
    return {
      user_id: p.user.username,
      email: p.user.email ?? '',
      default_nickname: p.user.name,
      description: '',
      counter: p.counter,
      icon_url: this.userIcon(p.user.username, '80x80'),
      owned_rooms: p.owned.map((s) => this.room(s)),
      favorite_rooms: p.member.map((s) => this.room(s)),
      monitored_rooms: [],
      visited_rooms: [],
      occupied_rooms: p.occupied.map((s) => this.room(s)),
    };
  }
}
