import type { ApiBot, ApiMember, ApiMembership, ApiMessage, ApiPresence } from '../../protocol/api2.js';
import type { Bot, MemberView, MembershipFact, Message, PresenceFact } from '../../core/model.js';
import { isoUtc } from '../../core/time.js';

/** Builds API 2.0 objects from domain facts and values; icons live on our own origin (`publicUrl`). */
export class V2Shapes {
  constructor(private readonly publicUrl: string) {}

  userIcon(username: string): string {
    return `${this.publicUrl}/images/user/${encodeURIComponent(username)}/42x42.gif`;
  }

  botIcon(botId: string): string {
    return `${this.publicUrl}/images/bot/${encodeURIComponent(botId)}/42x42.gif`;
  }

  /** roster.bots (spec 4.4): online when it has a callback and is switched on. */
  bot(b: Bot, online: boolean): ApiBot {
    return { id: b.id, name: b.name, icon_url: this.botIcon(b.id), status: online ? 'online' : 'offline' };
  }

  message(m: Message, favoriteId?: number): ApiMessage {
    const message: ApiMessage = {
      id: String(m.id),
      local_id: m.localId,
      public_session_id: m.publicSessionId,
      room: m.roomId,
      type: m.type,
      speaker_id: m.speakerId,
      nickname: m.nickname,
      icon_url: m.type === 'bot' ? this.botIcon(m.speakerId) : this.userIcon(m.speakerId),
      text: m.text,
      timestamp: isoUtc(m.createdAt),
    };
    return favoriteId === undefined ? message : { ...message, favorite_id: String(favoriteId) };
  }

  member(m: MemberView, online: boolean): ApiMember {
    return {
      username: m.username,
      name: m.name,
      icon_url: this.userIcon(m.username),
      is_owner: m.isOwner,
      is_online: online,
      pokeable: false,
      timestamp: isoUtc(m.lastActiveAt ?? m.joinedAt),
    };
  }

  presence(room: string, p: PresenceFact, at: number): ApiPresence {
    return {
      room,
      public_session_id: p.publicSessionId,
      username: p.username,
      nickname: p.nickname,
      icon_url: this.userIcon(p.username),
      timestamp: isoUtc(at),
      status: p.status,
      text: `${p.nickname} is now ${p.status}`,
    };
  }

  membership(room: string, m: MembershipFact): ApiMembership {
    const text =
      m.action === 'join'
        ? `${m.name} joined the room`
        : m.action === 'quit'
          ? `${m.name} left the room`
          : m.previousName !== undefined
            ? `${m.previousName} is now known as ${m.name}`
            : `${m.name} was updated in the room`;
    return {
      username: m.username,
      name: m.name,
      icon_url: this.userIcon(m.username),
      is_owner: m.isOwner,
      is_online: m.online,
      pokeable: false,
      timestamp: isoUtc(m.since),
      room,
      action: m.action,
      text,
    };
  }
}
