import type { Bot, BotFailure } from '../../core/model.js';
import type { BotRepository } from '../../core/ports.js';
import {
  botIdKey,
  botIdTaken,
  toBot,
  toBotCursor,
  toBotFailure,
  type BotCursorRow,
  type BotFailureRow,
  type BotRow,
} from '../bot-rows.js';
import { transaction, type Pool } from './database.js';

const COLUMNS = 'b.id, b.name, b.owner_id, b.secret, b.callback_url, b.enabled, b.created_at';

/**
 * Bots, their rooms and their delivery leases. Every lease move is one UPDATE whose WHERE is the whole
 * condition: under READ COMMITTED, an UPDATE that waited for another's row lock checks its WHERE again on
 * the row as committed, so two processes (or nodes) racing for a lease cannot both win.
 */
export class PostgresBots implements BotRepository {
  constructor(private readonly pool: Pool) {}

  async create(bot: Bot) {
    // DO NOTHING on either key: the same id, or one differing only in case, is taken.
    const { rows } = await this.pool.query<BotRow>(
      `INSERT INTO bots (id, id_key, name, owner_id, secret, callback_url, enabled, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
       RETURNING id, name, owner_id, secret, callback_url, enabled, created_at`,
      [
        bot.id,
        botIdKey(bot.id),
        bot.name,
        bot.ownerId,
        bot.secret,
        bot.callbackUrl,
        bot.enabled,
        bot.createdAt,
      ],
    );
    if (!rows[0]) throw botIdTaken(bot.id);
    return toBot(rows[0]);
  }

  async byId(id: string) {
    const { rows } = await this.pool.query<BotRow>(`SELECT ${COLUMNS} FROM bots b WHERE b.id = $1`, [id]);
    return rows[0] && toBot(rows[0]);
  }

  /** By id in byte order, as SQLite sorts, whatever the database's collation. */
  async list(ownerId?: number) {
    const { rows } =
      ownerId === undefined
        ? await this.pool.query<BotRow>(`SELECT ${COLUMNS} FROM bots b ORDER BY b.id COLLATE "C"`)
        : await this.pool.query<BotRow>(
            `SELECT ${COLUMNS} FROM bots b WHERE b.owner_id = $1 ORDER BY b.id COLLATE "C"`,
            [ownerId],
          );
    return rows.map(toBot);
  }

  async update(bot: Bot) {
    await this.pool.query(
      'UPDATE bots SET name = $1, secret = $2, callback_url = $3, enabled = $4 WHERE id = $5',
      [bot.name, bot.secret, bot.callbackUrl, bot.enabled, bot.id],
    );
  }

  /** Its icon, rooms, cursors and failures go with it (foreign keys, ON DELETE CASCADE). */
  async delete(id: string) {
    await this.pool.query('DELETE FROM bots WHERE id = $1', [id]);
  }

  async setIcon(id: string, icon: { type: string; bytes: Buffer }, at: number) {
    await this.pool.query(
      `INSERT INTO bot_icons (bot_id, type, bytes, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (bot_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes, updated_at = excluded.updated_at`,
      [id, icon.type, icon.bytes, at],
    );
  }

  async icon(id: string) {
    const { rows } = await this.pool.query<{ type: string; bytes: Buffer }>(
      'SELECT type, bytes FROM bot_icons WHERE bot_id = $1',
      [id],
    );
    return rows[0];
  }

  async addToRoom(roomId: string, botId: string, cursor: number, at: number) {
    const { rowCount } = await this.pool.query(
      `INSERT INTO room_bots (room_id, bot_id, cursor, added_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (bot_id, room_id) DO NOTHING`,
      [roomId, botId, cursor, at],
    );
    return rowCount === 1;
  }

  async removeFromRoom(roomId: string, botId: string) {
    const { rowCount } = await this.pool.query('DELETE FROM room_bots WHERE room_id = $1 AND bot_id = $2', [
      roomId,
      botId,
    ]);
    return rowCount === 1;
  }

  async inRoom(roomId: string) {
    const { rows } = await this.pool.query<BotRow>(
      `SELECT ${COLUMNS} FROM room_bots r JOIN bots b ON b.id = r.bot_id WHERE r.room_id = $1 ORDER BY r.seq`,
      [roomId],
    );
    return rows.map(toBot);
  }

  async roomsOf(botId: string) {
    const { rows } = await this.pool.query<{ room_id: string }>(
      'SELECT room_id FROM room_bots WHERE bot_id = $1 ORDER BY seq',
      [botId],
    );
    return rows.map((r) => r.room_id);
  }

  async claim(botId: string, roomId: string, holder: string, now: number, until: number) {
    const { rows } = await this.pool.query<{ cursor: number }>(
      `UPDATE room_bots SET holder = $1, lease_until = $2
       WHERE bot_id = $3 AND room_id = $4 AND (holder IS NULL OR lease_until <= $5 OR holder = $1)
       RETURNING cursor`,
      [holder, until, botId, roomId, now],
    );
    return rows[0]?.cursor;
  }

  async advance(botId: string, roomId: string, holder: string, from: number, to: number, until: number) {
    const { rowCount } = await this.pool.query(
      `UPDATE room_bots SET cursor = $1, lease_until = $2
       WHERE bot_id = $3 AND room_id = $4 AND holder = $5 AND cursor = $6`,
      [to, until, botId, roomId, holder, from],
    );
    return rowCount === 1;
  }

  async release(botId: string, roomId: string, holder: string) {
    await this.pool.query(
      'UPDATE room_bots SET holder = NULL, lease_until = 0 WHERE bot_id = $1 AND room_id = $2 AND holder = $3',
      [botId, roomId, holder],
    );
  }

  /** The kind is written out so the partial index of message events serves the EXISTS. */
  async behind(now: number, limit: number) {
    const { rows } = await this.pool.query<BotCursorRow>(
      `SELECT r.bot_id, r.room_id, r.cursor FROM room_bots r
       WHERE (r.holder IS NULL OR r.lease_until <= $1)
         AND EXISTS (SELECT 1 FROM events e WHERE e.room_id = r.room_id AND e.kind = 'message' AND e.id > r.cursor)
       ORDER BY r.seq LIMIT $2`,
      [now, limit],
    );
    return rows.map(toBotCursor);
  }

  async noteFailure(botId: string, failure: BotFailure, keep: number) {
    await transaction(this.pool, async (client) => {
      // One failure at a time per bot, so two trims cannot each keep the other's row and leave keep + 1.
      // NO KEY UPDATE: rooms may still take the bot in meanwhile. No row: the bot was deleted, nothing to keep.
      const { rowCount } = await client.query('SELECT 1 FROM bots WHERE id = $1 FOR NO KEY UPDATE', [botId]);
      if (rowCount === 0) return;
      await client.query(
        'INSERT INTO bot_failures (bot_id, at, room_id, event_id, reason) VALUES ($1, $2, $3, $4, $5)',
        [botId, failure.at, failure.roomId, failure.eventId, failure.reason],
      );
      await client.query(
        `DELETE FROM bot_failures WHERE bot_id = $1 AND id NOT IN
           (SELECT id FROM bot_failures WHERE bot_id = $1 ORDER BY at DESC, id DESC LIMIT $2)`,
        [botId, Math.max(0, Math.floor(keep))],
      );
    });
  }

  async failures(botId: string) {
    const { rows } = await this.pool.query<BotFailureRow>(
      'SELECT at, room_id, event_id, reason FROM bot_failures WHERE bot_id = $1 ORDER BY at DESC, id DESC',
      [botId],
    );
    return rows.map(toBotFailure);
  }
}
