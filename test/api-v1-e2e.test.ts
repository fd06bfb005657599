import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RawSettings } from '../src/config/settings.js';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';
import {
  asXmlShape,
  V1Client,
  V1Failure,
  type V1Entered,
  type V1Format,
  type V1Message,
  type V1Occupant,
} from './support/v1-client.js';

/**
 * API 1.0 beside API 2.0 on the same rooms, end to end (issue 14; spec 7, 7.8): lines cross between the
 * generations and the web, v1-only lines stay in v1, tickets expire, a dropped observe loses nothing, and
 * every XML reply is read with a real parser.
 */

interface V2Event {
  event_id: number;
  message?: Json;
  presence?: Json;
  membership?: Json;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Observes v2 from `counter` until an event satisfying `wanted` arrives; returns every event on the way. */
async function v2Until(
  t: TestServer,
  session: string,
  counter: number,
  wanted: (e: V2Event) => boolean,
  timeoutMs = 10_000,
): Promise<{ events: V2Event[]; counter: number; found: V2Event }> {
  const until = Date.now() + timeoutMs;
  const events: V2Event[] = [];
  let at = counter;
  while (Date.now() < until) {
    const r = await t.api('event/observe', { session, counter: at });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    const got = r.events as V2Event[];
    events.push(...got);
    at = r.counter as number;
    const found = got.find(wanted);
    if (found) return { events, counter: at, found };
  }
  throw new Error(`v2: no wanted event within ${timeoutMs} ms; saw ${JSON.stringify(events)}`);
}

async function v2Subscribe(t: TestServer, session: string, room: string): Promise<number> {
  const r = await t.api('room/subscribe', { session, room });
  assert.equal(r.status, 'ok', JSON.stringify(r));
  return r.counter as number;
}

/** A v1 client with a fresh anonymous session, entered in `room`. */
async function occupant(
  t: TestServer,
  room: string,
  nickname?: string,
  format: V1Format = 'xml',
): Promise<{ v1: V1Client; entered: V1Entered }> {
  const v1 = new V1Client(t.url, { format });
  await v1.createSession();
  const entered = await v1.enter(room, nickname === undefined ? {} : { nickname });
  return { v1, entered };
}

const textsOf = (messages: readonly V1Message[], type = 'user'): string[] =>
  messages.filter((m) => m.type === type).map((m) => m.text);

/** YYYY/MM/DD of now in a timezone, as archive paths spell it. */
function today(timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return f.format(Date.now()).replace(/-/g, '/');
}

async function page(t: TestServer, path: string): Promise<string> {
  const res = await fetch(`${t.url}${path}`);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
  return text;
}

/** A user whose account has an email, so that API 1.0 can log in as them (auth.login takes an email). */
async function userWithEmail(t: TestServer, username: string, email: string): Promise<void> {
  const name = username[0]?.toUpperCase() + username.slice(1);
  await t.admin.addUser({ username, password: 'password1', name, email });
}

const fails = (code: number) => (err: unknown) => {
  assert.ok(err instanceof V1Failure, String(err));
  assert.equal(err.code, code, err.message);
  return true;
};

describe('API 1.0 beside API 2.0', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ observeHold: '1.5', presenceGrace: '1' });
  });
  after(() => t.stop());

  it('a line crosses v1 → v2 → web and back', async () => {
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'jazz', name: 'Bay Area Jazz', timezone: 'Asia/Tokyo' });
    await t.admin.addRoom({ id: 'blues', name: 'Blues' });
    await t.admin.join('jazz', 'alice');
    await t.admin.join('blues', 'alice');
    const alice = await signedIn(t, 'alice');
    const from = await v2Subscribe(t, alice.session, 'jazz');
    await v2Subscribe(t, alice.session, 'blues');

    // v1 → v2: a v1 user line is an ordinary v2 `user` message, said by the v1 occupant.
    const dude = await occupant(t, 'jazz', 'TheDude', 'json');
    const line = 'hello from 2007 <b>&</b>';
    const said = await dude.v1.say(dude.entered.ticket, line);
    assert.equal(said.message.type, 'user');
    assert.equal(said.message.text, line);
    assert.equal(said.message.nickname, 'TheDude');
    assert.equal(said.message.occupant_id, dude.entered.occupantId);
    // Spec 10.21: a v1 message id is the counter of its event.
    assert.equal(said.counter, Number(said.message.id));
    const seen = await v2Until(t, alice.session, from, (e) => e.message?.text === line);
    const m = seen.found.message as Json;
    assert.deepEqual(Object.keys(m).sort(), [
      'icon_url',
      'id',
      'local_id',
      'nickname',
      'public_session_id',
      'room',
      'speaker_id',
      'text',
      'timestamp',
      'type',
    ]);
    assert.equal(m.type, 'user');
    assert.equal(m.room, 'jazz');
    assert.equal(m.nickname, 'TheDude');
    assert.equal(m.speaker_id, dude.entered.occupantId, 'anonymous: the speaker is the occupant');
    assert.equal(m.local_id, null);
    assert.match(m.id as string, /^[0-9]+$/);
    // public_session_id is the v1 session's public id: one per session, never its secret id.
    const publicId = m.public_session_id as string;
    assert.match(publicId, /^[A-Za-z0-9]+$/);
    assert.notEqual(publicId, dude.v1.session);
    assert.notEqual(publicId, alice.publicId);
    const elsewhere = await dude.v1.enter('blues', { nickname: 'TheDude' });
    await dude.v1.say(elsewhere.ticket, 'same session, other room');
    const other = await occupant(t, 'jazz', 'Walter');
    await other.v1.say(other.entered.ticket, 'another session');
    const both = await v2Until(t, alice.session, seen.counter, (e) => e.message?.text === 'another session');
    const publicIdOf = (text: string) =>
      both.events.find((e) => e.message?.text === text)?.message?.public_session_id;
    assert.equal(publicIdOf('same session, other room'), publicId);
    assert.notEqual(publicIdOf('another session'), publicId);

    // v2 → v1: alice's line reaches the v1 occupant as a `user` message by a human.
    await t.api('room/say', { session: alice.session, room: 'jazz', text: 'hi from 2010' });
    const back = await dude.v1.observeUntil(
      dude.entered.ticket,
      dude.entered.counter,
      (x) => x.text === 'hi from 2010',
    );
    const reply = back.messages.find((x) => x.text === 'hi from 2010') as V1Message;
    assert.equal(reply.type, 'user');
    assert.equal(reply.nickname, 'Alice');
    assert.equal(reply.client_type, 'human');
    assert.ok(['api', 'browser'].includes(reply.source ?? ''), `source ${reply.source}`);
    assert.ok(textsOf(back.messages).includes(line), 'the v1 line is in the room for v1 too');

    // The web: room/show, the room page and the day archive show the v1 line, escaped.
    const shown = await t.api('room/show', { session: alice.session, room: 'jazz' });
    const backlog = (shown.rooms as Array<{ messages: Json[] }>)[0]?.messages ?? [];
    assert.ok(backlog.some((x) => x.text === line && x.id === m.id));
    const escaped = 'hello from 2007 &lt;b&gt;&amp;&lt;/b&gt;';
    assert.ok((await page(t, '/room/jazz')).includes(escaped), 'the room page shows the v1 line');
    const day = await page(t, `/room/jazz/archives/${today('Asia/Tokyo')}`);
    assert.ok(day.includes(`id="message-${m.id as string}"`), 'the archive has its permalink');
    assert.ok(day.includes(escaped));
    assert.ok(!day.includes('<b>&</b>'), 'never raw');
  });

  it('anonymous observers receive lines, stay silent, are not in v2 rosters and cannot say', async () => {
    const carol = await signedIn(t, 'carol', ['lounge']);
    const from = await v2Subscribe(t, carol.session, 'lounge');
    const rosterOf = async () => {
      const r = await t.api('room/show', { session: carol.session, room: 'lounge' });
      return (r.rooms as Array<{ roster: { members: Json[] } }>)[0]?.roster.members.map((x) => x.username);
    };
    const before = await rosterOf();
    const chatty = await occupant(t, 'lounge', 'Chatty');
    const lurker = await occupant(t, 'lounge');
    assert.ok(lurker.entered.ticket.startsWith('a-r-lounge-'), lurker.entered.ticket);
    const listed = lurker.entered.occupants.find((o) => o.id === lurker.entered.occupantId);
    assert.ok(!listed?.nickname, 'an anonymous observer has no nickname');
    await assert.rejects(lurker.v1.say(lurker.entered.ticket, 'I am here'), fails(199));

    await chatty.v1.say(chatty.entered.ticket, 'marker one');
    await t.api('room/say', { session: carol.session, room: 'lounge', text: 'marker two' });
    const heard = await lurker.v1.observeUntil(
      lurker.entered.ticket,
      lurker.entered.counter,
      (m) => m.text === 'marker two',
    );
    assert.deepEqual(textsOf(heard.messages), ['marker one', 'marker two']);
    await lurker.v1.exit(lurker.entered.ticket);
    await chatty.v1.say(chatty.entered.ticket, 'marker three');

    // Chatty saw no enter, no leave and no line from the lurker.
    const room = await chatty.v1.observeUntil(
      chatty.entered.ticket,
      chatty.entered.counter,
      (m) => m.text === 'marker three',
    );
    assert.deepEqual(
      room.messages.filter((m) => m.occupant_id === lurker.entered.occupantId),
      [],
      'silent: no system:enter, system:leave or line',
    );
    assert.ok(!room.messages.some((m) => m.text.includes('I am here')));
    // v2 saw the two markers said aloud, nothing of the lurker, and its roster did not change.
    const v2 = await v2Until(t, carol.session, from, (e) => e.message?.text === 'marker three');
    assert.deepEqual(
      v2.events.filter((e) => e.message).map((e) => e.message?.text),
      ['marker one', 'marker two', 'marker three'],
    );
    for (const e of v2.events)
      if (e.presence || e.membership)
        assert.equal((e.presence ?? e.membership)?.username, 'carol', 'only carol herself comes and goes');
    assert.deepEqual(await rosterOf(), before);
  });

  it('private messages reach only their target and the sender', async () => {
    const dave = await signedIn(t, 'dave', ['whisper']);
    const from = await v2Subscribe(t, dave.session, 'whisper');
    const a = await occupant(t, 'whisper', 'Amy');
    const b = await occupant(t, 'whisper', 'Ben', 'json');
    const c = await occupant(t, 'whisper', 'Cid');
    const sent = await a.v1.say(a.entered.ticket, 'psst, Ben', { occupantId: b.entered.occupantId });
    assert.equal(sent.message.type, 'private');
    await a.v1.say(a.entered.ticket, 'end of secrets');
    const done = (m: V1Message) => m.text === 'end of secrets';

    const toB = await b.v1.observeUntil(b.entered.ticket, b.entered.counter, done);
    const got = toB.messages.filter((m) => m.text === 'psst, Ben');
    assert.equal(got.length, 1);
    assert.equal(got[0]?.type, 'private');
    assert.equal(got[0]?.occupant_id, a.entered.occupantId);
    assert.equal(got[0]?.nickname, 'Amy');
    const toA = await a.v1.observeUntil(a.entered.ticket, a.entered.counter, done);
    assert.deepEqual(textsOf(toA.messages, 'private'), ['psst, Ben'], 'the sender sees it');
    const toC = await c.v1.observeUntil(c.entered.ticket, c.entered.counter, done);
    assert.ok(!toC.messages.some((m) => m.text === 'psst, Ben'), 'a third occupant does not');
    const polledC = await c.v1.getMessages(c.entered.ticket, c.entered.counter);
    assert.ok(!polledC.messages.some((m) => m.text === 'psst, Ben'));
    const polledB = await b.v1.getMessages(b.entered.ticket, b.entered.counter);
    assert.deepEqual(textsOf(polledB.messages, 'private'), ['psst, Ben']);

    // Never shown to v2: not observed, not in the backlog, not on the page.
    const v2 = await v2Until(t, dave.session, from, (e) => e.message?.text === 'end of secrets');
    assert.ok(!JSON.stringify(v2.events).includes('psst'));
    const shown = await t.api('room/show', { session: dave.session, room: 'whisper' });
    assert.ok(!JSON.stringify(shown).includes('psst'));
    assert.ok(!(await page(t, '/room/whisper')).includes('psst'));

    // A ticket belongs to its session: another session's use of it is 109.
    const stolen = new V1Client(t.url);
    stolen.session = c.v1.session;
    await assert.rejects(stolen.observe(b.entered.ticket, b.entered.counter), fails(109));
  });

  it('logged in: lines carry the username, and a private line reaches every occupant of its user', async () => {
    await userWithEmail(t, 'erin', 'erin@example.com');
    await t.admin.addRoom({ id: 'study', name: 'Study' });
    await t.admin.join('study', 'erin');
    const frank = await signedIn(t, 'frank', ['study']);
    const from = await v2Subscribe(t, frank.session, 'study');
    const wrong = new V1Client(t.url);
    await wrong.createSession();
    await assert.rejects(wrong.login('erin@example.com', 'not her password'), fails(105));
    const erin = async () => {
      const v1 = new V1Client(t.url);
      await v1.createSession('human');
      await v1.login('ERIN@example.com', 'password1');
      return { v1, entered: await v1.enter('study', { nickname: 'Erin' }) };
    };
    const one = await erin();
    const two = await erin();
    await assert.rejects(one.v1.login('erin@example.com', 'password1'), fails(199), 'one login per session');
    const stranger = await occupant(t, 'study', 'Stranger');
    await stranger.v1.say(stranger.entered.ticket, 'for erin', { occupantId: one.entered.occupantId });
    await stranger.v1.say(stranger.entered.ticket, 'over');
    for (const o of [one, two]) {
      const r = await o.v1.observeUntil(o.entered.ticket, o.entered.counter, (m) => m.text === 'over');
      assert.deepEqual(textsOf(r.messages, 'private'), ['for erin'], 'each of her occupants gets it');
    }
    await one.v1.say(one.entered.ticket, 'erin speaking');
    const v2 = await v2Until(t, frank.session, from, (e) => e.message?.text === 'erin speaking');
    assert.equal(v2.found.message?.speaker_id, 'erin');
    assert.equal(v2.found.message?.type, 'user');
    assert.ok(!JSON.stringify(v2.events).includes('for erin'));
  });

  it('a dropped observe loses nothing: the old counter brings every line once, in order', async () => {
    const gail = await signedIn(t, 'gail', ['relay']);
    const speaker = await occupant(t, 'relay', 'Speaker', 'json');
    const reader = await occupant(t, 'relay', 'Reader');
    let counter = (await reader.v1.getMessages(reader.entered.ticket, reader.entered.counter)).counter;
    const expected: string[] = [];
    for (let round = 0; round < 2; round++) {
      // Drop an observe while the server holds it, as a client whose connection breaks.
      const abort = new AbortController();
      let settled = false;
      const held = reader.v1.observe(reader.entered.ticket, counter, { signal: abort.signal });
      held.then(
        () => (settled = true),
        () => (settled = true),
      );
      await sleep(300);
      assert.equal(settled, false, 'the observe is held');
      abort.abort();
      await assert.rejects(held);
      for (let i = 0; i < 3; i++) {
        const v2line = `round ${round} v2 ${i}`;
        const v1line = `round ${round} v1 ${i}`;
        await t.api('room/say', { session: gail.session, room: 'relay', text: v2line });
        await speaker.v1.say(speaker.entered.ticket, v1line);
        expected.push(v2line, v1line);
      }
      const last = expected.at(-1) as string;
      const r = await reader.v1.observeUntil(reader.entered.ticket, counter, (m) => m.text === last);
      const lines = r.messages.filter((m) => m.type === 'user');
      assert.deepEqual(
        lines.map((m) => m.text),
        expected.slice(round * 6),
      );
      const ids = r.messages.map((m) => Number(m.id));
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
        'in counter order',
      );
      assert.equal(new Set(ids).size, ids.length, 'no line twice');
      assert.ok(ids.every((id) => id > counter));
      counter = r.counter;
    }
  });

  it('online v2 members are v1 occupants, their coming and going is system:enter/leave, and v1-only lines stay in v1', async () => {
    await t.admin.addUser({ username: 'gina', password: 'password1', name: 'Gina' });
    await t.admin.addRoom({ id: 'plaza', name: 'Plaza' });
    await t.admin.join('plaza', 'gina');
    const gina = await signedIn(t, 'gina');
    const from = await v2Subscribe(t, gina.session, 'plaza');
    const watcher = await occupant(t, 'plaza', 'Watcher');
    const isGina = (o: V1Occupant) => o.nickname === 'Gina';
    assert.ok(!watcher.entered.occupants.some(isGina), 'gina is offline until she observes');

    // Gina observes over v2 (so she is online) and keeps everything v2 shows her.
    const ginaSaw: V2Event[] = [];
    let ginaObserves = true;
    const ginaLoop = (async () => {
      let c = from;
      while (ginaObserves) {
        const r = await t.api('event/observe', { session: gina.session, counter: c });
        ginaSaw.push(...(r.events as V2Event[]));
        c = r.counter as number;
      }
    })();
    const online = await watcher.v1.observeUntil(
      watcher.entered.ticket,
      watcher.entered.counter,
      (m) => m.type === 'system:enter' && m.nickname === 'Gina',
    );
    const ginaOccupant = online.occupants?.find(isGina);
    assert.ok(
      ginaOccupant,
      `the roster changed, so occupants came with it: ${JSON.stringify(online.occupants)}`,
    );
    assert.equal(ginaOccupant.source, 'browser');
    assert.equal(ginaOccupant.client_type, 'human');
    const late = await occupant(t, 'plaza', 'Late');
    assert.ok(late.entered.occupants.some(isGina), 'an online v2 member is listed at room.enter');

    // v1-only lines: an enter, a nickname change, a private line, a leave.
    await late.v1.setNickname(late.entered.ticket, 'Later');
    await late.v1.say(late.entered.ticket, 'just for you', { occupantId: watcher.entered.occupantId });
    await late.v1.say(late.entered.ticket, 'for everyone');
    await late.v1.exit(late.entered.ticket);
    await assert.rejects(late.v1.observe(late.entered.ticket, late.entered.counter), fails(109));
    const seenByWatcher = await watcher.v1.observeUntil(
      watcher.entered.ticket,
      online.counter,
      (m) => m.type === 'system:leave' && m.occupant_id === late.entered.occupantId,
    );
    const renamed = seenByWatcher.messages.find((m) => m.type === 'system:nickname_change');
    assert.equal(renamed?.new_nickname, 'Later');
    assert.equal(seenByWatcher.messages.find((m) => m.text === 'for everyone')?.nickname, 'Later');

    const reached = () => ginaSaw.some((e) => e.message?.text === 'for everyone');
    for (const until = Date.now() + 10_000; !reached() && Date.now() < until;) await sleep(50);
    ginaObserves = false;
    await ginaLoop;
    const messages = ginaSaw.filter((e) => e.message).map((e) => e.message?.nickname);
    assert.deepEqual(messages, ['Later'], 'only the public line reaches v2');
    for (const e of ginaSaw) {
      assert.equal(['message', 'presence', 'membership'].filter((k) => k in e).length, 1, JSON.stringify(e));
      assert.ok(!JSON.stringify(e).includes('just for you'));
      assert.ok(!JSON.stringify(e).includes('Watcher'), 'no v1 system line');
    }

    // Gina stops observing: after the grace period she leaves the v1 room.
    const gone = await watcher.v1.observeUntil(
      watcher.entered.ticket,
      seenByWatcher.counter,
      (m) => m.type === 'system:leave' && m.nickname === 'Gina',
    );
    assert.ok(gone.occupants && !gone.occupants.some(isGina), 'and from the occupants');
  });

  it('XML replies parse with a real parser, and <&"\' and non-BMP characters come back as said', async () => {
    const hank = await signedIn(t, 'hank', ['esc']);
    const from = await v2Subscribe(t, hank.session, 'esc');
    const nasty = `<&"'> ]]> &amp; 😀𠮷 é\ttab\nnext line`;
    const nick = `N<&"'>😀`;
    const eye = await occupant(t, 'esc');
    const k = new V1Client(t.url);
    await k.createSession();
    assert.equal((await k.call('session.verify', { session: k.session })).status, 'ok');
    const entered = await k.enter('esc', { nickname: nick });
    assert.equal(entered.occupants.find((o) => o.id === entered.occupantId)?.nickname, nick);
    assert.equal(entered.room.id, 'esc');
    assert.deepEqual(entered.room.tags, []);
    assert.ok(entered.maxObserveTime > 0 && entered.maxObserveTime < 60);
    const viaGet = await k.exchange('room.say', {
      session: k.session,
      ticket: entered.ticket,
      message: nasty,
    });
    assert.ok(!viaGet.text.includes('<&"'), 'escaped on the wire');
    await k.say(entered.ticket, nasty, {}, { verb: 'POST' });

    const observed = await k.observeUntil(
      entered.ticket,
      entered.counter,
      (m) => m.type === 'user' && m.text === nasty,
    );
    const polled = await k.getMessages(entered.ticket, entered.counter);
    const enterSeen = await eye.v1.observeUntil(
      eye.entered.ticket,
      eye.entered.counter,
      (m) => m.type === 'system:enter',
    );
    assert.equal(enterSeen.messages.find((m) => m.type === 'system:enter')?.nickname, nick);
    assert.deepEqual(textsOf(observed.messages), [nasty, nasty]);
    assert.deepEqual(textsOf(polled.messages), [nasty, nasty]);
    assert.ok(polled.messages.filter((m) => m.type === 'user').every((m) => m.nickname === nick));
    // The same call in JSON has the same shape, values aside from their type.
    const json = await k.call(
      'room.getMessages',
      { session: k.session, ticket: entered.ticket, counter: entered.counter },
      { format: 'json' },
    );
    assert.deepEqual(polled.reply, asXmlShape(json));
    const again = await k.enter('esc', { nickname: nick, idempotent: true });
    assert.equal(again.ticket, entered.ticket);
    assert.equal(again.occupantId, entered.occupantId);
    const againJson = await k.call(
      'room.enter',
      { session: k.session, id: 'esc', nickname: nick, idempotent: true },
      { format: 'json' },
    );
    assert.deepEqual(again.reply, asXmlShape(againJson));

    const v2 = await v2Until(t, hank.session, from, (e) => e.message?.text === nasty);
    assert.equal(v2.found.message?.nickname, nick);
    assert.ok((await page(t, '/room/esc')).includes('&lt;&amp;&quot;&#39;&gt; ]]&gt; &amp;amp; 😀𠮷'));

    // Errors are XML too: an unknown ticket, an unsupported format (always answered in XML), explicit xml.
    await assert.rejects(k.observe('a-r-esc-00000000000', entered.counter), fails(109));
    const unsupported = await k.call('session.verify', { session: k.session, format: 'yaml' });
    assert.equal(unsupported.status, 'fail');
    assert.equal((unsupported.error as Json).code, '104');
    assert.equal((await k.call('session.verify', { session: k.session, format: 'xml' })).status, 'ok');
    await k.setNickname(entered.ticket, `${nick}2`);
    await k.exit(entered.ticket);
    assert.equal((await k.call('session.destroy', { session: k.session })).status, 'ok');
    await assert.rejects(k.ok('session.verify', { session: k.session }), fails(102));
  });
});

