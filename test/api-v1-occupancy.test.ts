import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, signedIn, startTestServer, type Json, type TestServer } from './support/server.js';
import { readSse } from './support/streams.js';
import { v1, v1code, v1ok, type V1 } from './support/v1.js';

const KEY = 'any-key';
const PASSWORD = 'password1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const list = (r: Json, key: string) => (r[key] ?? []) as Json[];

interface Occupant {
  session: string;
  ticket: string;
  id: string;
  counter: number;
}

/** The API 2.0 events after `counter` (an observe that answers at once, or after its hold). */
async function v2Events(t: TestServer, session: string, counter: number): Promise<Json[]> {
  const r = await t.api('event/observe', { session, counter });
  assert.equal(r.status, 'ok');
  return r.events as Json[];
}

describe('API 1.0 occupants beside API 2.0 (spec 7.5, 7.6, 7.8)', () => {
  let t: TestServer;
  let url: string;
  const session = async (): Promise<string> =>
    (await v1ok(url, 'session/create', { api_key: KEY })).session as string;
  const enter = async (room: string, nickname?: string, s?: string): Promise<Occupant> => {
    const own = s ?? (await session());
    const r = await v1ok(url, 'room/enter', { session: own, id: room, ...(nickname ? { nickname } : {}) });
    return {
      session: own,
      ticket: r.ticket as string,
      id: r.occupant_id as string,
      counter: (r.room as Json).counter as number,
    };
  };
  const observe = (o: Occupant, counter = o.counter): Promise<V1> =>
    v1(url, 'room/observe', { session: o.session, ticket: o.ticket, counter });
  const read = async (o: Occupant, counter = o.counter): Promise<Json[]> =>
    list(await v1ok(url, 'room/get_messages', { session: o.session, ticket: o.ticket, counter }), 'messages');
  const say = async (o: Occupant, message: string, to?: string): Promise<V1> =>
    v1ok(url, 'room/say', {
      session: o.session,
      ticket: o.ticket,
      message,
      ...(to ? { occupant_id: to } : {}),
    });

  before(async () => {
    t = await startTestServer({ observeHold: '1' });
    url = t.url;
    for (const name of ['alice', 'bob', 'carol', 'dave'])
      await t.admin.addUser({
        username: name,
        password: PASSWORD,
        name: name.toUpperCase(),
        email: `${name}@example.com`,
      });
  });
  after(() => t.stop());

  it('answers an observe at once with the lines after its counter, else holds until one comes', async () => {
    const alice = await signedIn(t, 'alice', ['cafe']);
    const v = await enter('cafe', 'Visitor');
    const held = observe(v);
    await sleep(150);
    const said = await t.api('room/say', { session: alice.session, room: 'cafe', text: 'from API 2.0' });
    const r = await held;
    assert.equal(r.status, 'ok');
    const [line] = list(r, 'messages');
    assert.deepEqual(
      [line?.type, line?.user_id, line?.nickname, line?.source, line?.client_type, line?.text],
      ['user', 'alice', 'ALICE', 'browser', 'human', 'from API 2.0'],
    );
    assert.match(
      line?.occupant_id as string,
      /^[A-Za-z0-9]{11}$/,
      'an API 2.0 member appears as an occupant',
    );
    assert.equal(r.counter, line?.id);
    assert.ok(
      (said.message as Json).id !== String(line?.id),
      'v1 ids are event ids, not API 2.0 message ids',
    );
    // Nothing after the counter: held for the whole hold, then status only.
    const started = Date.now();
    assert.deepEqual(await observe(v, r.counter as number), { status: 'ok' });
    assert.ok(Date.now() - started >= 800, 'held for the hold');
    // Resuming from an old counter loses nothing.
    assert.deepEqual(
      list(await observe(v, v.counter), 'messages').map((m) => m.text),
      ['from API 2.0'],
    );
  });

  it('answers every held observe with the whole roster when someone enters, the newcomer in it', async () => {
    await t.admin.addRoom({ id: 'hall', name: 'Hall' });
    const readers: Occupant[] = [];
    for (let i = 0; i < 12; i++) readers.push(await enter('hall', `Reader ${i}`));
    const { counter } = (await v1ok(url, 'room/get_info', { api_key: KEY, id: 'hall' })).room as Json;
    const held = readers.map((o) => observe(o, counter as number));
    await sleep(150);
    const newcomer = await enter('hall', 'Newcomer');
    const replies = await Promise.all(held);
    const expected = [...readers, newcomer].map((o) => o.id);
    for (const r of replies) {
      assert.deepEqual(
        list(r, 'messages').map((m) => [m.type, m.nickname]),
        [['system:enter', 'Newcomer']],
      );
      assert.deepEqual(
        list(r, 'occupants').map((o) => o.id),
        expected,
        'everyone, in the order they came',
      );
    }
  });

  it('delivers private lines to their target (every occupant of a logged-in target) and the sender only', async () => {
    const alice = await signedIn(t, 'alice', ['cafe']);
    const { counter: v2From } = await t.api('room/subscribe', { session: alice.session, room: 'cafe' });
    // A live API 2.0 stream of the room, open before anything here happens (its
    // session coming online is over by then): fed by the hub, as the lines are said.
    const streamed = readSse(
      `${url}/api/event/stream?session=${alice.session}&counter=${v2From as number}`,
      {},
      (frames) => frames.some((f) => f.data.includes('public again')),
    );
    await eventually(async () => {
      const events = await v2Events(t, alice.session, v2From as number);
      assert.ok(events.some((e) => (e.presence as Json | undefined)?.username === 'alice'));
    });
    const sender = await enter('cafe', 'Sender');
    const bobSession = await session();
    await v1ok(url, 'auth/login', { session: bobSession, email: 'bob@example.com', password: PASSWORD });
    const bob1 = await enter('cafe', 'Bob1', bobSession);
    const bobElsewhere = await session();
    await v1ok(url, 'auth/login', { session: bobElsewhere, email: 'bob@example.com', password: PASSWORD });
    const bob2 = await enter('cafe', 'Bob2', bobElsewhere);
    const other = await enter('cafe', 'Other');
    const from = Math.max(sender.counter, bob1.counter, bob2.counter, other.counter);
    const said = await say(sender, 'psst, only for you', bob1.id);
    const line = said.message as Json;
    assert.deepEqual([line.type, line.occupant_id, line.text], ['private', sender.id, 'psst, only for you']);
    await say(sender, 'public again');
    const texts = async (o: Occupant) => (await read(o, from)).map((m) => `${m.type}:${m.text}`);
    assert.deepEqual(await texts(sender), ['private:psst, only for you', 'user:public again']);
    assert.deepEqual(await texts(bob1), ['private:psst, only for you', 'user:public again']);
    assert.deepEqual(await texts(bob2), ['private:psst, only for you', 'user:public again'], 'the same user');
    assert.deepEqual(await texts(other), ['user:public again'], 'nobody else');
    assert.deepEqual(
      list(await observe(other, from), 'messages').map((m) => m.text),
      ['public again'],
    );
    const info = await v1ok(url, 'room/get_info', { api_key: KEY, id: 'cafe', counter: from });
    assert.ok(
      !list(info, 'messages').some((m) => m.type === 'private'),
      'room.getInfo shows no private line',
    );
    // API 2.0 never sees a private line, nor any other line only API 1.0 shows.
    const events = await v2Events(t, alice.session, v2From as number);
    const v2Texts = events.flatMap((e) => (e.message ? [(e.message as Json).text] : []));
    assert.ok(v2Texts.includes('public again'));
    assert.ok(!v2Texts.includes('psst, only for you'));
    for (const e of events) assert.ok(e.message || e.presence || e.membership, JSON.stringify(e));
    const shown = await t.api('room/show', { session: alice.session, room: 'cafe' });
    const shownTexts = ((shown.rooms as Json[])[0]?.messages as Json[]).map((m) => m.text);
    assert.ok(shownTexts.includes('public again') && !shownTexts.includes('psst, only for you'));
    const archived = await t.api('room/get_archives', { session: alice.session, room: 'cafe', limit: 100 });
    assert.ok(!(archived.messages as Json[]).some((m) => m.text === 'psst, only for you'));
    const frames = (await streamed).map((f) => f.data).join('\n');
    assert.ok(frames.includes('public again'));
    assert.ok(!/psst|occupancy|has entered/.test(frames), 'the stream carries no line only API 1.0 shows');
    const page = await (await fetch(`${url}/room/cafe`)).text();
    assert.ok(page.includes('public again') && !page.includes('psst'), 'nor the web page');
    assert.equal(
      await v1code(url, 'room/say', {
        session: sender.session,
        ticket: sender.ticket,
        message: 'x',
        occupant_id: 'nobody00000',
      }),
      199,
    );
  });

  it('shows API 1.0 lines to API 2.0 as ordinary lines, and its enter, leave and nickname lines never', async () => {
    const alice = await signedIn(t, 'alice', ['cafe']);
    const { counter } = await t.api('room/subscribe', { session: alice.session, room: 'cafe' });
    const anon = await enter('cafe', 'Anon');
    await v1ok(url, 'room/set_nickname', { session: anon.session, ticket: anon.ticket, nickname: 'Anon2' });
    const dave = await session();
    await v1ok(url, 'auth/login', { session: dave, email: 'dave@example.com', password: PASSWORD });
    const named = await enter('cafe', 'Dave here', dave);
    await say(anon, 'anonymous line');
    await say(named, 'logged-in line');
    await v1ok(url, 'room/exit', { session: anon.session, ticket: anon.ticket });
    const events = await v2Events(t, alice.session, counter as number);
    const messages = events.flatMap((e) => (e.message ? [e.message as Json] : []));
    assert.deepEqual(
      messages.map((m) => [m.type, m.speaker_id, m.nickname, m.text]),
      [
        ['user', anon.id, 'Anon2', 'anonymous line'],
        ['user', 'dave', 'Dave here', 'logged-in line'],
      ],
    );
    assert.match(messages[0]?.public_session_id as string, /^[A-Za-z0-9]{6,10}$/);
    assert.notEqual(messages[0]?.public_session_id, messages[1]?.public_session_id);
    const archived = (await t.api('room/get_archives', { session: alice.session, room: 'cafe' }))
      .messages as Json[];
    assert.ok(archived.some((m) => m.text === 'logged-in line'));
    assert.ok(!archived.some((m) => /has (entered|left)|known as/.test(m.text as string)));
  });

  it('lists online API 2.0 members as occupants and turns their presence into enter and leave lines', async () => {
    const bob = await signedIn(t, 'bob', ['plaza']);
    await t.api('room/subscribe', { session: bob.session, room: 'plaza' });
    const online = t.api('event/observe', { session: bob.session, counter: 1 << 30 });
    await eventually(async () => {
      const info = await v1ok(url, 'room/get_info', { api_key: KEY, id: 'plaza' });
      const member = list(info, 'occupants').find((o) => o.user_id === 'bob');
      assert.deepEqual([member?.nickname, member?.source, member?.client_type], ['BOB', 'browser', 'human']);
    });
    await online;
    const watcher = await enter('plaza', 'Watcher');
    const carol = await signedIn(t, 'carol', ['plaza']);
    await t.api('room/subscribe', { session: carol.session, room: 'plaza' });
    const held = observe(watcher);
    await sleep(100);
    void t.api('event/observe', { session: carol.session, counter: 1 << 30 });
    const r = await held;
    const entered = list(r, 'messages').find((m) => m.user_id === 'carol');
    assert.deepEqual(
      [entered?.type, entered?.source, entered?.nickname],
      ['system:enter', 'browser', 'CAROL'],
    );
    assert.ok(
      list(r, 'occupants').some((o) => o.user_id === 'carol'),
      'the roster changed: it comes along',
    );
  });

  it('makes a logged-in API 1.0 user online for API 2.0 while observing, offline when the session ends', async () => {
    const alice = await signedIn(t, 'alice', ['porch']);
    await t.admin.join('porch', 'dave');
    const { counter } = await t.api('room/subscribe', { session: alice.session, room: 'porch' });
    const dave = await session();
    await v1ok(url, 'auth/login', { session: dave, email: 'dave@example.com', password: PASSWORD });
    const occupant = await enter('porch', 'Dave', dave);
    const observing = observe(occupant);
    const roster = async () =>
      (
        ((await t.api('room/show', { session: alice.session, room: 'porch' })).rooms as Json[])[0]
          ?.roster as {
          members: Json[];
        }
      ).members;
    await eventually(async () =>
      assert.equal((await roster()).find((m) => m.username === 'dave')?.is_online, true),
    );
    const events = await v2Events(t, alice.session, counter as number);
    assert.ok(
      events.some(
        (e) =>
          (e.presence as Json | undefined)?.username === 'dave' && (e.presence as Json).status === 'online',
      ),
    );
    // The user is in the room through API 1.0: its own enter line says so, not a second one from presence.
    const lines = await read(occupant);
    assert.ok(
      !lines.some((m) => m.type === 'system:enter' && m.source === 'browser' && m.user_id === 'dave'),
    );
    await observing;
    await v1ok(url, 'session/destroy', { session: dave });
    await eventually(async () =>
      assert.equal((await roster()).find((m) => m.username === 'dave')?.is_online, false),
    );
    const members = await roster();
    assert.ok(
      members.every((m) => typeof m.username === 'string'),
      'occupants are never API 2.0 members',
    );
  });

  it('closes a room made private to its occupants who are neither members nor let in by password', async () => {
    const owner = await session();
    await v1ok(url, 'auth/login', { session: owner, email: 'carol@example.com', password: PASSWORD });
    const { room } = await v1ok(url, 'room/create', { session: owner, id: 'club', name: 'Club' });
    assert.equal((room as Json).id, 'club');
    const member = await enter('club', 'Carol', owner);
    const stranger = await enter('club', 'Stranger');
    await v1ok(url, 'room/change_settings', { session: owner, id: 'club', listed_in_directory: 'false' });
    await eventually(async () =>
      assert.equal(
        await v1code(url, 'room/get_messages', {
          session: stranger.session,
          ticket: stranger.ticket,
          counter: 0,
        }),
        109,
      ),
    );
    const lines = await read(member, member.counter);
    assert.ok(lines.some((m) => m.type === 'system:leave' && m.nickname === 'Stranger'));
    assert.equal(
      await v1code(url, 'room/enter', { session: stranger.session, id: 'club', nickname: 'Again' }),
      199,
    );
    await say(member, 'still here');
  });
});

