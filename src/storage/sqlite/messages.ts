import { lineEvent, type Message, type NewMessage } from '../../core/model.js';
import type { MessageRepository } from '../../core/ports.js';
import { isShortTerm } from '../../core/search.js';
import type Database from 'better-sqlite3';
import type { Db } from './database.js';
import type { SqliteEvents } from './events.js';
import { containsPattern, toMessage, type MessageRow } from '../rows.js';

const COLUMNS =
  'id, room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at, occupant_id, client_type';

export class SqliteMessages implements MessageRepository {
  private readonly insert;
  private readonly updateSpoke;
  private readonly selectMember;
  private readonly selectHasBots;
  private readonly select;
  private readonly selectLatest;
  private readonly selectBefore;
  private readonly selectBetween;
  private readonly selectActivity;
  private readonly selectSearch;
  private readonly countRange;
  private readonly countSearch;
  /** Cross-room search statements by shape: whether the index is used, and how many short terms. */
  private readonly searches = new Map<string, { count: Database.Statement; page: Database.Statement }>();

  constructor(
    private readonly db: Db,
    private readonly events: SqliteEvents,
  ) {
    this.updateSpoke = db.prepare<[number, number, string, number]>(
      'UPDATE memberships SET last_active_at = ?, read_through = max(read_through, ?) WHERE room_id = ? AND user_id = ?',
    );
    this.selectMember = db.prepare<[string, number], { one: number }>(
      'SELECT 1 AS one FROM memberships WHERE room_id = ? AND user_id = ?',
    );
    this.selectHasBots = db.prepare<[string], { one: number }>(
      'SELECT 1 AS one FROM room_bots WHERE room_id = ? LIMIT 1',
    );
    this.insert = db.prepare<
      [string, string, string, string, string, string, string | null, number, string | null, string | null],
      { id: number }
    >(
      `INSERT INTO messages (room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at,
         occupant_id, client_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.select = db.prepare<[number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE id = ? AND deleted_at IS NULL`,
    );
    this.selectLatest = db.prepare<[string, number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`,
    );
    this.selectBetween = db.prepare<[string, number, number, number, number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND created_at >= ? AND created_at < ?
       AND deleted_at IS NULL ORDER BY id LIMIT ? OFFSET ?`,
    );
    this.countRange = db.prepare<[string, number, number, number], { lines: number }>(
      `SELECT count(*) AS lines FROM messages WHERE room_id = ? AND created_at >= ? AND created_at < ?
       AND id < ? AND deleted_at IS NULL`,
    );
    this.countSearch = db.prepare<[string, string], { lines: number }>(
      `SELECT count(*) AS lines FROM messages WHERE room_id = ? AND text LIKE ? ESCAPE '\\' AND deleted_at IS NULL`,
    );
    this.selectActivity = db.prepare<[number, number, string], { start: number; lines: number }>(
      `SELECT (created_at / ?) * ? AS start, count(*) AS lines FROM messages
       WHERE room_id = ? AND deleted_at IS NULL GROUP BY start ORDER BY start`,
    );
    this.selectSearch = db.prepare<[string, string, number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND text LIKE ? ESCAPE '\\' AND deleted_at IS NULL
       ORDER BY id DESC LIMIT ?`,
    );
    this.selectBefore = db.prepare<[string, number, number], MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND id < ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?`,
    );
  }

  async between(roomId: string, from: number, to: number, limit: number, offset = 0) {
    return this.selectBetween.all(roomId, from, to, limit, offset).map(toMessage);
  }

  async countBetween(roomId: string, from: number, to: number, beforeId = Number.MAX_SAFE_INTEGER) {
    return this.countRange.get(roomId, from, to, beforeId)?.lines ?? 0;
  }

  async activity(roomId: string, bucketMs: number) {
    return this.selectActivity.all(bucketMs, bucketMs, roomId);
  }

  async search(roomId: string, query: string, limit: number) {
    return this.selectSearch.all(roomId, containsPattern(query), limit).map(toMessage);
  }

  async countMatches(roomId: string, query: string) {
    return this.countSearch.get(roomId, containsPattern(query))?.lines ?? 0;
  }

  async searchVisible(terms: readonly string[], viewerId: number | undefined, limit: number, offset: number) {
    if (terms.length === 0) return { total: 0, messages: [] };
    const indexed = terms.filter((t) => !isShortTerm(t));
    const short = terms.filter(isShortTerm);
    const { count, page } = this.searchStatements(indexed.length > 0, short.length);
    // Each indexed term is one FTS5 string ("…", quotes doubled): operators, NEAR( and * stay literal.
    const match = indexed.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
    const params = [...(indexed.length > 0 ? [match] : []), ...short.map(containsPattern), viewerId ?? null];
    const { total } = count.get(...params) as { total: number };
    const rows = total === 0 ? [] : (page.all(...params, limit, offset) as MessageRow[]);
    return { total, messages: rows.map(toMessage) };
  }

  private searchStatements(indexed: boolean, shortTerms: number) {
    const key = `${indexed}:${shortTerms}`;
    let statements = this.searches.get(key);
    if (!statements) {
      // Driven by the index when a term is long enough for it (newest first straight off its rowids);
      // words under three characters are looked for line by line.
      const from = indexed
        ? 'messages_fts f JOIN messages m ON m.id = f.rowid JOIN rooms r ON r.id = m.room_id'
        : 'messages m JOIN rooms r ON r.id = m.room_id';
      const where = [
        ...(indexed ? ['messages_fts MATCH ?'] : []),
        ...Array.from({ length: shortTerms }, () => "m.text LIKE ? ESCAPE '\\'"),
        'm.deleted_at IS NULL',
        '(r.is_public = 1 OR EXISTS (SELECT 1 FROM memberships s WHERE s.room_id = r.id AND s.user_id = ?))',
      ].join(' AND ');
      const cols = COLUMNS.split(', ')
        .map((c) => `m.${c}`)
        .join(', ');
      const order = indexed ? 'f.rowid DESC' : 'm.id DESC';
      statements = {
        count: this.db.prepare(`SELECT count(*) AS total FROM ${from} WHERE ${where}`),
        page: this.db.prepare(
          `SELECT ${cols} FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
        ),
      };
      this.searches.set(key, statements);
    }
    return statements;
  }

  async append(message: NewMessage) {
    return this.db.transaction(() => this.store(message)).immediate();
  }

  async appendAsMember(message: NewMessage, memberId: number) {
    return this.db
      .transaction(() => {
        if (!this.selectMember.get(message.roomId, memberId)) return undefined;
        const stored = this.store(message);
        this.updateSpoke.run(message.createdAt, stored.message.id, message.roomId, memberId);
        return { ...stored, roomHasBots: this.selectHasBots.get(message.roomId) !== undefined };
      })
      .immediate();
  }

  /** Inside a transaction: the line and its event. */
  private store(m: NewMessage) {
    const { id } = this.insert.get(
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
    ) as { id: number };
    const message: Message = { ...m, id };
    return { message, event: this.events.insertOne(lineEvent(message)) };
  }

  async byId(id: number) {
    const row = this.select.get(id);
    return row && toMessage(row);
  }

  async latest(roomId: string, limit: number, before?: number) {
    const rows =
      before === undefined
        ? this.selectLatest.all(roomId, limit)
        : this.selectBefore.all(roomId, before, limit);
    return rows.reverse().map(toMessage);
  }
}
