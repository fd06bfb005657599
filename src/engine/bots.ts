import { ChatError, forbidden, invalidParameter, notFound, rateLimited } from '../core/chat-error.js';
import { phrase, type ErrorKey } from '../core/error-text.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Bot, BotFailure, Message, Room } from '../core/model.js';
import type { LimitCounters, Store, Webhooks } from '../core/ports.js';
import { botText, checkNickname } from '../core/text.js';
import type { Clock } from '../core/time.js';
import { checkIcon, checkId } from '../core/validation.js';
import { newBotSecret, verifierMatches } from './bot-credentials.js';
import type { EventWriter } from './event-log.js';
import { Limiter } from './limiter.js';

const MINUTE = 60_000;
/** Lines a bot may say per room and minute, by reply or push together (spec 10.20): what ends bot loops. */
const BOT_LINES_PER_MINUTE = 60;
const MAX_SECRET_CHARS = 200;

/** Who acts on bots: a signed-in user, or the operator at the command line, who may do anything. */
export type BotActor = { userId: number } | 'operator';

/** What a bot's owner (or the operator) may change. */
export interface BotChanges {
  name?: string;
  /** '' or null: no callback, the bot is offline. */
  callbackUrl?: string | null;
  enabled?: boolean;
}

/** A bot as its page shows it: its rooms that the viewer may see, and for its owner its recent failures. */
export interface BotView {
  bot: Bot;
  online: boolean;
  /** Who registered it; null when the operator did (or its owner's account is gone). */
  owner: { username: string; name: string } | null;
  rooms: Room[];
  /** Null unless the viewer owns the bot (or is the operator). */
  failures: BotFailure[] | null;
  mayEdit: boolean;
}

export const isBotOnline = (bot: Bot): boolean => bot.enabled && bot.callbackUrl !== null;

/** The line a bot says, as every API and page shows bot lines (spec 4.5: `bot-<id>` as its session). */
export function botMessage(bot: Bot, roomId: string, text: string, at: number): Omit<Message, 'id'> {
  return {
    roomId,
    type: 'bot',
    speakerId: bot.id,
    publicSessionId: `bot-${bot.id}`,
    nickname: bot.name,
    text,
    localId: null,
    createdAt: at,
  };
}

/** Bots (spec 6): registering and editing them, putting them in rooms, and their lines. */
export class Bots {
  private readonly lines: Limiter;

  constructor(
    private readonly store: Store,
    private readonly webhooks: Webhooks,
    private readonly events: EventWriter,
    private readonly clock: Clock,
    sharedLimits?: LimitCounters,
  ) {
    this.lines = new Limiter('bot-lines', BOT_LINES_PER_MINUTE, MINUTE, sharedLimits);
  }

  /** Registers a bot; without a secret it makes one. The secret is shown once here and on its owner's page. */
  async register(
    actor: BotActor,
    input: { id: string; name: string; callbackUrl?: string | null; secret?: string; icon?: Buffer },
  ): Promise<Bot> {
    const id = checkId('bot id', input.id);
    const name = checkBotName(input.name);
    const callbackUrl = await this.callback(input.callbackUrl);
    const secret = input.secret === undefined ? newBotSecret() : checkSecret(input.secret);
    const icon = input.icon === undefined ? undefined : checkIcon(input.icon);
    if (await this.store.bots.byId(id)) throw invalidParameter(phrase('botExists', { bot: id }));
    const now = this.clock.now();
    const bot = await this.store.bots.create({
      id,
      name,
      ownerId: actor === 'operator' ? null : actor.userId,
      secret,
      callbackUrl,
      enabled: true,
      createdAt: now,
    });
    if (icon) await this.store.bots.setIcon(id, icon, now);
    return bot;
  }

  async byId(id: string): Promise<Bot | undefined> {
    return this.store.bots.byId(id);
  }

  /** The bots a user registered, by id. */
  ownedBy(userId: number): Promise<Bot[]> {
    return this.store.bots.list(userId);
  }