describe('API 1.0 lifetimes (spec 7.1): a ticket neither observed nor read expires', () => {
  let t: TestServer;
  let url: string;
  before(async () => {
    t = await startTestServer({ observeHold: '0.3', v1TicketLife: '1', v1SessionLife: '2' });
    url = t.url;
    await t.admin.addUser({ username: 'erin', password: PASSWORD, name: 'Erin', email: 'erin@example.com' });
    await t.admin.addRoom({ id: 'hall', name: 'Hall' });
    await t.admin.join('hall', 'erin');
  });
  after(() => t.stop());

  const enter = async (nickname: string) => {
    const s = (await v1ok(url, 'session/create', { api_key: KEY })).session as string;
    const r = await v1ok(url, 'room/enter', { session: s, id: 'hall', nickname });
    return { session: s, ticket: r.ticket as string, counter: (r.room as Json).counter as number };
  };

  it('sweeps an occupant whose ticket is neither observed nor read, with a leave line', async () => {
    const stays = await enter('Stays');
    const leaves = await enter('Leaves');
    const seen: Json[] = [];
    // Observing keeps a ticket; the other one is never read again, though its session stays alive.
    await eventually(async () => {
      await v1ok(url, 'session/verify', { session: leaves.session });
      const r = await v1ok(url, 'room/observe', {
        session: stays.session,
        ticket: stays.ticket,
        counter: stays.counter,
      });
      seen.push(...list(r, 'messages'));
      assert.ok(
        seen.some((m) => m.type === 'system:leave' && m.nickname === 'Leaves'),
        JSON.stringify(seen),
      );
    }, 10_000);
    assert.equal(
      await v1code(url, 'room/get_messages', { session: leaves.session, ticket: leaves.ticket, counter: 0 }),
      109,
    );
  });
});