/**
 * Short v1 lifetimes for the test (spec 7.1: a ticket lives 2 minutes without room.observe or
 * room.getMessages, a session 10 minutes without a call), by the names of the server's settings
 * (`--v1-ticket-life`, `--v1-session-life`).
 */
const V1_SHORT_LIVES: RawSettings = { v1TicketLife: '1.5', v1SessionLife: '5' };

describe('API 1.0 tickets and sessions expire', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ observeHold: '0.5', ...V1_SHORT_LIVES });
    await t.admin.addRoom({ id: 'clock', name: 'Clock' });
  });
  after(() => t.stop());

  it('a ticket without observe or getMessages expires: the occupant leaves, its ticket answers 109', async () => {
    const keeper = await occupant(t, 'clock', 'Keeper');
    const poller = await occupant(t, 'clock', 'Poller', 'json');
    const idle = await occupant(t, 'clock', 'Idle');
    // The poller keeps its ticket with getMessages alone while the idle one's runs out.
    let polling = true;
    const polls = (async () => {
      let c = poller.entered.counter;
      while (polling) {
        c = (await poller.v1.getMessages(poller.entered.ticket, c)).counter;
        await sleep(400);
      }
    })();
    try {
      const left = await keeper.v1.observeUntil(
        keeper.entered.ticket,
        keeper.entered.counter,
        (m) => m.type === 'system:leave' && m.occupant_id === idle.entered.occupantId,
        15_000,
      );
      assert.ok(
        !left.messages.some((m) => m.type === 'system:leave' && m.occupant_id !== idle.entered.occupantId),
      );
      assert.ok(!left.occupants?.some((o) => o.id === idle.entered.occupantId), 'swept from the occupants');
      await assert.rejects(idle.v1.observe(idle.entered.ticket, left.counter), fails(109));
      await assert.rejects(idle.v1.say(idle.entered.ticket, 'still here?'), fails(109));
      await assert.rejects(idle.v1.getMessages(idle.entered.ticket, left.counter), fails(109));
      // Well past the ticket life, the observing and the polling tickets still work.
      let c = left.counter;
      for (const until = Date.now() + 2000; Date.now() < until;)
        c = (await keeper.v1.observe(keeper.entered.ticket, c)).counter ?? c;
      await keeper.v1.say(keeper.entered.ticket, 'tick');
      await poller.v1.say(poller.entered.ticket, 'tock');
    } finally {
      polling = false;
      await polls;
    }
  });

  it('a session without calls expires (102); one that keeps calling lives on', async () => {
    const quiet = new V1Client(t.url);
    const busy = new V1Client(t.url);
    await quiet.createSession();
    await busy.createSession();
    for (let i = 0; i < 7; i++) {
      await sleep(1000);
      assert.equal((await busy.call('session.verify', { session: busy.session })).status, 'ok');
    }
    await assert.rejects(quiet.ok('session.verify', { session: quiet.session }), fails(102));
    await assert.rejects(quiet.enter('clock', { nickname: 'Late' }), fails(102));
  });
});