  /** The room's bots, in the order they were added (roster.bots, spec 4.4). */
  inRoom(roomId: string): Promise<Bot[]> {
    return this.store.bots.inRoom(roomId);
  }

  async view(id: string, viewer: BotActor | undefined): Promise<BotView> {
    const bot = await this.found(id);
    const mayEdit = viewer !== undefined && owns(viewer, bot);
    const rooms: Room[] = [];
    for (const roomId of await this.store.bots.roomsOf(bot.id)) {
      const room = await this.store.rooms.byId(roomId);
      if (room && (room.isPublic || (await this.mayRead(viewer, room)))) rooms.push(room);
    }
    const failures = mayEdit ? await this.store.bots.failures(bot.id) : null;
    const user = bot.ownerId === null ? undefined : await this.store.users.byId(bot.ownerId);
    const owner = user ? { username: user.username, name: user.name } : null;
    return { bot, online: isBotOnline(bot), owner, rooms, failures, mayEdit };
  }

  async edit(actor: BotActor, id: string, changes: BotChanges): Promise<Bot> {
    const bot = await this.editable(actor, id);
    const next: Bot = {
      ...bot,
      name: changes.name === undefined ? bot.name : checkBotName(changes.name),
      callbackUrl:
        changes.callbackUrl === undefined ? bot.callbackUrl : await this.callback(changes.callbackUrl),
      enabled: changes.enabled ?? bot.enabled,
    };
    await this.store.bots.update(next);
    return next;
  }

  /** Gives the bot a new secret: its old verifier stops working at once. */
  async regenerateSecret(actor: BotActor, id: string): Promise<Bot> {
    const bot = { ...(await this.editable(actor, id)), secret: newBotSecret() };
    await this.store.bots.update(bot);
    return bot;
  }

  async setIcon(actor: BotActor, id: string, bytes: Buffer): Promise<void> {
    const bot = await this.editable(actor, id);
    await this.store.bots.setIcon(bot.id, checkIcon(bytes), this.clock.now());
  }

  icon(id: string): Promise<{ type: string; bytes: Buffer } | undefined> {
    return this.store.bots.icon(id);
  }

  /** Deletes the bot: it leaves its rooms; its lines stay, under its name. */
  async remove(actor: BotActor, id: string): Promise<void> {
    const bot = await this.editable(actor, id);
    await this.store.bots.delete(bot.id);
  }

  /**
   * Puts a bot in a room; only the room's owner may (spec 6.1). It hears the lines said from now on, not
   * the backlog. False when it was there already.
   */
  async addToRoom(actor: BotActor, roomId: string, botId: string): Promise<boolean> {
    const room = await this.ownedRoom(actor, roomId);
    const bot = await this.found(botId);
    return this.store.bots.addToRoom(room.id, bot.id, await this.store.events.current(), this.clock.now());
  }

  /** Takes a bot out of a room: its owner or the room's owner may. False when it was not there. */
  async removeFromRoom(actor: BotActor, roomId: string, botId: string): Promise<boolean> {
    const bot = await this.found(botId);
    const room = await this.store.rooms.byId(roomId);
    if (!room) throw notFound(phrase('noRoom', { room: roomId }));
    if (!owns(actor, bot) && !ownsRoom(actor, room))
      throw forbidden(phrase('botRemoveOwnerOnly', { room: room.id, bot: bot.id }));
    return this.store.bots.removeFromRoom(room.id, bot.id);
  }