describe('API 1.0 lifetimes (spec 7.1): a session without a call dies with its occupants', () => {
  let t: TestServer;
  let url: string;
  before(async () => {
    // Tickets outlive the session here: what ends the occupant can only be its session dying.
    t = await startTestServer({ observeHold: '0.3', v1TicketLife: '30', v1SessionLife: '1.5' });
    url = t.url;
    await t.admin.addUser({ username: 'erin', password: PASSWORD, name: 'Erin', email: 'erin@example.com' });
    await t.admin.addRoom({ id: 'hall', name: 'Hall' });
    await t.admin.join('hall', 'erin');
  });
  after(() => t.stop());

  const enter = async (nickname: string) => {
    const s = (await v1ok(url, 'session/create', { api_key: KEY })).session as string;
    const r = await v1ok(url, 'room/enter', { session: s, id: 'hall', nickname });
    return { session: s, ticket: r.ticket as string, counter: (r.room as Json).counter as number };
  };

  it('ends the session, its occupants and its user’s presence', async () => {
    const watcher = await enter('Watcher');
    const s = (await v1ok(url, 'session/create', { api_key: KEY })).session as string;
    await v1ok(url, 'auth/login', { session: s, email: 'erin@example.com', password: PASSWORD });
    const r = await v1ok(url, 'room/enter', { session: s, id: 'hall', nickname: 'Erin' });
    const v2 = await signedIn(t, 'erin');
    const online = async () =>
      (
        ((await t.api('room/show', { session: v2.session, room: 'hall' })).rooms as Json[])[0]?.roster as {
          members: Json[];
        }
      ).members.find((m) => m.username === 'erin')?.is_online;
    assert.equal(await online(), false);
    const observed = v1ok(url, 'room/observe', {
      session: s,
      ticket: r.ticket as string,
      counter: (r.room as Json).counter as number,
    });
    await eventually(async () => assert.equal(await online(), true), 5000);
    await observed;
    const seen: Json[] = [];
    await eventually(async () => {
      const got = await v1ok(url, 'room/observe', {
        session: watcher.session,
        ticket: watcher.ticket,
        counter: watcher.counter,
      });
      seen.push(...list(got, 'messages'));
      assert.ok(seen.some((m) => m.type === 'system:leave' && m.nickname === 'Erin'));
    }, 10_000);
    assert.equal(await v1code(url, 'user/get_info', { session: s }), 102);
    // Online for the grace period after her last observe, had the session lived; it ended, and so did that.
    await eventually(async () => assert.equal(await online(), false), 5000);
  });
});

