import type { ChatEvent, ClientType, Fact, Message } from '../core/model.js';

/**
 * The rows both stores keep alike (PostgreSQL takes SQLite's rows as they are, for `lingr copy`), and how
 * they read back.
 */

export interface EventRow {
  id: number;
  room_id: string;
  kind: Fact['kind'];
  payload: string;
  created_at: number;
}

export function toEvent(r: EventRow): ChatEvent {
  const data: unknown = JSON.parse(r.payload);
  return {
    id: r.id,
    roomId: r.room_id,
    createdAt: r.created_at,
    fact: { kind: r.kind, [r.kind]: data } as Fact,
  };
}

export interface MessageRow {
  id: number;
  room_id: string;
  type: 'user' | 'bot';
  speaker_id: string;
  public_session_id: string;
  nickname: string;
  text: string;
  local_id: string | null;
  created_at: number;
  /** Set for lines said through API 1.0. */
  occupant_id: string | null;
  client_type: ClientType | null;
}

export const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  roomId: r.room_id,
  type: r.type,
  speakerId: r.speaker_id,
  publicSessionId: r.public_session_id,
  nickname: r.nickname,
  text: r.text,
  localId: r.local_id,
  createdAt: r.created_at,
  ...(r.occupant_id === null
    ? {}
    : { occupant: { id: r.occupant_id, clientType: r.client_type ?? 'human' } }),
});

/** An (I)LIKE pattern matching `text` anywhere, with the user's % and _ taken literally (ESCAPE '\'). */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
