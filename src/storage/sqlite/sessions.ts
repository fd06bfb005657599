import type { SessionRecord } from '../../core/model.js';
import type { SessionRepository } from '../../core/ports.js';
import type { Db } from './database.js';

interface SessionRow {
  id: string;
  public_id: string;
  user_id: number;
  nickname: string;
  app_key: string | null;
  hidden: number;
  online: number;
  created_at: number;
  last_active_at: number;
  csrf_token: string;
}

export class SqliteSessions implements SessionRepository {
  private readonly insert;
  private readonly select;
  private readonly selectRooms;
  private readonly remove;
  private readonly clearRooms;
  private readonly insertRoom;
  private readonly updateTouch;
  private readonly selectOnline;
  private readonly selectIdle;
  private readonly selectExists;
  private readonly selectOfUser;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO sessions (id, public_id, user_id, nickname, app_key, hidden, online, created_at, last_active_at,
         csrf_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.select = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
    this.selectRooms = db.prepare<[string], { room_id: string }>(
      'SELECT room_id FROM session_rooms WHERE session_id = ? ORDER BY position',
    );
    this.remove = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
    this.clearRooms = db.prepare<[string]>('DELETE FROM session_rooms WHERE session_id = ?');
    this.insertRoom = db.prepare(
      'INSERT INTO session_rooms (session_id, room_id, position) VALUES (?, ?, ?)',
    );
    this.updateTouch = db.prepare<[number, string]>(
      'UPDATE sessions SET last_active_at = max(last_active_at, ?) WHERE id = ?',
    );
    this.selectOnline = db.prepare<[], SessionRow>('SELECT * FROM sessions WHERE online = 1');
    this.selectIdle = db.prepare<[number], SessionRow>('SELECT * FROM sessions WHERE last_active_at < ?');
    this.selectExists = db.prepare<[string], { found: number }>(
      'SELECT 1 AS found FROM sessions WHERE id = ?',
    );
    this.selectOfUser = db.prepare<[number], SessionRow>(
      'SELECT * FROM sessions WHERE user_id = ? ORDER BY last_active_at DESC, id',
    );
  }

  private toRecord(r: SessionRow): SessionRecord {
    return {
      id: r.id,
      publicId: r.public_id,
      userId: r.user_id,
      nickname: r.nickname,
      appKey: r.app_key,
      hidden: r.hidden === 1,
      online: r.online === 1,
      createdAt: r.created_at,
      lastActiveAt: r.last_active_at,
      rooms: this.selectRooms.all(r.id).map((x) => x.room_id),
      legacyCsrfKey: r.csrf_token,
    };
  }

  async create(s: SessionRecord) {
    this.db.transaction(() => {
      this.insert.run(
        s.id,
        s.publicId,
        s.userId,
        s.nickname,
        s.appKey,
        s.hidden ? 1 : 0,
        s.online ? 1 : 0,
        s.createdAt,
        s.lastActiveAt,
        s.legacyCsrfKey,
      );
      s.rooms.forEach((room, i) => this.insertRoom.run(s.id, room, i));
    })();
  }

  async byId(id: string) {
    const row = this.select.get(id);
    return row && this.toRecord(row);
  }

  async exists(id: string) {
    return this.selectExists.get(id) !== undefined;
  }

  async ofUser(userId: number) {
    return this.selectOfUser.all(userId).map((r) => this.toRecord(r));
  }

  async delete(id: string) {
    this.remove.run(id);
  }

  async update(id: string, patch: Partial<Pick<SessionRecord, 'nickname' | 'hidden' | 'online'>>) {
    const columns: Record<string, string | number | undefined> = {
      nickname: patch.nickname,
      hidden: patch.hidden === undefined ? undefined : Number(patch.hidden),
      online: patch.online === undefined ? undefined : Number(patch.online),
    };
    const present = Object.entries(columns).filter(([, v]) => v !== undefined);
    const sets = present.map(([k]) => `${k} = ?`);
    const values = present.map(([, v]) => v as string | number);
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE sessions SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  async setRooms(id: string, rooms: readonly string[]) {
    this.db.transaction(() => {
      this.clearRooms.run(id);
      rooms.forEach((room, i) => this.insertRoom.run(id, room, i));
    })();
  }

  async touch(entries: ReadonlyArray<{ id: string; lastActiveAt: number }>) {
    this.db.transaction(() => {
      for (const e of entries) this.updateTouch.run(e.lastActiveAt, e.id);
    })();
  }

  async online() {
    return this.selectOnline.all().map((r) => this.toRecord(r));
  }

  async expire(idleSince: number) {
    return this.db.transaction(() => {
      const gone = this.selectIdle.all(idleSince).map((r) => this.toRecord(r));
      for (const s of gone) this.remove.run(s.id);
      return gone;
    })();
  }
}