describe('API 1.0 limits (spec 10.20): per session, as API 2.0’s', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sayPerMinute: '2', callsPerMinute: '4', appKeyFactor: '1' });
    await t.admin.addRoom({ id: 'quick', name: 'Quick' });
  });
  after(() => t.stop());

  it('refuses says and calls past the limits with 199, and counts each session apart', async () => {
    const session = async () => (await v1ok(t.url, 'session/create', { api_key: KEY })).session as string;
    const s = await session();
    const { ticket } = await v1ok(t.url, 'room/enter', { session: s, id: 'quick', nickname: 'Fast' });
    await v1ok(t.url, 'room/say', { session: s, ticket: ticket as string, message: 'one' });
    await v1ok(t.url, 'room/say', { session: s, ticket: ticket as string, message: 'two' });
    assert.equal(
      await v1code(t.url, 'room/say', { session: s, ticket: ticket as string, message: 'three' }),
      199,
    );
    for (let i = 0; i < 3; i++) await v1ok(t.url, 'session/verify', { session: s });
    assert.equal(await v1code(t.url, 'session/verify', { session: s }), 199);
    await v1ok(t.url, 'session/verify', { session: await session() });
    const info = await v1ok(t.url, 'room/get_info', { api_key: KEY, id: 'quick', counter: -10 });
    assert.deepEqual(
      list(info, 'messages')
        .filter((m) => m.type === 'user')
        .map((m) => m.text),
      ['one', 'two'],
    );
  });
});

