import type { Room } from '../../core/model.js';
import type { DirectoryRepository } from '../../core/ports.js';
import type { Db } from './database.js';
import { containsPattern } from '../rows.js';
import type { SqliteRooms } from './rooms.js';

export class SqliteDirectory implements DirectoryRepository {
  private readonly selectHot;
  private readonly selectNewest;
  private readonly selectTags;
  private readonly selectWithTag;
  private readonly selectSearch;
  private readonly selectRelated;

  constructor(
    db: Db,
    private readonly rooms: SqliteRooms,
  ) {
    this.selectHot = db.prepare<[number, number], { id: string; lines: number }>(
      `SELECT r.id, count(m.id) AS lines FROM rooms r
       JOIN messages m ON m.room_id = r.id AND m.created_at >= ? AND m.deleted_at IS NULL
       WHERE r.is_public = 1 GROUP BY r.id ORDER BY lines DESC, r.created_at DESC LIMIT ?`,
    );
    this.selectNewest = db.prepare<[number], { id: string }>(
      'SELECT id FROM rooms WHERE is_public = 1 ORDER BY created_at DESC, id LIMIT ?',
    );
    this.selectTags = db.prepare<[number], { tag: string; rooms: number }>(
      `SELECT t.tag, count(*) AS rooms FROM room_tags t JOIN rooms r ON r.id = t.room_id
       WHERE r.is_public = 1 GROUP BY t.tag ORDER BY rooms DESC, t.tag LIMIT ?`,
    );
    this.selectWithTag = db.prepare<[string, number], { id: string }>(
      `SELECT r.id FROM rooms r JOIN room_tags t ON t.room_id = r.id
       WHERE t.tag = ? AND r.is_public = 1 ORDER BY r.created_at DESC LIMIT ?`,
    );
    this.selectSearch = db.prepare<[string, string, string, number], { id: string }>(
      `SELECT r.id FROM rooms r WHERE r.is_public = 1 AND (
         r.name LIKE ? ESCAPE '\\' OR coalesce(r.blurb, '') LIKE ? ESCAPE '\\'
         OR r.id IN (SELECT room_id FROM room_tags WHERE tag LIKE ? ESCAPE '\\'))
       ORDER BY r.created_at DESC LIMIT ?`,
    );
    this.selectRelated = db.prepare<[string, string, number], { id: string }>(
      `SELECT r.id FROM room_tags mine JOIN room_tags theirs ON theirs.tag = mine.tag AND theirs.room_id <> mine.room_id
       JOIN rooms r ON r.id = theirs.room_id
       WHERE mine.room_id = ? AND r.is_public = 1 AND r.id <> ?
       GROUP BY r.id ORDER BY count(*) DESC, r.created_at DESC LIMIT ?`,
    );
  }

  private async load(ids: ReadonlyArray<{ id: string }>): Promise<Room[]> {
    const rooms: Room[] = [];
    for (const { id } of ids) {
      const room = await this.rooms.byId(id);
      if (room) rooms.push(room);
    }
    return rooms;
  }

  /** Each room with its own count: a room gone between the two reads drops out without shifting the others'. */
  async hot(since: number, limit: number) {
    const hot: Array<{ room: Room; lines: number }> = [];
    for (const { id, lines } of this.selectHot.all(since, limit)) {
      const room = await this.rooms.byId(id);
      if (room) hot.push({ room, lines });
    }
    return hot;
  }

  newest(limit: number) {
    return this.load(this.selectNewest.all(limit));
  }

  async tags(limit: number) {
    return this.selectTags.all(limit);
  }

  withTag(tag: string, limit: number) {
    return this.load(this.selectWithTag.all(tag, limit));
  }

  search(query: string, limit: number) {
    const like = containsPattern(query);
    return this.load(this.selectSearch.all(like, like, like, limit));
  }

  related(roomId: string, limit: number) {
    return this.load(this.selectRelated.all(roomId, roomId, limit));
  }
}
