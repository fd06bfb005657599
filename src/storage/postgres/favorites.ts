import type { FavoriteRepository } from '../../core/ports.js';
import type { Pool } from './database.js';

export class PostgresFavorites implements FavoriteRepository {
  constructor(private readonly pool: Pool) {}

  /** The favourite's id, whether this added it or it was there already. */
  async add(userId: number, messageId: number, at: number) {
    const { rows } = await this.pool.query<{ id: number }>(
      `WITH added AS (
         INSERT INTO favorites (user_id, message_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, message_id) DO NOTHING RETURNING id)
       SELECT id FROM added UNION ALL SELECT id FROM favorites WHERE user_id = $1 AND message_id = $2`,
      [userId, messageId, at],
    );
    if (rows[0]) return rows[0].id;
    // Another transaction added it after this statement's snapshot was taken: it is committed now.
    const again = await this.pool.query<{ id: number }>(
      'SELECT id FROM favorites WHERE user_id = $1 AND message_id = $2',
      [userId, messageId],
    );
    return (again.rows[0] as { id: number }).id;
  }

  async remove(userId: number, messageId: number) {
    await this.pool.query('DELETE FROM favorites WHERE user_id = $1 AND message_id = $2', [
      userId,
      messageId,
    ]);
  }

  async of(userId: number, messageIds: readonly number[]) {
    const found = new Map<number, number>();
    if (messageIds.length === 0) return found;
    const { rows } = await this.pool.query<{ id: number; message_id: number }>(
      'SELECT id, message_id FROM favorites WHERE user_id = $1 AND message_id = ANY($2::bigint[])',
      [userId, messageIds],
    );
    for (const r of rows) found.set(r.message_id, r.id);
    return found;
  }

  async inRoom(userId: number, roomId: string) {
    const { rows } = await this.pool.query<{ message_id: number }>(
      `SELECT f.message_id FROM favorites f JOIN messages m ON m.id = f.message_id
       WHERE f.user_id = $1 AND m.room_id = $2 AND m.deleted_at IS NULL ORDER BY f.message_id`,
      [userId, roomId],
    );
    return rows.map((r) => r.message_id);
  }

  async latest(userId: number, limit: number) {
    const { rows } = await this.pool.query<{ message_id: number }>(
      'SELECT message_id FROM favorites WHERE user_id = $1 ORDER BY id DESC LIMIT $2',
      [userId, limit],
    );
    return rows.map((r) => r.message_id);
  }
}
