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
import type { Db } from './database.js';

const COLUMNS = 'b.id, b.name, b.owner_id, b.secret, b.callback_url, b.enabled, b.created_at';

/**
 * Bots, their rooms and their delivery leases. Every lease move is one UPDATE whose WHERE is the whole
 * condition, so two processes (or nodes) racing for it cannot both win.
 */
export class SqliteBots implements BotRepository {
  private readonly insert;
  private readonly selectById;
  private readonly selectAll;
  private readonly selectOwned;
  private readonly updateBot;
  private readonly deleteBot;
  private readonly upsertIcon;
  private readonly selectIcon;
  private readonly insertRoomBot;
  private readonly deleteRoomBot;
  private readonly selectInRoom;
  private readonly selectRoomsOf;
  private readonly updateClaim;
  private readonly updateAdvance;
  private readonly updateRelease;
  private readonly selectBehind;
  private readonly insertFailure;
  private readonly trimFailures;
  private readonly selectFailures;

  constructor(private readonly db: Db) {
    // DO NOTHING on either key: the same id, or one differing only in case, is taken.
    this.insert = db.prepare<
      [string, string, string, number | null, string, string | null, number, number],
      BotRow
    >(
      `INSERT INTO bots (id, id_key, name, owner_id, secret, callback_url, enabled, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
       RETURNING id, name, owner_id, secret, callback_url, enabled, created_at`,
    );
    this.selectById = db.prepare<[string], BotRow>(`SELECT ${COLUMNS} FROM bots b WHERE b.id = ?`);
    this.selectAll = db.prepare<[], BotRow>(`SELECT ${COLUMNS} FROM bots b ORDER BY b.id`);
    this.selectOwned = db.prepare<[number], BotRow>(
      `SELECT ${COLUMNS} FROM bots b WHERE b.owner_id = ? ORDER BY b.id`,
    );
    this.updateBot = db.prepare<[string, string, string | null, number, string]>(
      'UPDATE bots SET name = ?, secret = ?, callback_url = ?, enabled = ? WHERE id = ?',
    );
    this.deleteBot = db.prepare<[string]>('DELETE FROM bots WHERE id = ?');
    this.upsertIcon = db.prepare<[string, string, Buffer, number]>(
      `INSERT INTO bot_icons (bot_id, type, bytes, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (bot_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes, updated_at = excluded.updated_at`,
    );
    this.selectIcon = db.prepare<[string], { type: string; bytes: Buffer }>(
      'SELECT type, bytes FROM bot_icons WHERE bot_id = ?',
    );
    this.insertRoomBot = db.prepare<[string, string, number, number]>(
      `INSERT INTO room_bots (room_id, bot_id, cursor, added_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (bot_id, room_id) DO NOTHING`,
    );
    this.deleteRoomBot = db.prepare<[string, string]>(
      'DELETE FROM room_bots WHERE room_id = ? AND bot_id = ?',
    );
    this.selectInRoom = db.prepare<[string], BotRow>(
      `SELECT ${COLUMNS} FROM room_bots r JOIN bots b ON b.id = r.bot_id WHERE r.room_id = ? ORDER BY r.seq`,
    );
    this.selectRoomsOf = db.prepare<[string], { room_id: string }>(
      'SELECT room_id FROM room_bots WHERE bot_id = ? ORDER BY seq',
    );
    this.updateClaim = db.prepare<[string, number, string, string, number, string], { cursor: number }>(
      `UPDATE room_bots SET holder = ?, lease_until = ?
       WHERE bot_id = ? AND room_id = ? AND (holder IS NULL OR lease_until <= ? OR holder = ?)
       RETURNING cursor`,
    );
    this.updateAdvance = db.prepare<[number, number, string, string, string, number]>(
      `UPDATE room_bots SET cursor = ?, lease_until = ?
       WHERE bot_id = ? AND room_id = ? AND holder = ? AND cursor = ?`,
    );
    this.updateRelease = db.prepare<[string, string, string]>(
      'UPDATE room_bots SET holder = NULL, lease_until = 0 WHERE bot_id = ? AND room_id = ? AND holder = ?',
    );
    // The kind is written out so the partial index of message events serves the EXISTS.
    this.selectBehind = db.prepare<[number, number], BotCursorRow>(
      `SELECT r.bot_id, r.room_id, r.cursor FROM room_bots r
       WHERE (r.holder IS NULL OR r.lease_until <= ?)
         AND EXISTS (SELECT 1 FROM events e WHERE e.room_id = r.room_id AND e.kind = 'message' AND e.id > r.cursor)
       ORDER BY r.seq LIMIT ?`,
    );
    // Only for a bot that is still there: a delivery may fail just as its bot is deleted.
    this.insertFailure = db.prepare<[string, number, string, number, string, string]>(
      `INSERT INTO bot_failures (bot_id, at, room_id, event_id, reason)
       SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE id = ?)`,
    );
    this.trimFailures = db.prepare<[string, string, number]>(
      `DELETE FROM bot_failures WHERE bot_id = ? AND id NOT IN
         (SELECT id FROM bot_failures WHERE bot_id = ? ORDER BY at DESC, id DESC LIMIT ?)`,
    );
    this.selectFailures = db.prepare<[string], BotFailureRow>(
      'SELECT at, room_id, event_id, reason FROM bot_failures WHERE bot_id = ? ORDER BY at DESC, id DESC',
    );
  }

