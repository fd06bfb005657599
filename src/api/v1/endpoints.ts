import { invalidParameter, invalidSession, notFound } from '../../core/chat-error.js';
import type { Chat } from '../../engine/chat.js';
import type { OccupantView, RoomLines, RoomObserveSink } from '../../engine/occupancy.js';
import type { Profile, ProfileSink } from '../../engine/v1-profiles.js';
import type { V1Caller } from '../../engine/v1-sessions.js';
import type { ApiExchange } from '../../http/api-exchange.js';
import {
  HELD,
  type ApiCall,
  type ApiGeneration,
  type ApiMethod,
  type ApiReply,
} from '../../http/api-dispatch.js';
import type { Params } from '../../http/params.js';
import { apiKey, clientType, count, counter, flag, keywords, roomId, tags } from './params.js';
import { V1Shapes } from './render.js';
import { ianaZone } from './timezones.js';
import { checkFormat, failure, formatOf, sendV1, v1CodeOf, type Format } from './wire.js';
import type { V1Object } from './xml.js';

const ok: V1Object = { status: 'ok' };
/** Lines a search of the archives returns. */
const SEARCH_LINES = 50;

/** Where a held observe's answer goes: the exchange, in the format the call asked for. */
class HeldAnswer<T> {
  constructor(
    private readonly exchange: ApiExchange,
    private readonly format: Format,
    private readonly callback: string | undefined,
    private readonly closing: () => boolean,
    private readonly render: (update: T) => V1Object,
  ) {}

  /** Nothing happened: status only (spec 7.6). */
  answer(update: T | undefined): void {
    const reply = update === undefined ? ok : this.render(update);
    sendV1(this.exchange, reply, this.format, { callback: this.callback, close: this.closing() });
  }
}

/**
 * API 1.0 (spec section 7): its methods by path under /api/ (`room.getMessages` is `room/get_messages`),
 * answering XML by default and JSON with `format=json`, always with HTTP 200. Each method only translates
 * between the wire and the engine's use cases; errors take their numeric codes here (wire.ts).
 */
