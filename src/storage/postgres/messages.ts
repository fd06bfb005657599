import type { Message, NewEvent, NewMessage } from '../../core/model.js';
import type { MessageRepository } from '../../core/ports.js';
import { transaction, type Pool } from './database.js';
import type { PostgresEvents } from './events.js';
import { containsPattern, toMessage, type MessageRow } from '../rows.js';

const COLUMNS = `m.id, m.room_id, m.type, m.speaker_id, m.public_session_id, m.nickname, m.text, m.local_id,
  m.created_at, m.occupant_id, m.client_type`;

/**
 * Text matching is ILIKE with the user's text as a literal pattern (% _ and \ escaped): case-insensitive at
 * least for ASCII, like SQLite's LIKE, and with no query syntax. pg_trgm's GIN index on messages.text
 * (migrations.ts) serves it for terms of three characters or more; shorter ones are read line by line.
 */
const CONTAINS = (param: number) => `m.text ILIKE $${param} ESCAPE '\\'`;

export class PostgresMessages implements MessageRepository {
  constructor(
    private readonly pool: Pool,
    private readonly events: PostgresEvents,
  ) {}

  private async select(sql: string, values: unknown[]): Promise<Message[]> {
    const { rows } = await this.pool.query<MessageRow>(sql, values);
    return rows.map(toMessage);
  }

  async append(message: NewMessage, event: (stored: Message) => NewEvent) {
    return transaction(this.pool, async (client) => {
      const m = message;
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO messages (room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at,
           occupant_id, client_type) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          m.roomId,
          m.type,
          m.speakerId,
          m.publicSessionId,
          m.nickname,
          m.text,
          m.localId,
          m.createdAt,
          m.occupant?.id ?? null,
          m.occupant?.clientType ?? null,
        ],
      );
      const stored: Message = { ...m, id: (rows[0] as { id: number }).id };
      const [written] = await this.events.insert(client, [event(stored)]);
      return { message: stored, event: written as NonNullable<typeof written> };
    });
  }

  async byId(id: number) {
    const [message] = await this.select(
      `SELECT ${COLUMNS} FROM messages m WHERE m.id = $1 AND m.deleted_at IS NULL`,
      [id],
    );
    return message;
  }

  async latest(roomId: string, limit: number, before?: number) {
    const messages = await this.select(
      `SELECT ${COLUMNS} FROM messages m WHERE m.room_id = $1 AND m.id < $2 AND m.deleted_at IS NULL
       ORDER BY m.id DESC LIMIT $3`,
      [roomId, before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return messages.reverse();
  }

  async between(roomId: string, from: number, to: number, limit: number, offset = 0) {
    return this.select(
      `SELECT ${COLUMNS} FROM messages m WHERE m.room_id = $1 AND m.created_at >= $2 AND m.created_at < $3
       AND m.deleted_at IS NULL ORDER BY m.id LIMIT $4 OFFSET $5`,
      [roomId, from, to, limit, offset],
    );
  }

  async countBetween(roomId: string, from: number, to: number, beforeId = Number.MAX_SAFE_INTEGER) {
    const { rows } = await this.pool.query<{ lines: number }>(
      `SELECT count(*) AS lines FROM messages WHERE room_id = $1 AND created_at >= $2 AND created_at < $3
       AND id < $4 AND deleted_at IS NULL`,
      [roomId, from, to, beforeId],
    );
    return rows[0]?.lines ?? 0;
  }

  async activity(roomId: string, bucketMs: number) {
    const { rows } = await this.pool.query<{ start: number; lines: number }>(
      `SELECT (created_at / $1) * $1 AS start, count(*) AS lines FROM messages
       WHERE room_id = $2 AND deleted_at IS NULL GROUP BY 1 ORDER BY 1`,
      [bucketMs, roomId],
    );
    return rows;
  }

  async search(roomId: string, query: string, limit: number) {
    return this.select(
      `SELECT ${COLUMNS} FROM messages m WHERE m.room_id = $1 AND ${CONTAINS(2)} AND m.deleted_at IS NULL
       ORDER BY m.id DESC LIMIT $3`,
      [roomId, containsPattern(query), limit],
    );
  }

  async countMatches(roomId: string, query: string) {
    const { rows } = await this.pool.query<{ lines: number }>(
      `SELECT count(*) AS lines FROM messages m WHERE m.room_id = $1 AND ${CONTAINS(2)} AND m.deleted_at IS NULL`,
      [roomId, containsPattern(query)],
    );
    return rows[0]?.lines ?? 0;
  }

  async searchVisible(terms: readonly string[], viewerId: number | undefined, limit: number, offset: number) {
    if (terms.length === 0) return { total: 0, messages: [] };
    // $1 is the viewer (null for nobody: no private room then), $2… the terms.
    const where = [
      ...terms.map((_, i) => CONTAINS(i + 2)),
      'm.deleted_at IS NULL',
      '(r.is_public OR EXISTS (SELECT 1 FROM memberships s WHERE s.room_id = r.id AND s.user_id = $1))',
    ].join(' AND ');
    const from = 'messages m JOIN rooms r ON r.id = m.room_id';
    const values: unknown[] = [viewerId ?? null, ...terms.map(containsPattern)];
    const { rows } = await this.pool.query<{ total: number }>(
      `SELECT count(*) AS total FROM ${from} WHERE ${where}`,
      values,
    );
    const total = rows[0]?.total ?? 0;
    if (total === 0) return { total, messages: [] };
    const n = values.length;
    const messages = await this.select(
      `SELECT ${COLUMNS} FROM ${from} WHERE ${where} ORDER BY m.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...values, limit, offset],
    );
    return { total, messages };
  }
}
