import type { FavoriteRepository } from '../../core/ports.js';
import type { Db } from './database.js';

export class SqliteFavorites implements FavoriteRepository {
  private readonly insert;
  private readonly selectOne;
  private readonly remove_;
  private readonly selectInRoom;
  private readonly selectLatest;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO favorites (user_id, message_id, created_at) VALUES (?, ?, ?)',
    );
    this.selectOne = db.prepare<[number, number], { id: number }>(
      'SELECT id FROM favorites WHERE user_id = ? AND message_id = ?',
    );
    this.remove_ = db.prepare('DELETE FROM favorites WHERE user_id = ? AND message_id = ?');
    this.selectInRoom = db.prepare<[number, string], { message_id: number }>(
      `SELECT f.message_id FROM favorites f JOIN messages m ON m.id = f.message_id
       WHERE f.user_id = ? AND m.room_id = ? AND m.deleted_at IS NULL ORDER BY f.message_id`,
    );
    this.selectLatest = db.prepare<[number, number], { message_id: number }>(
      'SELECT message_id FROM favorites WHERE user_id = ? ORDER BY id DESC LIMIT ?',
    );
  }

  async add(userId: number, messageId: number, at: number) {
    this.insert.run(userId, messageId, at);
    return (this.selectOne.get(userId, messageId) as { id: number }).id;
  }

  async remove(userId: number, messageId: number) {
    this.remove_.run(userId, messageId);
  }

  async of(userId: number, messageIds: readonly number[]) {
    const found = new Map<number, number>();
    if (messageIds.length === 0) return found;
    const marks = messageIds.map(() => '?').join(',');
    const rows = this.db
      .prepare<unknown[], { id: number; message_id: number }>(
        `SELECT id, message_id FROM favorites WHERE user_id = ? AND message_id IN (${marks})`,
      )
      .all(userId, ...messageIds);
    for (const r of rows) found.set(r.message_id, r.id);
    return found;
  }

  async inRoom(userId: number, roomId: string) {
    return this.selectInRoom.all(userId, roomId).map((r) => r.message_id);
  }

  async latest(userId: number, limit: number) {
    return this.selectLatest.all(userId, limit).map((r) => r.message_id);
  }
}