export function apiV1(chat: Chat, publicUrl: string, closing: () => boolean): ApiGeneration {
  const { v1Sessions: sessions, occupancy, v1Profiles: profiles, v1Rooms: rooms, queries } = chat;
  const shapes = new V1Shapes(publicUrl);
  const caller = (p: Params, counted: 'call' | 'say' | 'none' = 'call'): Promise<V1Caller> =>
    sessions.resolve(p.str('session'), counted);
  // The observes answered together share one roster (Occupancy reads it once a turn): shaped once too.
  const shapedRosters = new WeakMap<readonly OccupantView[], V1Object[]>();
  const roster = (occupants: readonly OccupantView[]): V1Object[] => {
    let shaped = shapedRosters.get(occupants);
    if (!shaped) shapedRosters.set(occupants, (shaped = occupants.map((o) => shapes.occupant(o))));
    return shaped;
  };
  const roomReply = (update: RoomLines): V1Object => ({
    status: 'ok',
    counter: update.counter,
    messages: shapes.lines(update.lines, update.room),
    occupants: update.occupants && roster(update.occupants),
  });
  const profileReply = (profile: Profile): V1Object => ({ status: 'ok', ...shapes.profile(profile) });
  const held = <T>(call: ApiCall, p: Params, render: (update: T) => V1Object) =>
    new HeldAnswer<T>(call.exchange, checkFormat(p), call.callback, closing, render);
  const roomList = async (found: Promise<Parameters<typeof occupancy.summaries>[0]>) => ({
    status: 'ok',
    rooms: (await occupancy.summaries(await found)).map((s) => shapes.room(s)),
  });
  /** Settings of room.create and room.changeSettings; an empty password clears it (spec 7.2). */
  const settings = (p: Params, exchange: ApiExchange) => {
    const timezone = p.str('timezone');
    const image = exchange.upload('image');
    return {
      name: p.str('name'),
      blurb: p.str('description'),
      password: p.raw('password'),
      listed: flag(p, 'listed_in_directory'),
      tags: tags(p),
      timezone: timezone === undefined ? undefined : ianaZone(timezone),
      icon: image?.bytes,
    };
  };

  const methods: Array<[string, ApiMethod]> = [
    [
      'session/create',
      async (p, { exchange }) => ({
        status: 'ok',
        session: await sessions.create(apiKey(p), clientType(p), exchange.address()),
      }),
    ],
    [
      'session/verify',
      async (p) => {
        await caller(p);
        return ok;
      },
    ],
    [
      'session/destroy',
      async (p) => {
        if (!p.has('session')) throw invalidSession();
        await sessions.destroy(p.str('session'));
        return ok;
      },
    ],
    [
      'auth/login',
      async (p, { exchange }) => {
        const c = await caller(p);
        await sessions.login(c, p.required('email'), p.required('password'), exchange.address());
        return ok;
      },
    ],
    [
      'auth/logout',
      async (p) => {
        await sessions.logout(await caller(p));
        return ok;
      },
    ],
    ['user/get_info', async (p) => profileReply(await profiles.info(await caller(p)))],
    ['user/start_observing', async (p) => ({ status: 'ok', ...profiles.start(await caller(p)) })],
    [
      'user/observe',
      async (p, call) => {
        const c = await caller(p, 'none');
        const sink: ProfileSink = held(call, p, profileReply);
        call.exchange.onAbort(await profiles.observe(c, p.required('ticket'), counter(p), sink));
        return HELD;
      },
    ],
    [
      'user/stop_observing',
      async (p) => {
        profiles.stop(await caller(p), p.required('ticket'));
        return ok;
      },
    ],
    [
      'explore/get_hot_rooms',
      async (p, { exchange }) => {
        apiKey(p);
        await sessions.countAnonymous(exchange.address());
        return roomList(queries.hotRooms(count(p, 10, 100)));
      },
    ],
    [
      'explore/get_new_rooms',
      async (p, { exchange }) => {
        apiKey(p);
        await sessions.countAnonymous(exchange.address());
        return roomList(queries.newRooms(count(p, 10, 100)));
      },
    ],
    [
      'explore/get_hot_tags',
      async (p, { exchange }) => {
        apiKey(p);
        await sessions.countAnonymous(exchange.address());
        const found = await queries.tagCounts(count(p, 10, 100));
        return { status: 'ok', tags: found.map((t) => shapes.tag(t.tag)) };
      },
    ],
    [
      'explore/get_all_tags',
      async (p, { exchange }) => {
        apiKey(p);
        await sessions.countAnonymous(exchange.address());
        const found = await queries.tagCounts(count(p, 100, 1000));
        const names = found.map((t) => t.tag).sort((a, b) => a.localeCompare(b));
        return { status: 'ok', tags: names.map((t) => shapes.tag(t)) };
      },
    ],
    [
      'explore/search',
      async (p, { exchange }) => {
        apiKey(p);
        await sessions.countAnonymous(exchange.address());
        return roomList(queries.roomsMatching(keywords(p), count(p, 50, 100)));
      },
    ],
    [
      'explore/search_tags',
      async (p, { exchange }) => {
        apiKey(p);
        await sessions.countAnonymous(exchange.address());
        return roomList(queries.roomsTaggedAll(keywords(p), count(p, 50, 100)));
      },
    ],
    [
      'explore/search_archives',
      async (p, { exchange }) => {
        apiKey(p);
        const c = p.has('session') ? await caller(p) : undefined;
        if (!c) await sessions.countAnonymous(exchange.address());
        const query = keywords(p).join(' ');
        const userId = c?.user?.id;
        const room = p.has('id') ? roomId(p) : undefined;
        const lines =
          room === undefined
            ? (await queries.searchEverywhere(query, userId, 1, SEARCH_LINES)).lines
            : await queries.searchRoom(room, query, userId, SEARCH_LINES);
        if (!lines) throw notFound(`No room "${room}".`);
        // A line found in the archive is named by its archive id (the #message-ID of its day page).
        return {
          status: 'ok',
          messages: lines.map(({ message, room }) =>
            shapes.message(message, message.id, shapes.time(message.createdAt, room)),
          ),
        };
      },
    ],
    [
      'room/get_info',
      async (p, { exchange }) => {
        apiKey(p);
        const c = p.has('session') ? await caller(p) : undefined;
        if (!c) await sessions.countAnonymous(exchange.address());
        const { state, lines } = await occupancy.info(roomId(p), {
          counter: p.int('counter'),
          userOnly: p.bool('user_messages_only'),
          password: p.str('password'),
          caller: c,
        });
        return {
          status: 'ok',
          room: shapes.room(state),
          messages: shapes.lines(lines, state.room),
          occupants: state.occupants.map((o) => shapes.occupant(o)),
        };
      },
    ],
    [
      'room/create',
      async (p, { exchange }) => {
        const c = await caller(p);
        const input = settings(p, exchange);
        const name = p.required('name');
        const id = p.has('id') ? roomId(p) : undefined;
        return { status: 'ok', room: shapes.room(await rooms.create(c, { ...input, name, id })) };
      },
    ],
    [
      'room/change_settings',
      async (p, { exchange }) => {
        const c = await caller(p);
        const newId = p.has('new_id') ? roomId(p, 'new_id') : undefined;
        const summary = await rooms.change(c, roomId(p), { ...settings(p, exchange), newId });
        return { status: 'ok', room: shapes.room(summary) };
      },
    ],
    [
      'room/delete',
      async (p) => {
        await rooms.remove(await caller(p), roomId(p));
        return ok;
      },
    ],
    [
      'room/enter',
      async (p) => {
        const c = await caller(p);
        const entered = await occupancy.enter(c, roomId(p), {
          password: p.str('password'),
          nickname: p.str('nickname'),
          idempotent: p.bool('idempotent'),
        });
        return {
          status: 'ok',
          occupant_id: entered.occupant.id,
          ticket: entered.ticket,
          // The real hold, in seconds (spec 7.6, checklist 26).
          max_observe_time: occupancy.observeHoldMs / 1000,
          room: shapes.room(entered.state),
          occupants: entered.state.occupants.map((o) => shapes.occupant(o)),
        };
      },
    ],
    [
      'room/get_messages',
      async (p) => {
        const c = await caller(p);
        const read = await occupancy.messages(
          c,
          p.required('ticket'),
          counter(p),
          p.bool('user_messages_only'),
        );
        return { status: 'ok', counter: read.counter, messages: shapes.lines(read.lines, read.room) };
      },
    ],
    [
      'room/observe',
      async (p, call) => {
        // Observes are not counted against the session's limit (spec 10.20).
        const c = await caller(p, 'none');
        const sink: RoomObserveSink = held(call, p, roomReply);
        call.exchange.onAbort(await occupancy.observe(c, p.required('ticket'), counter(p), sink));
        return HELD;
      },
    ],
    [
      'room/set_nickname',
      async (p) => {
        await occupancy.setNickname(await caller(p), p.required('ticket'), p.required('nickname'));
        return ok;
      },
    ],
    [
      'room/say',
      async (p) => {
        // Says have their own limit (spec 10.20).
        const c = await caller(p, 'say');
        const message = p.raw('message');
        if (message === undefined || message === '') throw invalidParameter('message is required.');
        const { room, event } = await occupancy.say(c, p.required('ticket'), message, p.str('occupant_id'));
        return { status: 'ok', message: shapes.line(event, room), counter: event.id };
      },
    ],
    [
      'room/exit',
      async (p) => {
        await occupancy.exit(await caller(p), p.required('ticket'));
        return ok;
      },
    ],
  ];

  return {
    name: 'v1',
    // Every method speaks XML or JSON: an unsupported format is refused before anything else (104).
    methods: new Map(
      methods.map(([path, method]): [string, ApiMethod] => [
        path,
        (p, call) => {
          checkFormat(p);
          return method(p, call);
        },
      ]),
    ),
    ok: (exchange, reply: ApiReply, callback, close, params) => {
      const format = formatOf(params);
      if ('raw' in reply) throw new Error('API 1.0 replies are objects, never raw bodies');
      sendV1(exchange, reply as V1Object, format === 'unsupported' ? 'xml' : format, { callback, close });
    },
    error: (exchange, e, callback, close, params) => {
      const format = formatOf(params);
      sendV1(exchange, failure(v1CodeOf(e), e.detail), format === 'unsupported' ? 'xml' : format, {
        callback,
        close,
        status: e.status,
        extra: e.extra,
      });
    },
  };
}
