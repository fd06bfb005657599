import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { child, parseXml, textAt, v1, v1code, v1ok, v1Wire, v1xml, type V1 } from './support/v1.js';

const KEY = '0123456789abcdef0123456789abcdef';
const PASSWORD = 'password1';
/** A 1x1 GIF: what an icon upload sends. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

type Json = Record<string, unknown>;
const list = (r: Json, key: string) => r[key] as Json[];

describe('API 1.0 methods (spec 7.2), in XML and JSON', () => {
  let t: TestServer;
  let url: string;
  /** A fresh anonymous session. */
  const session = async (params: Json = {}): Promise<string> =>
    (await v1ok(url, 'session/create', { api_key: KEY, ...(params as Record<string, string>) }))
      .session as string;
  /** A session logged in as the user. */
  const loggedIn = async (email: string): Promise<string> => {
    const s = await session();
    await v1ok(url, 'auth/login', { session: s, email, password: PASSWORD });
    return s;
  };
  const user = (username: string, email = `${username}@example.com`) =>
    t.admin.addUser({
      username,
      password: PASSWORD,
      name: username[0]?.toUpperCase() + username.slice(1),
      email,
    });

  before(async () => {
    t = await startTestServer({ observeHold: '1' });
    url = t.url;
    await user('alice');
    await user('bob');
    await t.admin.addRoom({
      id: 'lobby',
      name: 'Lobby',
      owner: 'alice',
      tags: ['chat', 'general'],
      blurb: 'Hi',
    });
    await t.admin.addRoom({ id: 'secret', name: 'Secret', owner: 'alice', isPublic: false });
  });
  after(() => t.stop());

  describe('sessions', () => {
    it('creates, verifies and destroys sessions in XML (the default) and JSON; dead ones are 102', async () => {
      const xml = await v1xml(url, 'session/create', { api_key: KEY });
      assert.equal(textAt(xml, 'status'), 'ok');
      const s = textAt(xml, 'session');
      assert.match(s, /^[A-Za-z0-9]{11}$/, 'v1 session ids are 11 base62 characters (spec 7.1)');
      assert.equal(textAt(await v1xml(url, 'session/verify', { session: s }), 'status'), 'ok');
      assert.deepEqual(await v1(url, 'session/verify', { session: s }, { verb: 'POST' }), { status: 'ok' });
      assert.deepEqual(await v1(url, 'session/destroy', { session: s }), { status: 'ok' });
      const dead = await v1xml(url, 'session/verify', { session: s });
      assert.equal(textAt(dead, 'status'), 'fail');
      assert.equal(textAt(dead, 'error', 'code'), '102');
      assert.ok(textAt(dead, 'error', 'message').length > 0);
      assert.equal(await v1code(url, 'session/verify', { session: 'abcdefghijk' }), 102);
      // Without a session, session/verify is API 2.0's (spec 2.2); a method only API 1.0 has is 102.
      assert.equal(await v1code(url, 'user/get_info', {}), 102);
      assert.deepEqual(
        await v1(url, 'session/destroy', { session: s }),
        { status: 'ok' },
        'destroying twice is fine',
      );
    });

    it('takes api_key (any value) and client_type; refuses their absence or a wrong type with 199', async () => {
      assert.equal(await v1code(url, 'session/create', {}), 199);
      assert.equal(await v1code(url, 'session/create', { api_key: KEY, client_type: 'robot' }), 199);
      for (const params of <Array<Record<string, string>>>[
        { apiKey: 'x' },
        { app_key: 'y', client_type: 'human' },
        { api_key: 'z', client_type: 'automaton' },
      ])
        assert.match(
          (await v1ok(url, 'session/create', params, { verb: 'POST' })).session as string,
          /^[A-Za-z0-9]{11}$/,
        );
    });
  });

  describe('auth', () => {
    it('logs in by email and password once per session (105 when wrong, 199 when already in) and out', async () => {
      const s = await session();
      assert.equal(
        await v1code(url, 'auth/login', { session: s, email: 'alice@example.com', password: 'wrong-one' }),
        105,
      );
      assert.equal(
        await v1code(url, 'auth/login', { session: s, email: 'nobody@example.com', password: PASSWORD }),
        105,
      );
      assert.equal(await v1code(url, 'auth/login', { session: s, email: 'alice@example.com' }), 199);
      const xml = await v1xml(url, 'auth/login', {
        session: s,
        email: 'ALICE@example.com',
        password: PASSWORD,
      });
      assert.equal(textAt(xml, 'status'), 'ok', 'the email is compared whatever its case');
      assert.equal(
        await v1code(url, 'auth/login', { session: s, email: 'bob@example.com', password: PASSWORD }),
        199,
      );
      assert.equal((await v1ok(url, 'user/get_info', { session: s })).user_id, 'alice');
      await v1ok(url, 'auth/logout', { session: s });
      assert.equal(await v1code(url, 'user/get_info', { session: s }), 199, 'anonymous again');
      await v1ok(url, 'auth/login', { session: s, email: 'bob@example.com', password: PASSWORD });
      assert.equal((await v1ok(url, 'user/get_info', { session: s })).user_id, 'bob');
    });
  });

  describe('user', () => {
    it('shows the logged-in user: email to themselves, rooms owned, joined and occupied', async () => {
      const s = await loggedIn('alice@example.com');
      await v1ok(url, 'room/enter', { session: s, id: 'lobby', nickname: 'Al' });
      const info = await v1ok(url, 'user/get_info', { session: s });
      assert.equal(info.user_id, 'alice');
      assert.equal(info.email, 'alice@example.com');
      assert.equal(info.default_nickname, 'Alice');
      assert.equal(typeof info.counter, 'number');
      assert.match(info.icon_url as string, /\/images\/user\/alice\/80x80\.gif$/);
      const ids = (key: string) => list(info, key).map((r) => r.id);
      assert.deepEqual(ids('owned_rooms').sort(), ['lobby', 'secret']);
      assert.deepEqual(ids('favorite_rooms').sort(), ['lobby', 'secret']);
      assert.deepEqual(ids('occupied_rooms'), ['lobby']);
      assert.deepEqual(info.monitored_rooms, []);
      const xml = await v1xml(url, 'user/get_info', { session: s });
      const owned = child(xml, 'owned_rooms');
      assert.deepEqual(owned.children.map((r) => [r.name, textAt(r, 'id')]).sort(), [
        ['room', 'lobby'],
        ['room', 'secret'],
      ]);
      assert.equal(child(xml, 'monitored_rooms').children.length, 0, 'an empty list is an empty element');
    });

    it('observes the profile: held until it changes, status only when nothing did, stopped at once', async () => {
      await user('carol');
      const s = await loggedIn('carol@example.com');
      const started = await v1ok(url, 'user/start_observing', { session: s });
      assert.match(started.ticket as string, /^a-u-[A-Za-z0-9]{11}$/);
      const counter = started.counter as number;
      assert.deepEqual(
        await v1(url, 'user/observe', { session: s, ticket: started.ticket as string, counter }),
        {
          status: 'ok',
        },
      );
      const held = v1(url, 'user/observe', { session: s, ticket: started.ticket as string, counter });
      await new Promise((r) => setTimeout(r, 200));
      await t.admin.join('lobby', 'carol');
      const changed = await held;
      assert.equal(changed.status, 'ok');
      assert.ok((changed.counter as number) > counter);
      assert.deepEqual(
        list(changed, 'favorite_rooms').map((r) => r.id),
        ['lobby'],
      );
      const next = changed.counter as number;
      const stopped = v1(url, 'user/observe', {
        session: s,
        ticket: started.ticket as string,
        counter: next,
      });
      await new Promise((r) => setTimeout(r, 100));
      await v1ok(url, 'user/stop_observing', { session: s, ticket: started.ticket as string });
      assert.deepEqual(await stopped, { status: 'ok' });
      assert.equal(
        await v1code(url, 'user/observe', { session: s, ticket: 'a-u-00000000000', counter: next }),
        109,
      );
      assert.equal(await v1code(url, 'user/observe', { session: s, ticket: started.ticket as string }), 114);
      assert.equal(await v1code(url, 'user/start_observing', { session: await session() }), 199);
    });
  });

  describe('explore', () => {
    before(async () => {
      await t.admin.addRoom({ id: 'jazz', name: 'Bay Area Jazz', owner: 'bob', tags: ['music', 'bay_area'] });
      await t.admin.addRoom({
        id: 'hidden',
        name: 'Hidden jazz',
        owner: 'bob',
        isPublic: false,
        tags: ['music'],
      });
      const s = await session();
      const { ticket } = await v1ok(url, 'room/enter', { session: s, id: 'jazz', nickname: 'Fan' });
      await v1ok(url, 'room/say', { session: s, ticket: ticket as string, message: 'zyzzyva swing' });
    });

    it('lists hot and new rooms, hot and all tags, in both formats, never a private room', async () => {
      const hot = await v1ok(url, 'explore/get_hot_rooms', { api_key: KEY, count: 5 });
      assert.equal(list(hot, 'rooms')[0]?.id, 'jazz', 'the busiest first');
      const newest = await v1ok(url, 'explore/get_new_rooms', { api_key: KEY });
      assert.ok(list(newest, 'rooms').some((r) => r.id === 'jazz'));
      for (const r of [...list(hot, 'rooms'), ...list(newest, 'rooms')]) assert.notEqual(r.id, 'hidden');
      const room = list(newest, 'rooms').find((r) => r.id === 'jazz') as Json;
      assert.deepEqual(Object.keys(room).sort(), [
        'counter',
        'description',
        'icon_url',
        'id',
        'max_user_message_id',
        'name',
        'tags',
        'url',
      ]);
      assert.match(room.url as string, /\/room\/jazz$/);
      assert.match(room.icon_url as string, /\/images\/room\/jazz\/16x16\.gif$/);
      assert.deepEqual(
        (room.tags as Json[]).map((tag) => tag.name),
        ['music', 'bay_area'],
      );
      assert.match((room.tags as Json[])[0]?.url as string, /\/tag\/music$/);
      const tags = await v1ok(url, 'explore/get_hot_tags', { api_key: KEY, count: 3 });
      assert.equal(list(tags, 'tags').length, 3);
      const all = await v1ok(url, 'explore/get_all_tags', { api_key: KEY });
      const names = list(all, 'tags').map((x) => x.name);
      assert.deepEqual(names, [...names].sort(), 'all tags by name');
      for (const name of ['bay_area', 'chat', 'general', 'music']) assert.ok(names.includes(name), name);
      const xml = await v1xml(url, 'explore/get_new_rooms', { api_key: KEY });
      assert.ok(child(xml, 'rooms').children.every((r) => r.name === 'room'));
      assert.equal(textAt(child(child(xml, 'rooms'), 'room'), 'tags', 'tag', 'name').length > 0, true);
      assert.equal(await v1code(url, 'explore/get_hot_rooms', {}), 199, 'api_key is required');
    });

    it('searches rooms by keywords and tags, and lines of the archives, public ones only', async () => {
      const found = await v1ok(url, 'explore/search', { api_key: KEY, q: 'jazz,bay' });
      assert.deepEqual(
        list(found, 'rooms').map((r) => r.id),
        ['jazz'],
      );
      assert.deepEqual(
        list(await v1ok(url, 'explore/search', { api_key: KEY, q: 'jazz,nothing' }), 'rooms'),
        [],
      );
      const tagged = await v1ok(url, 'explore/search_tags', { api_key: KEY, q: 'music' });
      assert.deepEqual(
        list(tagged, 'rooms').map((r) => r.id),
        ['jazz'],
      );
      const lines = await v1ok(url, 'explore/search_archives', { api_key: KEY, q: 'zyzzyva' });
      const [line] = list(lines, 'messages');
      assert.equal(line?.text, 'zyzzyva swing');
      assert.equal(line?.nickname, 'Fan');
      assert.match(line?.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
      const inRoom = await v1xml(url, 'explore/search_archives', { api_key: KEY, q: 'zyzzyva', id: 'jazz' });
      assert.equal(textAt(inRoom, 'messages', 'message', 'text'), 'zyzzyva swing');
      assert.equal(await v1code(url, 'explore/search_archives', { api_key: KEY, q: 'x', id: 'hidden' }), 199);
      assert.equal(await v1code(url, 'explore/search', { api_key: KEY }), 199, 'q is required');
    });
  });

  describe('rooms', () => {
    it('enters (a ticket, the real hold, the room, everyone in it), says, reads, renames and exits', async () => {
      const s = await session({ client_type: 'human' });
      const xml = await v1xml(url, 'room/enter', { session: s, id: 'lobby', nickname: 'TheDude' });
      assert.match(textAt(xml, 'ticket'), /^a-r-lobby-[A-Za-z0-9]{11}$/);
      assert.equal(textAt(xml, 'max_observe_time'), '1', 'the hold the server really uses, in seconds');
      assert.equal(textAt(xml, 'room', 'id'), 'lobby');
      assert.ok(child(xml, 'occupants').children.some((o) => textAt(o, 'nickname') === 'TheDude'));
      const ticket = textAt(xml, 'ticket');
      const occupant = textAt(xml, 'occupant_id');
      const start = Number(textAt(xml, 'room', 'counter'));

      const said = await v1ok(
        url,
        'room/say',
        { session: s, ticket, message: 'hello lobby' },
        { verb: 'POST' },
      );
      const message = said.message as Json;
      assert.equal(message.id, said.counter, 'message ids and counters are one sequence (spec 10.21)');
      assert.deepEqual(
        [
          message.type,
          message.occupant_id,
          message.nickname,
          message.source,
          message.client_type,
          message.text,
        ],
        ['user', occupant, 'TheDude', 'api', 'human', 'hello lobby'],
      );
      assert.equal(message.user_id, undefined, 'anonymous');
      assert.match(message.icon_url as string, /\/images\/user\/0\/26x26\.gif$/);
      assert.match(message.timestamp as string, /-0[78]:00$/, 'in the room’s timezone (Pacific by default)');

      await v1ok(url, 'room/set_nickname', { session: s, ticket, nickname: 'Dude' });
      const read = await v1ok(url, 'room/get_messages', { session: s, ticket, counter: start });
      const lines = list(read, 'messages');
      assert.deepEqual(
        lines.map((m) => [m.type, m.nickname, m.new_nickname]),
        [
          ['user', 'TheDude', undefined],
          ['system:nickname_change', 'TheDude', 'Dude'],
        ],
      );
      assert.equal(read.counter, lines[1]?.id);
      const last = await v1ok(url, 'room/get_messages', {
        session: s,
        ticket,
        counter: -1,
        user_messages_only: true,
      });
      assert.deepEqual(
        list(last, 'messages').map((m) => m.text),
        ['hello lobby'],
        'a negative counter: the last N',
      );
      const readXml = await v1xml(url, 'room/get_messages', { session: s, ticket, counter: start });
      assert.deepEqual(
        child(readXml, 'messages').children.map((m) => textAt(m, 'type')),
        ['user', 'system:nickname_change'],
      );

      const info = await v1ok(url, 'room/get_info', { api_key: KEY, id: 'lobby', counter: -10 });
      assert.ok(list(info, 'messages').some((m) => m.type === 'system:enter' && m.nickname === 'TheDude'));
      await v1ok(url, 'room/exit', { session: s, ticket });
      const after = await v1ok(url, 'room/get_info', { api_key: KEY, id: 'lobby', counter: -1 });
      assert.deepEqual(
        list(after, 'messages').map((m) => [m.type, m.occupant_id, m.nickname]),
        [['system:leave', occupant, 'Dude']],
      );
      assert.ok(!list(after, 'occupants').some((o) => o.id === occupant));
      assert.equal(await v1code(url, 'room/say', { session: s, ticket, message: 'ghost' }), 109, 'exited');
    });

    it('refuses tickets of other sessions, malformed ones and a missing counter', async () => {
      const mine = await session();
      const theirs = await session();
      const { ticket } = await v1ok(url, 'room/enter', { session: mine, id: 'lobby', nickname: 'Mine' });
      assert.equal(
        await v1code(url, 'room/get_messages', { session: theirs, ticket: ticket as string, counter: 0 }),
        109,
      );
      assert.equal(
        await v1code(url, 'room/observe', { session: theirs, ticket: ticket as string, counter: 0 }),
        109,
      );
      assert.equal(
        await v1code(url, 'room/say', { session: mine, ticket: 'a-r-lobby-xx', message: 'x' }),
        109,
      );
      assert.equal(await v1code(url, 'room/observe', { session: mine, ticket: ticket as string }), 114);
      assert.equal(await v1code(url, 'room/get_messages', { session: mine, ticket: ticket as string }), 114);
      assert.equal(await v1code(url, 'room/enter', { session: mine, id: 'nowhere' }), 199);
      assert.equal(await v1code(url, 'room/enter', { session: mine }), 199);
      assert.equal(await v1code(url, 'room/enter', { session: 'deadsession', id: 'lobby' }), 102);
    });

    it('re-enters idempotently with the same occupant and ticket, or adds another occupant', async () => {
      const s = await session();
      const first = await v1ok(url, 'room/enter', { session: s, id: 'lobby', nickname: 'Twice' });
      const again = await v1ok(url, 'room/enter', {
        session: s,
        id: 'lobby',
        nickname: 'Twice',
        idempotent: true,
      });
      assert.deepEqual([again.occupant_id, again.ticket], [first.occupant_id, first.ticket]);
      const other = await v1ok(url, 'room/enter', { session: s, id: 'lobby', nickname: 'Twice' });
      assert.notEqual(other.occupant_id, first.occupant_id);
      assert.notEqual(other.ticket, first.ticket);
    });

    it('lets an anonymous observer in silently and listed without a nickname, but not speak', async () => {
      const watcher = await session();
      const { ticket, room } = await v1ok(url, 'room/enter', { session: watcher, id: 'lobby' });
      const counter = (room as Json).counter as number;
      const quiet = await session();
      const observer = await v1ok(url, 'room/enter', { session: quiet, id: 'lobby' });
      const listed = list(observer, 'occupants').find((o) => o.id === observer.occupant_id) as Json;
      assert.equal(listed.nickname, undefined);
      assert.equal(listed.source, 'api');
      assert.equal(
        await v1code(url, 'room/say', { session: quiet, ticket: observer.ticket as string, message: 'hi' }),
        199,
      );
      const read = await v1ok(url, 'room/get_messages', {
        session: watcher,
        ticket: ticket as string,
        counter,
      });
      assert.deepEqual(list(read, 'messages'), [], 'no line for an observer coming in');
      await v1ok(url, 'room/set_nickname', {
        session: quiet,
        ticket: observer.ticket as string,
        nickname: 'Shy',
      });
      const shown = await v1ok(url, 'room/get_messages', {
        session: watcher,
        ticket: ticket as string,
        counter,
      });
      assert.deepEqual(
        list(shown, 'messages').map((m) => [m.type, m.nickname]),
        [['system:enter', 'Shy']],
      );
      assert.equal(
        await v1code(url, 'room/set_nickname', {
          session: quiet,
          ticket: observer.ticket as string,
          nickname: 'Alice',
        }),
        199,
        'an anonymous occupant may not go by a registered user’s name',
      );
    });

    it('shows room info by counter (inclusive), the last N, or none; private rooms only with their password', async () => {
      const s = await session();
      const { ticket, room } = await v1ok(url, 'room/enter', {
        session: s,
        id: 'lobby',
        nickname: 'Counter',
      });
      const said = await v1ok(url, 'room/say', { session: s, ticket: ticket as string, message: 'one' });
      await v1ok(url, 'room/say', { session: s, ticket: ticket as string, message: 'two' });
      const id = said.counter as number;
      const from = await v1ok(url, 'room/get_info', { api_key: KEY, id: 'lobby', counter: id });
      assert.deepEqual(
        list(from, 'messages').map((m) => m.text),
        ['one', 'two'],
        'ids ≥ counter',
      );
      const none = await v1ok(url, 'room/get_info', { api_key: KEY, id: 'lobby' });
      assert.deepEqual(none.messages, [], 'no counter, no messages');
      assert.ok(((none.room as Json).counter as number) >= id + 1);
      assert.equal((none.room as Json).max_user_message_id, id + 1);
      const last = await v1ok(url, 'room/get_info', {
        api_key: KEY,
        id: 'lobby',
        counter: -1,
        user_messages_only: 'true',
      });
      assert.deepEqual(
        list(last, 'messages').map((m) => m.text),
        ['two'],
      );
      assert.ok(list(none, 'occupants').some((o) => o.nickname === 'Counter'));
      assert.ok(((room as Json).counter as number) < id);
      assert.equal(
        await v1code(url, 'room/get_info', { api_key: KEY, id: 'secret' }),
        199,
        'private, no password',
      );
      assert.equal(await v1code(url, 'room/get_info', { id: 'lobby' }), 199, 'api_key is required');
    });

    it('creates, changes and deletes rooms as their logged-in owner, with an icon, tags and a timezone', async () => {
      const s = await loggedIn('bob@example.com');
      assert.equal(
        await v1code(url, 'room/create', { session: await session(), name: 'Nope' }),
        199,
        'logged in only',
      );
      const created = await v1ok(url, 'room/create', {
        session: s,
        name: 'Tokyo <Jazz>',
        description: 'Late "night" & early',
        tags: 'jazz "late night" tokyo',
        timezone: 'Tokyo',
      });
      const room = created.room as Json;
      assert.match(room.id as string, /^[A-Za-z0-9]{11}$/, 'a generated id');
      assert.equal(room.name, 'Tokyo <Jazz>');
      assert.deepEqual(
        (room.tags as Json[]).map((x) => x.name),
        ['jazz', 'late_night', 'tokyo'],
      );
      const enter = await v1ok(url, 'room/enter', { session: s, id: room.id as string, nickname: 'Bob' });
      const said = await v1ok(url, 'room/say', {
        session: s,
        ticket: enter.ticket as string,
        message: 'konbanwa',
      });
      assert.match((said.message as Json).timestamp as string, /\+09:00$/, 'Tokyo time');
      assert.equal((said.message as Json).user_id, 'bob', 'logged in');

      const parts = multipartBody(
        {
          session: s,
          id: 'bobsroom',
          name: 'Bob’s',
          listed_in_directory: 'false',
          password: 'sesame',
          format: 'json',
        },
        { image: GIF },
      );
      const withIcon = await send(url, {
        method: 'POST',
        path: '/api/room/create',
        headers: { 'content-type': parts.type },
        body: parts.body,
      });
      assert.equal((JSON.parse(withIcon.text) as V1).status, 'ok', withIcon.text);
      assert.equal(
        await v1code(url, 'room/get_info', { api_key: KEY, id: 'bobsroom' }),
        199,
        'unlisted with a password: private',
      );
      assert.equal(
        await v1code(url, 'room/get_info', { api_key: KEY, id: 'bobsroom', password: 'wrong' }),
        199,
      );
      await v1ok(url, 'room/get_info', { api_key: KEY, id: 'bobsroom', password: 'sesame' });
      const stranger = await session();
      assert.equal(
        await v1code(url, 'room/enter', { session: stranger, id: 'bobsroom', nickname: 'X', password: 'no' }),
        199,
      );
      await v1ok(url, 'room/enter', { session: stranger, id: 'bobsroom', nickname: 'X', password: 'sesame' });

      const changed = await v1ok(url, 'room/change_settings', {
        session: s,
        id: 'bobsroom',
        name: 'Bob’s place',
        password: '',
        listed_in_directory: 'true',
      });
      assert.equal((changed.room as Json).name, 'Bob’s place');
      await v1ok(url, 'room/get_info', { api_key: KEY, id: 'bobsroom' });
      // Public now, so anyone may fetch its icon: the picture uploaded with it.
      const icon = await fetch(`${url}/images/room/bobsroom/16x16.gif`);
      assert.equal(icon.headers.get('content-type'), 'image/gif');
      assert.deepEqual(Buffer.from(await icon.arrayBuffer()), GIF);
      assert.equal(
        await v1code(url, 'room/change_settings', { session: s, id: 'bobsroom', new_id: 'other' }),
        199,
      );
      const alice = await loggedIn('alice@example.com');
      assert.equal(
        await v1code(url, 'room/change_settings', { session: alice, id: 'bobsroom', name: 'Mine' }),
        199,
      );
      assert.equal(await v1code(url, 'room/delete', { session: alice, id: 'bobsroom' }), 199, 'owner only');
      await v1ok(url, 'room/delete', { session: s, id: 'bobsroom' });
      assert.equal(await v1code(url, 'room/get_info', { api_key: KEY, id: 'bobsroom' }), 199);
      assert.equal(
        await v1code(url, 'room/create', { session: s, name: 'Bad tz', timezone: 'Nowhere/Else' }),
        199,
      );
    });

    it('lets a user own at most 200 rooms', async () => {
      await user('dora');
      for (let i = 0; i < 200; i++)
        await t.admin.addRoom({ id: `dora${i}`, name: `Dora ${i}`, owner: 'dora' });
      const s = await loggedIn('dora@example.com');
      assert.equal(await v1code(url, 'room/create', { session: s, name: 'One more' }), 199);
      await v1ok(url, 'room/delete', { session: s, id: 'dora0' });
      await v1ok(url, 'room/create', { session: s, name: 'One more' });
    });
  });

  describe('XML', () => {
    it('answers every method in XML as well, with the keys spec 7.2 names', async () => {
      await user('xena');
      const okXml = async (method: string, params: Record<string, string | number> = {}) => {
        const x = await v1xml(url, method, params, { verb: 'POST' });
        assert.equal(textAt(x, 'status'), 'ok', `${method}: ${JSON.stringify(x)}`);
        return x;
      };
      const s = textAt(await okXml('session/create', { api_key: KEY, client_type: 'human' }), 'session');
      await okXml('session/verify', { session: s });
      await okXml('auth/login', { session: s, email: 'xena@example.com', password: PASSWORD });
      assert.equal(textAt(await okXml('user/get_info', { session: s }), 'user_id'), 'xena');
      const started = await okXml('user/start_observing', { session: s });
      const ticket = textAt(started, 'ticket');
      const counter = textAt(started, 'counter');
      const observed = await okXml('user/observe', { session: s, ticket, counter });
      assert.deepEqual(
        observed.children.map((c) => c.name),
        ['status'],
        'nothing changed: status only',
      );
      await okXml('user/stop_observing', { session: s, ticket });
      for (const method of ['get_hot_rooms', 'get_new_rooms'])
        assert.ok(child(await okXml(`explore/${method}`, { api_key: KEY }), 'rooms'));
      for (const method of ['get_hot_tags', 'get_all_tags'])
        assert.ok(child(await okXml(`explore/${method}`, { api_key: KEY }), 'tags'));
      assert.ok(
        child(await okXml('explore/search', { api_key: KEY, q: 'lobby' }), 'rooms').children.length > 0,
      );
      assert.ok(
        child(await okXml('explore/search_tags', { api_key: KEY, q: 'chat' }), 'rooms').children.length > 0,
      );
      assert.ok(
        child(await okXml('explore/search_archives', { api_key: KEY, q: 'nothing-like-it' }), 'messages'),
      );
      const created = await okXml('room/create', { session: s, id: 'xenas', name: 'Xena’s' });
      assert.equal(textAt(created, 'room', 'id'), 'xenas');
      const changed = await okXml('room/change_settings', {
        session: s,
        id: 'xenas',
        description: 'Warrior',
      });
      assert.equal(textAt(changed, 'room', 'description'), 'Warrior');
      const entered = await okXml('room/enter', { session: s, id: 'xenas', nickname: 'X' });
      const roomTicket = textAt(entered, 'ticket');
      const from = textAt(entered, 'room', 'counter');
      await okXml('room/set_nickname', { session: s, ticket: roomTicket, nickname: 'Xena' });
      const said = await okXml('room/say', { session: s, ticket: roomTicket, message: 'ayayay' });
      assert.equal(textAt(said, 'counter'), textAt(said, 'message', 'id'));
      const seen = await okXml('room/observe', { session: s, ticket: roomTicket, counter: from });
      assert.deepEqual(
        child(seen, 'messages').children.map((m) => textAt(m, 'type')),
        ['system:nickname_change', 'user'],
      );
      assert.equal(textAt(seen, 'counter'), textAt(said, 'counter'));
      const got = await okXml('room/get_messages', { session: s, ticket: roomTicket, counter: from });
      assert.equal(child(got, 'messages').children.length, 2);
      assert.equal(
        textAt(await okXml('room/get_info', { api_key: KEY, id: 'xenas' }), 'room', 'name'),
        'Xena’s',
      );
      await okXml('room/exit', { session: s, ticket: roomTicket });
      await okXml('room/delete', { session: s, id: 'xenas' });
      await okXml('auth/logout', { session: s });
      await okXml('session/destroy', { session: s });
    });
  });

  describe('formats and errors (spec 7.1, 7.4, 7.7)', () => {
    it('escapes every value in XML and JSON, characters outside the BMP included', async () => {
      const s = await session();
      const nasty = `<b>&"'</b> ]]> 😀`;
      const { ticket } = await v1ok(url, 'room/enter', { session: s, id: 'lobby', nickname: `n<&"'>` });
      const xml = await v1xml(
        url,
        'room/say',
        { session: s, ticket: ticket as string, message: nasty },
        { verb: 'POST' },
      );
      assert.equal(textAt(xml, 'message', 'text'), nasty);
      assert.equal(textAt(xml, 'message', 'nickname'), `n<&"'>`);
      const raw = await v1Wire(url, 'room/say', { session: s, ticket: ticket as string, message: nasty });
      assert.ok(!raw.text.includes('<b>'), 'no markup from users');
      assert.ok(raw.text.includes('😀'), 'non-ASCII written as UTF-8');
      const json = await v1ok(url, 'room/say', { session: s, ticket: ticket as string, message: nasty });
      assert.equal((json.message as Json).text, nasty);
    });

    it('writes no character XML cannot carry, whatever a room description holds', async () => {
      const s = await loggedIn('alice@example.com');
      const created = await v1ok(url, 'room/create', {
        session: s,
        name: 'Odd',
        description: 'a\u0001b\uFFFEc',
      });
      const xml = await v1xml(url, 'room/get_info', {
        api_key: KEY,
        id: (created.room as Json).id as string,
      });
      assert.equal(textAt(xml, 'room', 'description'), 'a\uFFFDb\uFFFDc');
    });

    it('answers 104 in XML for an unknown format, JSONP with callback, 120 for input that is not UTF-8', async () => {
      const bad = await v1Wire(url, 'session/create', { api_key: KEY, format: 'yaml' });
      assert.equal(bad.status, 200);
      assert.equal(bad.headers['content-type'], 'text/xml; charset=utf-8');
      assert.equal(textAt(parseXml(bad.text), 'error', 'code'), '104');
      const jsonp = await v1Wire(url, 'session/create', { api_key: KEY, callback: 'my.func' });
      assert.equal(jsonp.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.match(jsonp.text, /^my\.func\(\{"status":"ok","session":"[A-Za-z0-9]{11}"\}\)$/);
      const failed = await v1Wire(url, 'session/verify', {
        session: 'nope0000000',
        format: 'json',
        callback: 'cb',
      });
      assert.match(failed.text, /^cb\(\{"status":"fail","error":\{"code":102,"message":".+"\}\}\)$/);
      const badName = await v1Wire(url, 'user/get_info', {
        session: 'nope0000000',
        format: 'json',
        callback: '1x',
      });
      assert.equal((JSON.parse(badName.text) as { error: { code: number } }).error.code, 199);
      // A query that cannot be read says nothing of the format asked for: the answer is XML.
      const notUtf8 = await send(url, { path: '/api/explore/get_new_rooms?api_key=%FF&format=json' });
      assert.equal(notUtf8.status, 200);
      assert.equal(textAt(parseXml(notUtf8.text), 'error', 'code'), '120');
      const bodyNotUtf8 = await send(url, {
        method: 'POST',
        path: '/api/explore/get_new_rooms?format=json',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from([0x61, 0x70, 0x69, 0x5f, 0x6b, 0x65, 0x79, 0x3d, 0xc3, 0x28]),
      });
      assert.equal((JSON.parse(bodyNotUtf8.text) as { error: { code: number } }).error.code, 120);
      const xmlDefault = await v1Wire(url, 'explore/get_new_rooms', { api_key: KEY });
      assert.ok(
        xmlDefault.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<response><status>ok</status>'),
      );
    });

    it('answers an unknown path of www.lingr.com with 404 and an API 1.0 body', async () => {
      const w = await send(url, {
        path: 'http://www.lingr.com/api/room/nothing',
        headers: { host: 'www.lingr.com' },
      });
      assert.equal(w.status, 404);
      assert.equal(w.headers['content-type'], 'text/xml; charset=utf-8');
      assert.equal(textAt(parseXml(w.text), 'status'), 'fail');
    });
  });
});

/** A multipart body with text fields and files. */
function multipartBody(fields: Record<string, string>, files: Record<string, Buffer>) {
  const boundary = 'v1-test-boundary-5c3a';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  for (const [name, bytes] of Object.entries(files))
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.gif"\r\nContent-Type: image/gif\r\n\r\n`,
      ),
      bytes,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}