  async create(bot: Bot) {
    const row = this.insert.get(
      bot.id,
      botIdKey(bot.id),
      bot.name,
      bot.ownerId,
      bot.secret,
      bot.callbackUrl,
      bot.enabled ? 1 : 0,
      bot.createdAt,
    );
    if (!row) throw botIdTaken(bot.id);
    return toBot(row);
  }

  async byId(id: string) {
    const row = this.selectById.get(id);
    return row && toBot(row);
  }

  async list(ownerId?: number) {
    return (ownerId === undefined ? this.selectAll.all() : this.selectOwned.all(ownerId)).map(toBot);
  }

  async update(bot: Bot) {
    this.updateBot.run(bot.name, bot.secret, bot.callbackUrl, bot.enabled ? 1 : 0, bot.id);
  }

  /** Its icon, rooms, cursors and failures go with it (foreign keys, ON DELETE CASCADE). */
  async delete(id: string) {
    this.deleteBot.run(id);
  }

  async setIcon(id: string, icon: { type: string; bytes: Buffer }, at: number) {
    this.upsertIcon.run(id, icon.type, icon.bytes, at);
  }

  async icon(id: string) {
    return this.selectIcon.get(id);
  }

  async addToRoom(roomId: string, botId: string, cursor: number, at: number) {
    return this.insertRoomBot.run(roomId, botId, cursor, at).changes === 1;
  }

  async removeFromRoom(roomId: string, botId: string) {
    return this.deleteRoomBot.run(roomId, botId).changes === 1;
  }

  async inRoom(roomId: string) {
    return this.selectInRoom.all(roomId).map(toBot);
  }

  async roomsOf(botId: string) {
    return this.selectRoomsOf.all(botId).map((r) => r.room_id);
  }

  async claim(botId: string, roomId: string, holder: string, now: number, until: number) {
    return this.updateClaim.get(holder, until, botId, roomId, now, holder)?.cursor;
  }

  async advance(botId: string, roomId: string, holder: string, from: number, to: number, until: number) {
    return this.updateAdvance.run(to, until, botId, roomId, holder, from).changes === 1;
  }

  async release(botId: string, roomId: string, holder: string) {
    this.updateRelease.run(botId, roomId, holder);
  }

  async behind(now: number, limit: number) {
    return this.selectBehind.all(now, limit).map(toBotCursor);
  }

  async noteFailure(botId: string, failure: BotFailure, keep: number) {
    this.db
      .transaction(() => {
        const { changes } = this.insertFailure.run(
          botId,
          failure.at,
          failure.roomId,
          failure.eventId,
          failure.reason,
          botId,
        );
        // A negative LIMIT is no limit at all in SQLite: keeping fewer than none keeps none.
        if (changes === 1) this.trimFailures.run(botId, botId, Math.max(0, Math.floor(keep)));
      })
      .immediate();
  }

  async failures(botId: string) {
    return this.selectFailures.all(botId).map(toBotFailure);
  }
}
