import type { ApiMember, ApiMembership, ApiMessage, ApiPresence } from '../protocol/api2.js';
import type { MemberView, MessageRecord } from '../core/model.js';
import { isoUtc } from '../core/time.js';

/** Builds API 2.0 objects from domain records; icons live on our own origin. */
export class Shapes {
  constructor(private readonly publicUrl: string) {}

  userIcon(username: string): string {
    return `${this.publicUrl}/images/user/${encodeURIComponent(username)}/42x42.gif`;
  }

  message(m: MessageRecord): ApiMessage {
    return {
      id: String(m.id),
      local_id: m.localId,
      public_session_id: m.publicSessionId,
      room: m.roomId,
      type: m.type,
      speaker_id: m.speakerId,
      nickname: m.nickname,
      icon_url: this.userIcon(m.speakerId),
      text: m.text,
      timestamp: isoUtc(m.createdAt),
    };
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

  presence(input: {
    room: string;
    publicSessionId: string;
    username: string;
    nickname: string;
    status: 'online' | 'offline';
    at: number;
  }): ApiPresence {
    return {
      room: input.room,
      public_session_id: input.publicSessionId,
      username: input.username,
      nickname: input.nickname,
      icon_url: this.userIcon(input.username),
      timestamp: isoUtc(input.at),
      status: input.status,
      text: `${input.nickname} is now ${input.status}`,
    };
  }

  membership(m: MemberView, online: boolean, action: ApiMembership['action'], text?: string): ApiMembership {
    const verb = action === 'join' ? 'joined' : action === 'quit' ? 'left' : 'was updated in';
    return { ...this.member(m, online), room: m.roomId, action, text: text ?? `${m.name} ${verb} the room` };
  }
}
