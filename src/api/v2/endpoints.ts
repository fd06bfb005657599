import type { ApiSession } from '../../protocol/api2.js';
import { invalidParameter } from '../../core/chat-error.js';
import { ID_PATTERN } from '../../core/ids.js';
import type { Chat } from '../../engine/chat.js';
import type { LiveSession } from '../../engine/live-session.js';
import type { ApiExchange } from '../../http/api-exchange.js';
import { HELD, type ApiGeneration, type ApiMethod, type ApiReply } from '../../http/api-dispatch.js';
import type { Params } from '../../http/params.js';
import { errorBody } from '../../http/respond.js';
import type { V2Codec } from './codec.js';

/** Long poll, as the transport that holds `event/observe` offers it. */
export interface LongPoll {
  /** Holds the call until events after `counter` come or the hold ends, then answers an observe reply. */
  hold(
    exchange: ApiExchange,
    session: LiveSession,
    counter: number,
    callback: string | undefined,
  ): Promise<void>;
}

const ok = { status: 'ok' } as const;
const MAX_ARCHIVE = 100;
const DEFAULT_ARCHIVE = 30;

/** `secret` is the session id the client holds: the server keeps only its key. */
function sessionReply(s: LiveSession, secret: string): ApiSession {
  return {
    status: 'ok',
    session: secret,
    public_id: s.publicId,
    nickname: s.nickname,
    presence: s.online ? 'online' : 'offline',
    user: { username: s.username, name: s.userName },
  };
}

function roomList(p: Params): string[] {
  const rooms = p.rooms();
  if (rooms.length === 0) throw invalidParameter('room is required.');
  for (const room of rooms)
    if (!ID_PATTERN.test(room))
      throw invalidParameter('A room id is 1 to 40 letters, digits or underscores.');
  return rooms;
}

function messageId(p: Params): number {
  const id = p.int('message', 1);
  if (id === undefined) throw invalidParameter('message is required.');
  return id;
}

/** API 2.0 (spec section 3): its methods by path under /api/, answering JSON with HTTP 200. */
export function apiV2(chat: Chat, codec: V2Codec, longPoll: LongPoll): ApiGeneration {
  const { accounts, conversation, subscriptions } = chat;
  const shapes = codec.shapes;
  const methods = new Map<string, ApiMethod>([
    [
      'session/create',
      async (p, { exchange }) => {
        // A missing credential is a credential error (spec 3.1), not a parameter error.
        const { session, secret } = await accounts.login(
          p.str('user') ?? '',
          p.str('password') ?? '',
          p.appKey() ?? null,
          exchange.address(),
        );
        return sessionReply(session, secret);
      },
    ],
    [
      'session/verify',
      async (p) => {
        const secret = p.str('session');
        return sessionReply(await accounts.session(secret), secret ?? '');
      },
    ],
    [
      'session/destroy',
      async (p) => {
        await accounts.destroy(p.str('session'));
        return ok;
      },
    ],
    [
      'session/set_presence',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        await accounts.setPresence(s, p.required('presence'), p.str('nickname'));
        return ok;
      },
    ],
    [
      'user/get_rooms',
      async (p) => ({
        status: 'ok',
        rooms: await accounts.roomsOf(await accounts.session(p.str('session'))),
      }),
    ],
    [
      'room/show',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        const views = await conversation.showRooms(s, roomList(p));
        return {
          status: 'ok',
          rooms: views.map((v) => ({
            id: v.room.id,
            name: v.room.name,
            blurb: v.room.blurb,
            is_public: v.room.isPublic,
            public: v.room.isPublic,
            faved_message_ids: v.favoriteMessageIds.map(String),
            messages: v.messages.map((m) => shapes.message(m.message, m.favoriteId)),
            roster: {
              members: v.members.map((m) => shapes.member(m.member, m.online)),
              bots: v.bots.map((b) => shapes.bot(b.bot, b.online)),
            },
          })),
        };
      },
    ],
    [
      'room/get_archives',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        const room = roomList(p)[0] as string;
        const limit = Math.min(MAX_ARCHIVE, Math.max(1, p.int('limit') ?? DEFAULT_ARCHIVE));
        const messages = await conversation.archives(s, room, limit, p.int('before'));
        return { status: 'ok', messages: messages.map((m) => shapes.message(m.message, m.favoriteId)) };
      },
    ],
    [
      'room/subscribe',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        return { status: 'ok', counter: await subscriptions.subscribe(s, roomList(p), p.bool('reset')) };
      },
    ],
    [
      'room/unsubscribe',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        return { status: 'ok', counter: await subscriptions.unsubscribe(s, roomList(p)) };
      },
    ],
    [
      'room/say',
      async (p) => {
        // The bot form (spec 6.4): no session, the bot's verifier instead.
        if (p.has('bot')) {
          const message = await chat.bots.push({
            room: roomList(p)[0] as string,
            bot: p.required('bot'),
            verifier: p.required('bot_verifier'),
            text: p.required('text'),
          });
          return { status: 'ok', message: shapes.message(message) };
        }
        // Says have their own limit (spec 10.20: 60 says + 600 other calls a minute).
        const s = await accounts.session(p.str('session'), false);
        const localId = p.str('local_id');
        if (localId !== undefined && localId.length > 100)
          throw invalidParameter('local_id is longer than 100 characters.');
        const message = await conversation.say(s, {
          room: roomList(p)[0] as string,
          text: p.required('text'),
          nickname: p.str('nickname'),
          localId,
        });
        return { status: 'ok', message: shapes.message(message) };
      },
    ],
    [
      'event/observe',
      async (p, { exchange, callback }) => {
        const s = await accounts.session(p.str('session'), false);
        const counter = p.int('counter', 0);
        if (counter === undefined) throw invalidParameter('counter is required.');
        await longPoll.hold(exchange, s, counter, callback);
        return HELD;
      },
    ],
    [
      'favorite/add',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        const m = await conversation.favorite(s, messageId(p), true);
        return { status: 'ok', message: shapes.message(m.message, m.favoriteId) };
      },
    ],
    [
      'favorite/remove',
      async (p) => {
        const s = await accounts.session(p.str('session'));
        const m = await conversation.favorite(s, messageId(p), false);
        return { status: 'ok', message: shapes.message(m.message, m.favoriteId) };
      },
    ],
  ]);
  return {
    name: 'v2',
    methods,
    ok: (exchange, reply: ApiReply, callback, close) =>
      exchange.send('raw' in reply ? reply.raw : JSON.stringify(reply), { callback, close }),
    error: (exchange, e, callback, close) =>
      exchange.send(errorBody(e.code, e.detail), {
        callback,
        close,
        status: e.status ?? 200,
        extra: e.extra,
      }),
  };
}
