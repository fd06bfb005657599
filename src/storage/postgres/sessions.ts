import type { SessionRecord } from '../../core/model.js';
import type { SessionRepository } from '../../core/ports.js';
import { transaction, type Pool, type PoolClient } from './database.js';

interface SessionRow {
  id: string;
  public_id: string;
  user_id: number;
  nickname: string;
  app_key: string | null;
  hidden: boolean;
  online: boolean;
  created_at: number;
  last_active_at: number;
  csrf_token: string;
  rooms: string[];
}

/** A session's columns with its rooms in order, from `sessions s`. */
const COLUMNS = `s.id, s.public_id, s.user_id, s.nickname, s.app_key, s.hidden, s.online, s.created_at,
  s.last_active_at, s.csrf_token,
  array(SELECT x.room_id FROM session_rooms x WHERE x.session_id = s.id ORDER BY x.position) AS rooms`;

const toRecord = (r: SessionRow): SessionRecord => ({
  id: r.id,
  publicId: r.public_id,
  userId: r.user_id,
  nickname: r.nickname,
  appKey: r.app_key,
  hidden: r.hidden,
  online: r.online,
  createdAt: r.created_at,
  lastActiveAt: r.last_active_at,
  rooms: r.rooms,
  legacyCsrfKey: r.csrf_token,
});

async function insertRooms(client: PoolClient, id: string, rooms: readonly string[]): Promise<void> {
  if (rooms.length === 0) return;
  await client.query(
    `INSERT INTO session_rooms (session_id, room_id, position)
     SELECT $1, room_id, position - 1 FROM unnest($2::text[]) WITH ORDINALITY AS r (room_id, position)`,
    [id, rooms],
  );
}

export class PostgresSessions implements SessionRepository {
  constructor(private readonly pool: Pool) {}

  async create(s: SessionRecord) {
    await transaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO sessions (id, public_id, user_id, nickname, app_key, hidden, online, created_at,
           last_active_at, csrf_token) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          s.id,
          s.publicId,
          s.userId,
          s.nickname,
          s.appKey,
          s.hidden,
          s.online,
          s.createdAt,
          s.lastActiveAt,
          s.legacyCsrfKey,
        ],
      );
      await insertRooms(client, s.id, s.rooms);
    });
  }

  async byId(id: string) {
    const { rows } = await this.pool.query<SessionRow>(`SELECT ${COLUMNS} FROM sessions s WHERE s.id = $1`, [
      id,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  async exists(id: string) {
    const { rows } = await this.pool.query('SELECT 1 FROM sessions WHERE id = $1', [id]);
    return rows.length > 0;
  }

  async ofUser(userId: number) {
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT ${COLUMNS} FROM sessions s WHERE s.user_id = $1 ORDER BY s.last_active_at DESC, s.id`,
      [userId],
    );
    return rows.map(toRecord);
  }

  async delete(id: string) {
    await this.pool.query('DELETE FROM sessions WHERE id = $1', [id]);
  }

  async update(id: string, patch: Partial<Pick<SessionRecord, 'nickname' | 'hidden' | 'online'>>) {
    const present = Object.entries({
      nickname: patch.nickname,
      hidden: patch.hidden,
      online: patch.online,
    }).filter(([, v]) => v !== undefined);
    if (present.length === 0) return;
    const sets = present.map(([column], i) => `${column} = $${i + 1}`);
    await this.pool.query(`UPDATE sessions SET ${sets.join(', ')} WHERE id = $${present.length + 1}`, [
      ...present.map(([, v]) => v),
      id,
    ]);
  }

  async setRooms(id: string, rooms: readonly string[]) {
    await transaction(this.pool, async (client) => {
      await client.query('DELETE FROM session_rooms WHERE session_id = $1', [id]);
      await insertRooms(client, id, rooms);
    });
  }

  /** One statement for the batch; a session listed twice keeps its latest time, and times never move back. */
  async touch(entries: ReadonlyArray<{ id: string; lastActiveAt: number }>) {
    if (entries.length === 0) return;
    await this.pool.query(
      `UPDATE sessions s SET last_active_at = greatest(s.last_active_at, t.at)
       FROM (SELECT id, max(at) AS at FROM unnest($1::text[], $2::bigint[]) AS e (id, at) GROUP BY id) t
       WHERE s.id = t.id`,
      [entries.map((e) => e.id), entries.map((e) => e.lastActiveAt)],
    );
  }

  async online() {
    const { rows } = await this.pool.query<SessionRow>(`SELECT ${COLUMNS} FROM sessions s WHERE s.online`);
    return rows.map(toRecord);
  }

  /**
   * Deleted and returned in one statement, so two processes expiring at once never both return a session.
   * The rooms are read from the statement's snapshot, before the deletion cascades to them.
   */
  async expire(idleSince: number) {
    const { rows } = await this.pool.query<SessionRow>(
      `WITH s AS (DELETE FROM sessions WHERE last_active_at < $1 RETURNING *) SELECT ${COLUMNS} FROM s`,
      [idleSince],
    );
    return rows.map(toRecord);
  }
}
