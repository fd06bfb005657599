import type { Admission, ClientType, Occupant, V1Session } from '../core/model.js';

/** API 1.0's rows, alike in both stores (PostgreSQL keeps flags and times as SQLite does here). */

export interface V1SessionRow {
  key: string;
  public_id: string;
  user_id: number | null;
  client_type: ClientType;
  api_key: string;
  live_key: string | null;
  created_at: number;
  last_active_at: number;
}

export const toV1Session = (r: V1SessionRow): V1Session => ({
  key: r.key,
  publicId: r.public_id,
  userId: r.user_id,
  clientType: r.client_type,
  apiKey: r.api_key,
  liveKey: r.live_key,
  createdAt: r.created_at,
  lastActiveAt: r.last_active_at,
});

export interface OccupantRow {
  id: string;
  ticket_key: string;
  session_key: string;
  room_id: string;
  user_id: number | null;
  username: string | null;
  nickname: string | null;
  client_type: ClientType;
  source: string;
  admission: Admission;
  entered_at: number;
  last_seen_at: number;
}

export const toOccupant = (r: OccupantRow): Occupant => ({
  id: r.id,
  ticketKey: r.ticket_key,
  sessionKey: r.session_key,
  roomId: r.room_id,
  userId: r.user_id,
  username: r.username,
  nickname: r.nickname,
  clientType: r.client_type,
  admission: r.admission,
  enteredAt: r.entered_at,
  lastSeenAt: r.last_seen_at,
});
