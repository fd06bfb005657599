import { invalidParameter, type ChatError } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { Bot, BotFailure } from '../core/model.js';
import type { BotCursor } from '../core/ports.js';

/** Bots' rows, alike in both stores but for `enabled` (0 and 1 in SQLite, BOOLEAN in PostgreSQL). */

export interface BotRow {
  id: string;
  name: string;
  owner_id: number | null;
  secret: string;
  callback_url: string | null;
  enabled: number | boolean;
  created_at: number;
}

export const toBot = (r: BotRow): Bot => ({
  id: r.id,
  name: r.name,
  ownerId: r.owner_id,
  secret: r.secret,
  callbackUrl: r.callback_url,
  enabled: r.enabled === true || r.enabled === 1,
  createdAt: r.created_at,
});

/** What makes bot ids unique whatever their case; ids are ASCII (core/ids.ts), so plain lower-casing does. */
export const botIdKey = (id: string): string => id.toLowerCase();

export const botIdTaken = (id: string): ChatError => invalidParameter(phrase('botIdTaken', { bot: id }));

export interface BotFailureRow {
  at: number;
  room_id: string;
  event_id: number;
  reason: string;
}

export const toBotFailure = (r: BotFailureRow): BotFailure => ({
  at: r.at,
  roomId: r.room_id,
  eventId: r.event_id,
  reason: r.reason,
});

export interface BotCursorRow {
  bot_id: string;
  room_id: string;
  cursor: number;
}

export const toBotCursor = (r: BotCursorRow): BotCursor => ({
  botId: r.bot_id,
  roomId: r.room_id,
  cursor: r.cursor,
});