  /**
   * room/say as a bot (spec 6.4): no session, the bot's verifier instead. An unknown bot and a wrong
   * verifier get the same answer, so the call tells nobody which bots exist.
   */
  async push(input: { room: string; bot: string; verifier: string; text: string }): Promise<Message> {
    const bot = await this.store.bots.byId(input.bot);
    const secret = bot?.secret ?? 'no such bot: compared all the same, so the time tells nothing';
    const matches = verifierMatches(input.bot, secret, input.verifier);
    if (!bot || !matches)
      throw new ChatError(ErrorCode.invalidBotVerifier, 'Unknown bot, or a wrong bot_verifier.');
    if (!bot.enabled) throw forbidden(`Bot ${bot.id} is switched off by its owner.`);
    const text = botText(input.text);
    if (text === undefined) throw invalidParameter('text is empty.');
    const room = await this.store.rooms.byId(input.room);
    if (!room) throw notFound(`No room "${input.room}".`);
    if (!(await this.store.bots.inRoom(room.id)).some((b) => b.id === bot.id))
      throw forbidden(`Bot ${bot.id} is not in "${room.id}": its owner adds it there first.`);
    const said = await this.say(bot, room.id, text);
    if (!said) throw rateLimited(`Bot ${bot.id} said too much in "${room.id}"; wait a minute.`);
    return said;
  }

  /**
   * Says a bot's line in a room, within its limit of lines per minute there; undefined when over it
   * (replies over the limit are dropped: two bots answering each other stop there).
   */
  async say(bot: Bot, roomId: string, text: string): Promise<Message | undefined> {
    const now = this.clock.now();
    if (!(await this.lines.hit(`${bot.id}\n${roomId}`, now))) return undefined;
    const { message, event } = await this.store.messages.append(botMessage(bot, roomId, text, now));
    this.events.published([event]);
    return message;
  }

  sweep(now: number): void {
    this.lines.sweep(now);
  }

  private async callback(url: string | null | undefined): Promise<string | null> {
    const trimmed = url?.trim() ?? '';
    if (trimmed === '') return null;
    await this.webhooks.check(trimmed);
    return trimmed;
  }

  private async found(id: string): Promise<Bot> {
    const bot = await this.store.bots.byId(id);
    if (!bot) throw notFound(phrase('noBot', { bot: id }));
    return bot;
  }

  private async editable(actor: BotActor, id: string): Promise<Bot> {
    const bot = await this.found(id);
    if (!owns(actor, bot)) throw forbidden(phrase('botOwnerOnly', { bot: bot.id }));
    return bot;
  }

  private async ownedRoom(actor: BotActor, roomId: string): Promise<Room> {
    const room = await this.store.rooms.byId(roomId);
    if (!room) throw notFound(phrase('noRoom', { room: roomId }));
    if (!ownsRoom(actor, room)) throw forbidden(phrase('botRoomOwnerOnly', { room: room.id }));
    return room;
  }

  private async mayRead(viewer: BotActor | undefined, room: Room): Promise<boolean> {
    if (viewer === undefined) return false;
    if (viewer === 'operator') return true;
    return (await this.store.rooms.membership(room.id, viewer.userId)) !== undefined;
  }
}

const owns = (actor: BotActor, bot: Bot): boolean =>
  actor === 'operator' || (bot.ownerId !== null && bot.ownerId === actor.userId);

const ownsRoom = (actor: BotActor, room: Room): boolean =>
  actor === 'operator' || (room.ownerId !== null && room.ownerId === actor.userId);

/** A nickname's refusals, said of a bot's name. */
const BOT_NAME_PHRASES: Partial<Record<ErrorKey, ErrorKey>> = {
  nicknameEmpty: 'botNameEmpty',
  nicknameTooLong: 'botNameTooLong',
  nicknameControl: 'botNameControl',
};

/** A bot's display name follows the rules of nicknames (it is the nickname on its lines), said as a name. */
function checkBotName(name: string): string {
  try {
    return checkNickname(name);
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    const said = err.phrase && BOT_NAME_PHRASES[err.phrase.key];
    throw said ? invalidParameter(phrase(said, err.phrase?.values)) : err;
  }
}

function checkSecret(secret: string): string {
  if (secret.length < 8 || secret.length > MAX_SECRET_CHARS || /\s/.test(secret))
    throw invalidParameter(`The secret must be 8 to ${MAX_SECRET_CHARS} characters without spaces.`);
  return secret;
}
