import type { DirectoryRepository } from '../../core/ports.js';
import type { Pool } from './database.js';
import { containsPattern } from '../rows.js';
import { ROOM_COLUMNS, toRoom, type RoomRow } from './rooms.js';

/** The explore pages' lists: each one query that reads the rooms with their tags. */
export class PostgresDirectory implements DirectoryRepository {
  constructor(private readonly pool: Pool) {}

  private async rooms(sql: string, values: unknown[]) {
    const { rows } = await this.pool.query<RoomRow>(sql, values);
    return rows.map(toRoom);
  }

  async hot(since: number, limit: number) {
    const { rows } = await this.pool.query<RoomRow & { lines: number }>(
      `SELECT ${ROOM_COLUMNS}, count(m.id) AS lines FROM rooms r
       JOIN messages m ON m.room_id = r.id AND m.created_at >= $1 AND m.deleted_at IS NULL
       WHERE r.is_public GROUP BY r.id ORDER BY lines DESC, r.created_at DESC LIMIT $2`,
      [since, limit],
    );
    return rows.map((r) => ({ room: toRoom(r), lines: r.lines }));
  }

  newest(limit: number) {
    return this.rooms(
      `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.is_public ORDER BY r.created_at DESC, r.id LIMIT $1`,
      [limit],
    );
  }

  async tags(limit: number) {
    const { rows } = await this.pool.query<{ tag: string; rooms: number }>(
      `SELECT t.tag, count(*) AS rooms FROM room_tags t JOIN rooms r ON r.id = t.room_id
       WHERE r.is_public GROUP BY t.tag ORDER BY rooms DESC, t.tag LIMIT $1`,
      [limit],
    );
    return rows;
  }

  withTag(tag: string, limit: number) {
    return this.rooms(
      `SELECT ${ROOM_COLUMNS} FROM rooms r JOIN room_tags t ON t.room_id = r.id
       WHERE t.tag = $1 AND r.is_public ORDER BY r.created_at DESC LIMIT $2`,
      [tag, limit],
    );
  }

  /** Case-insensitive like SQLite's LIKE (ILIKE folds at least ASCII), with % and _ taken literally. */
  search(query: string, limit: number) {
    return this.rooms(
      `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.is_public AND (
         r.name ILIKE $1 ESCAPE '\\' OR coalesce(r.blurb, '') ILIKE $1 ESCAPE '\\'
         OR r.id IN (SELECT room_id FROM room_tags WHERE tag ILIKE $1 ESCAPE '\\'))
       ORDER BY r.created_at DESC LIMIT $2`,
      [containsPattern(query), limit],
    );
  }

  related(roomId: string, limit: number) {
    return this.rooms(
      `SELECT ${ROOM_COLUMNS} FROM room_tags mine
       JOIN room_tags theirs ON theirs.tag = mine.tag AND theirs.room_id <> mine.room_id
       JOIN rooms r ON r.id = theirs.room_id
       WHERE mine.room_id = $1 AND r.is_public AND r.id <> $1
       GROUP BY r.id ORDER BY count(*) DESC, r.created_at DESC LIMIT $2`,
      [roomId, limit],
    );
  }
}
