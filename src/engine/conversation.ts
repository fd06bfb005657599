import { forbidden, notFound } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { Bot, MemberView, Message, NewMessage, Room } from '../core/model.js';
import type { Store } from '../core/ports.js';
import { checkMessageText, checkNickname } from '../core/text.js';
import type { Clock } from '../core/time.js';
import type { CallLimits } from './call-limits.js';
import type { EventWriter } from './event-log.js';
import { guestNickname } from './guest-names.js';
import type { LiveSession } from './live-session.js';
import type { PresenceView } from './memberships.js';
import { isBotOnline } from './bots.js';
import type { Rooms } from './rooms.js';

/** Room backlog in room/show (spec 3.6). */
const BACKLOG = 30;

/** A line, with the viewer's favourite id when they starred it. */
export interface FavoredMessage {
  message: Message;
  favoriteId?: number;
}

/** A room as a member or visitor sees it: recent lines, the roster (online first), their favourites. */
export interface RoomView {
  room: Room;
  messages: FavoredMessage[];
  members: Array<{ member: MemberView; online: boolean }>;
  bots: Array<{ bot: Bot; online: boolean }>;
  favoriteMessageIds: number[];
}

/** The conversation: saying lines, reading a room's backlog and archives, starring lines. */
export class Conversation {
  constructor(
    private readonly store: Store,
    private readonly rooms: Rooms,
    private readonly events: EventWriter,
    private readonly presence: PresenceView,
    private readonly limits: CallLimits,
    private readonly clock: Clock,
  ) {}

  async say(
    s: LiveSession,
    input: { room: string; text: string; nickname?: string; localId?: string },
  ): Promise<Message> {
    const now = this.clock.now();
    await this.limits.say(s, now);
    const text = checkMessageText(input.text);
    const nickname =
      input.nickname === undefined
        ? s.nickname
        : s.guest
          ? await guestNickname(this.store, input.nickname)
          : checkNickname(input.nickname);
    const line: NewMessage = {
      roomId: input.room,
      type: 'user',
      speakerId: s.username,
      publicSessionId: s.publicId,
      nickname,
      text,
      localId: input.localId ?? null,
      createdAt: now,
    };
    // Stored only while the speaker is a member: one trip to the store, and a read only to explain a refusal.
    let said = await this.store.messages.appendAsMember(line, s.userId);
    if (!said) {
      const { room, membership } = await this.rooms.visible(s, input.room);
      // Joined since the refusal: the line goes in now.
      if (membership) said = await this.store.messages.appendAsMember(line, s.userId);
      if (!said) throw forbidden(phrase('membersOnly', { room: room.id }));
    }
    this.events.published([said.event], said.roomHasBots ? undefined : { roomsWithoutBots: [input.room] });
    return said.message;
  }

  async showRooms(s: LiveSession, ids: readonly string[]): Promise<RoomView[]> {
    const found = [];
    for (const id of ids) found.push(await this.rooms.visible(s, id));
    return Promise.all(found.map(({ room }) => this.describe(s, room)));
  }

  private async describe(s: LiveSession, room: Room): Promise<RoomView> {
    const messages = await this.withFavorites(s, await this.store.messages.latest(room.id, BACKLOG));
    const members = (await this.store.rooms.members(room.id))
      .map((member) => ({ member, online: this.presence.isUserOnline(member.userId) }))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.member.name.localeCompare(b.member.name));
    const favoriteMessageIds = await this.store.favorites.inRoom(s.userId, room.id);
    const bots = (await this.store.bots.inRoom(room.id)).map((bot) => ({ bot, online: isBotOnline(bot) }));
    return { room, messages, members, bots, favoriteMessageIds };
  }

  /** The newest `limit` lines before `before` (or the newest), oldest first. */
  async archives(s: LiveSession, roomId: string, limit: number, before?: number): Promise<FavoredMessage[]> {
    await this.rooms.visible(s, roomId);
    return this.withFavorites(s, await this.store.messages.latest(roomId, limit, before));
  }

  private async withFavorites(s: LiveSession, messages: Message[]): Promise<FavoredMessage[]> {
    const favorites = await this.store.favorites.of(
      s.userId,
      messages.map((m) => m.id),
    );
    return messages.map((message) => {
      const favoriteId = favorites.get(message.id);
      return favoriteId === undefined ? { message } : { message, favoriteId };
    });
  }

  /** The user has read the room through `messageId` (their unread count there drops to what came after). */
  async markRead(s: LiveSession, roomId: string, messageId: number): Promise<void> {
    await this.store.rooms.markRead(roomId, s.userId, messageId);
  }

  /** Stars (or unstars) a line of a room the user may see. */
  async favorite(s: LiveSession, messageId: number, on: boolean): Promise<FavoredMessage> {
    const message = await this.store.messages.byId(messageId);
    if (!message) throw notFound(phrase('noMessage', { message: messageId }));
    await this.rooms.visible(s, message.roomId).catch(() => {
      throw notFound(phrase('noMessage', { message: messageId }));
    });
    if (!on) {
      await this.store.favorites.remove(s.userId, messageId);
      return { message };
    }
    return { message, favoriteId: await this.store.favorites.add(s.userId, messageId, this.clock.now()) };
  }
}
