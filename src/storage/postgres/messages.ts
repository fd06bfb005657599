import { lineEvent, type ChatEvent, type Message, type NewMessage } from '../../core/model.js';
import type { AppendedLine, AppendedMemberLine, MessageRepository } from '../../core/ports.js';
import type { Pool } from './database.js';
import { numbered, type PostgresEvents } from './events.js';
import { containsPattern, toMessage, type MessageRow } from '../rows.js';

/** Lines committed together at most: a bound on one transaction's size under a flood. */
const MAX_GROUP = 256;

/** A line stored (with whether its room has bots), or undefined: its speaker was no member. */
type Done = AppendedMemberLine | undefined;

interface PendingAppend {
  message: NewMessage;
  memberId: number | undefined;
  resolve(done: Done): void;
  reject(err: unknown): void;
}

/** The line as given, less any id it carries (a Message passed as a NewMessage): the store gives the id. */
function withoutId(message: NewMessage & { id?: unknown }): NewMessage {
  const { id: _given, ...line } = message;
  return line;
}

interface SayRow {
  line_ids: Array<string | null>;
  last_event: number | null;
  bot_rooms: string[];
}

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

  async append(message: NewMessage): Promise<AppendedLine> {
    const done = await this.enqueue(message, undefined);
    // A line with no member to check is always stored.
    if (!done) throw new Error('a line without a speaker to check was refused');
    return done;
  }

  appendAsMember(message: NewMessage, memberId: number): Promise<AppendedMemberLine | undefined> {
    return this.enqueue(message, memberId);
  }

  /**
   * Lines said while a commit is under way wait for it and go in the next one together (a group commit):
   * events are committed one writer at a time anyway (events.ts), and lines committed together are
   * published together, so every node writes them to its sockets in one frame instead of one each.
   */
  private enqueue(message: NewMessage, memberId: number | undefined): Promise<Done> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, memberId, resolve, reject });
      if (!this.committing) void this.commitWaiting();
    });
  }

  private readonly waiting: PendingAppend[] = [];
  private committing = false;

  private async commitWaiting(): Promise<void> {
    this.committing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_GROUP);
      try {
        const done = await this.commit(batch);
        batch.forEach((p, i) => p.resolve(done[i]));
      } catch (err) {
        if (batch.length === 1) (batch[0] as PendingAppend).reject(err);
        // One bad line (its room deleted meanwhile) must not fail the others: each goes alone.
        else
          for (const p of batch)
            await this.commit([p]).then(
              ([done]) => p.resolve(done),
              (e: unknown) => p.reject(e),
            );
      }
    }
    this.committing = false;
  }

  /**
   * One round trip: one statement draws the lines' ids, stores the lines of members still in their rooms
   * (and every line with no member to check), marks those members active and read through their lines,
   * stores the events, and names the rooms with bots (lingr_say_checked in migrations.ts). The events'
   * payloads go without the ids, which the statement puts first.
   */
  private async commit(batch: readonly PendingAppend[]): Promise<Done[]> {
    const lines = batch.map((p) => withoutId(p.message));
    const { rows } = await this.pool.query<SayRow>(
      `SELECT line_ids, last_event, bot_rooms
       FROM lingr_say_checked($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        lines.map((m) => m.roomId),
        lines.map((m) => m.type),
        lines.map((m) => m.speakerId),
        lines.map((m) => m.publicSessionId),
        lines.map((m) => m.nickname),
        lines.map((m) => m.text),
        lines.map((m) => m.localId),
        lines.map((m) => m.createdAt),
        lines.map((m) => m.occupant?.id ?? null),
        lines.map((m) => m.occupant?.clientType ?? null),
        lines.map((m) => JSON.stringify(m)),
        batch.map((p) => p.memberId ?? null),
        this.events.notifyAs,
      ],
    );
    const { line_ids: ids, last_event: last, bot_rooms: botRooms } = rows[0] as SayRow;
    const stored: Message[] = [];
    const found = lines.map((m, i) => {
      const id = ids[i];
      if (id === null || id === undefined) return undefined;
      const message: Message = { ...m, id: Number(id) };
      stored.push(message);
      return message;
    });
    const events = last === null ? [] : numbered(stored.map(lineEvent), last);
    let next = 0;
    return found.map((message) =>
      message
        ? { message, event: events[next++] as ChatEvent, roomHasBots: botRooms.includes(message.roomId) }
        : undefined,
    );
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