describe('API 1.0 held observes end early when replaced, exited or stopped', () => {
  // A hold far longer than any answer takes: what ends early is told apart from what waits it out.
  const HOLD_S = 20;
  const EARLY_MS = (HOLD_S * 1000) / 2;
  let t: TestServer;
  let url: string;
  before(async () => {
    t = await startTestServer({ observeHold: String(HOLD_S) });
    url = t.url;
    await t.admin.addUser({ username: 'fay', password: PASSWORD, name: 'Fay', email: 'fay@example.com' });
    await t.admin.addRoom({ id: 'yard', name: 'Yard' });
  });
  after(() => t.stop());

  const enter = async (nickname: string) => {
    const s = (await v1ok(url, 'session/create', { api_key: KEY })).session as string;
    const r = await v1ok(url, 'room/enter', { session: s, id: 'yard', nickname });
    return { session: s, ticket: r.ticket as string, counter: (r.room as Json).counter as number };
  };
  const observe = (o: { session: string; ticket: string; counter: number }) =>
    v1(url, 'room/observe', { session: o.session, ticket: o.ticket, counter: o.counter });
  /** Waits for a held answer, which must come well before the hold ends. */
  const early = async (answer: Promise<V1>, why: string): Promise<V1> => {
    const began = Date.now();
    const r = await answer;
    assert.ok(Date.now() - began < EARLY_MS, why);
    return r;
  };

  it('answers the older of two observes of one ticket at once, with status only (122 is never sent)', async () => {
    const v = await enter('Twice');
    const first = observe(v);
    await sleep(150);
    const second = observe(v);
    assert.deepEqual(await early(first, 'the older is answered at once'), { status: 'ok' });
    await v1ok(url, 'room/say', { session: v.session, ticket: v.ticket, message: 'for the second' });
    assert.deepEqual(
      list(await early(second, 'the newer gets the line'), 'messages').map((m) => m.text),
      ['for the second'],
    );
  });

  it('answers an observe held for a ticket that is exited', async () => {
    const v = await enter('Leaving');
    const held = observe(v);
    await sleep(150);
    await v1ok(url, 'room/exit', { session: v.session, ticket: v.ticket });
    assert.deepEqual(await early(held, 'answered when the ticket went'), { status: 'ok' });
  });

  it('answers a held user.observe when the session stops observing', async () => {
    const s = (await v1ok(url, 'session/create', { api_key: KEY })).session as string;
    await v1ok(url, 'auth/login', { session: s, email: 'fay@example.com', password: PASSWORD });
    const { ticket, counter } = await v1ok(url, 'user/start_observing', { session: s });
    const held = v1(url, 'user/observe', {
      session: s,
      ticket: ticket as string,
      counter: counter as number,
    });
    await sleep(150);
    await v1ok(url, 'user/stop_observing', { session: s, ticket: ticket as string });
    assert.deepEqual(await early(held, 'answered when stopped'), { status: 'ok' });
  });
});
