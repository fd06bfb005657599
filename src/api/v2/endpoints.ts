import type { ApiSession } from '../../protocol/api2.js';
import { invalidParameter } from '../../core/chat-error.js';
import { ID_PATTERN } from '../../core/ids.js';
import type { ChatService } from '../../engine/chat-service.js';
import type { LiveSession } from '../../engine/live-session.js';
import type { Cancellable, ObserveSink } from '../../engine/observation.js';
import type { ChatEvent } from '../../core/model.js';
import type { Params } from '../params.js';
import { observeReply } from './wire.js';

/** What a handler hands back: an object to serialize, or a body already serialized. */
export type Reply = object | { readonly raw: Buffer | string };

/** Returned by a handler that will answer later through `V2Context.hold`. */
export const HELD = Symbol('held');

export interface V2Context {
  chat: ChatService;
  /** The client's address (read on demand: looking it up costs memory per connection). */
  address(): string;
  /**
   * Takes over the answer: returns a function that sends the body later, and registers `cancel` for a
   * client that goes away first. Nothing else of the request is kept while it is held.
   */
  hold(): HeldReply;
}

export interface HeldReply {
  send(body: Buffer | string): void;
  onAbort(work: Cancellable): void;
}

/** Turns engine events into the observe reply of the held request. */
class ObserveReply implements ObserveSink {
  constructor(private readonly reply: HeldReply) {}

  answer(events: readonly ChatEvent[], counter: number): void {
    this.reply.send(observeReply(events, counter));
  }
}

export type V2Handler = (p: Params, ctx: V2Context) => Promise<Reply | typeof HELD>;

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

/** API 2.0 endpoints by path under /api/ (spec section 3). */
export const v2Endpoints: ReadonlyMap<string, V2Handler> = new Map<string, V2Handler>([
  [
    'session/create',
    async (p, { chat, address }) => {
      // A missing credential is a credential error (spec 3.1), not a parameter error.
      const { session, secret } = await chat.login(
        p.str('user') ?? '',
        p.str('password') ?? '',
        p.appKey() ?? null,
        address(),
      );
      return sessionReply(session, secret);
    },
  ],
  [
    'session/verify',
    async (p, { chat }) => {
      const secret = p.str('session');
      return sessionReply(await chat.session(secret), secret ?? '');
    },
  ],
  [
    'session/destroy',
    async (p, { chat }) => {
      await chat.destroy(p.str('session'));
      return ok;
    },
  ],
  [
    'session/set_presence',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      await chat.setPresence(s, p.required('presence'), p.str('nickname'));
      return ok;
    },
  ],
  [
    'user/get_rooms',
    async (p, { chat }) => ({
      status: 'ok',
      rooms: await chat.roomsOf(await chat.session(p.str('session'))),
    }),
  ],
  [
    'room/show',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      return { status: 'ok', rooms: await chat.showRooms(s, roomList(p)) };
    },
  ],
  [
    'room/get_archives',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      const room = roomList(p)[0] as string;
      const limit = Math.min(MAX_ARCHIVE, Math.max(1, p.int('limit') ?? DEFAULT_ARCHIVE));
      return { status: 'ok', messages: await chat.archives(s, room, limit, p.int('before')) };
    },
  ],
  [
    'room/subscribe',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      return { status: 'ok', counter: await chat.subscribe(s, roomList(p), p.bool('reset')) };
    },
  ],
  [
    'room/unsubscribe',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      return { status: 'ok', counter: await chat.unsubscribe(s, roomList(p)) };
    },
  ],
  [
    'room/say',
    async (p, { chat }) => {
      // Says have their own limit (spec 10.20: 60 says + 600 other calls a minute).
      const s = await chat.session(p.str('session'), false);
      const localId = p.str('local_id');
      if (localId !== undefined && localId.length > 100)
        throw invalidParameter('local_id is longer than 100 characters.');
      const message = await chat.say(s, {
        room: roomList(p)[0] as string,
        text: p.required('text'),
        nickname: p.str('nickname'),
        localId,
      });
      return { status: 'ok', message };
    },
  ],
  [
    'event/observe',
    async (p, { chat, hold }) => {
      const s = await chat.session(p.str('session'), false);
      const counter = p.int('counter', 0);
      if (counter === undefined) throw invalidParameter('counter is required.');
      const reply = hold();
      reply.onAbort(await chat.observe(s, counter, new ObserveReply(reply)));
      return HELD;
    },
  ],
  [
    'favorite/add',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      return { status: 'ok', message: await chat.favorite(s, messageId(p), true) };
    },
  ],
  [
    'favorite/remove',
    async (p, { chat }) => {
      const s = await chat.session(p.str('session'));
      return { status: 'ok', message: await chat.favorite(s, messageId(p), false) };
    },
  ],
]);

function messageId(p: Params): number {
  const id = p.int('message', 1);
  if (id === undefined) throw invalidParameter('message is required.');
  return id;
}
