import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, signedIn, startTestServer, type Json, type TestServer } from './support/server.js';

interface Event {
  event_id: number;
  message?: Json;
  presence?: Json;
  membership?: Json;
}

const events = (r: Json) => r.events as Event[];
/**
 * Observes until the user's own online fact has come and returns the counter after it, so that the next
 * observe is held. The fact is written after the first observe starts, which on a loaded machine may take
 * longer than one hold.
 */
async function pastOwnOnline(
  t: TestServer,
  session: string,
  username: string,
  counter: number,
): Promise<number> {
  for (let tries = 0; tries < 10; tries++) {
    const r = await t.api('event/observe', { session, counter });
    counter = r.counter as number;
    if (events(r).some((e) => e.presence?.username === username && e.presence.status === 'online'))
      return counter;
  }
  throw new Error(`${username} never came online`);
}

const texts = (r: Json) => events(r).flatMap((e) => (e.message ? [e.message.text as string] : []));

describe('event/observe', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ observeHold: '1' });
  });
  after(() => t.stop());

  it('answers at once with the events after the counter, the sender own line included', async () => {
    const alice = await signedIn(t, 'alice', ['vim']);
    const { counter } = await t.api('room/subscribe', { session: alice.session, room: 'vim' });
    assert.equal(typeof counter, 'number');
    assert.ok((counter as number) > 0);
    const said = await t.api('room/say', { session: alice.session, room: 'vim', text: 'hello' });
    const r = await t.api('event/observe', { session: alice.session, counter: counter as number });
    assert.equal(r.status, 'ok');
    const got = events(r).filter((e) => e.message);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]?.message, (said as { message: Json }).message);
    assert.equal(got[0]?.message?.public_session_id, alice.publicId);
    assert.equal(r.counter, events(r).at(-1)?.event_id);
    for (const e of events(r)) {
      assert.equal(typeof e.event_id, 'number');
      assert.ok(e.event_id > (counter as number));
      assert.equal(['message', 'presence', 'membership'].filter((k) => k in e).length, 1);
    }
  });

  it('holds until a line is said, then delivers it to every subscriber', async () => {
    const alice = await signedIn(t, 'alice', ['holdroom']);
    const bob = await signedIn(t, 'bob', ['holdroom']);
    const { counter: c1 } = await t.api('room/subscribe', { session: alice.session, room: 'holdroom' });
    await t.api('room/subscribe', { session: bob.session, room: 'holdroom' });
    const from = await pastOwnOnline(t, bob.session, 'bob', c1 as number);
    const held = t.api('event/observe', { session: bob.session, counter: from });
    await new Promise((r) => setTimeout(r, 150));
    await t.api('room/say', { session: alice.session, room: 'holdroom', text: 'ping' });
    const r = await held;
    assert.deepEqual(texts(r), ['ping']);
  });

  it('answers an empty hold with the same counter and an empty list', async () => {
    const carol = await signedIn(t, 'carol', ['quiet']);
    const { counter } = await t.api('room/subscribe', { session: carol.session, room: 'quiet' });
    const c = await pastOwnOnline(t, carol.session, 'carol', counter as number);
    const started = Date.now();
    const r = await t.api('event/observe', { session: carol.session, counter: c });
    assert.deepEqual(r, { status: 'ok', counter: c, events: [] });
    assert.ok(Date.now() - started >= 900, 'the request was held for the configured hold');
  });

  it('treats a counter above the current one as the current one', async () => {
    const dave = await signedIn(t, 'dave', ['future']);
    await t.api('room/subscribe', { session: dave.session, room: 'future' });
    const r = await t.api('event/observe', { session: dave.session, counter: 99_999_999 });
    assert.equal(r.status, 'ok');
    assert.ok((r.counter as number) < 99_999_999);
    // Only what happens from now on (here: dave coming online) is delivered.
    assert.deepEqual(texts(r), []);
    for (const e of events(r)) assert.equal(e.presence?.username, 'dave');
  });

  it('resumes: lines said while the observer was away come back once each, in order', async () => {
    const alice = await signedIn(t, 'alice', ['resume']);
    const bob = await signedIn(t, 'bob', ['resume']);
    const { counter } = await t.api('room/subscribe', { session: bob.session, room: 'resume' });
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
    for (const text of lines) await t.api('room/say', { session: alice.session, room: 'resume', text });
    const seen: string[] = [];
    const ids = new Set<number>();
    let c = counter as number;
    while (seen.length < lines.length) {
      const r = await t.api('event/observe', { session: bob.session, counter: c });
      assert.ok(events(r).length > 0, 'no events while lines remain');
      for (const e of events(r)) {
        assert.ok(!ids.has(e.event_id), `event ${e.event_id} twice`);
        ids.add(e.event_id);
      }
      seen.push(...texts(r));
      c = r.counter as number;
    }
    assert.deepEqual(seen, lines);
    // Re-sending the old counter (a lost reply) legitimately returns the same events again.
    const again = await t.api('event/observe', { session: bob.session, counter: counter as number });
    assert.deepEqual(texts(again), lines);
  });

  it('gives at most 100 events per reply', async () => {
    const erin = await signedIn(t, 'erin', ['flood']);
    const { counter } = await t.api('room/subscribe', { session: erin.session, room: 'flood' });
    for (let i = 0; i < 50; i++)
      await t.api('room/say', { session: erin.session, room: 'flood', text: `a${i}` });
    const frank = await signedIn(t, 'frank', ['flood']);
    for (let i = 0; i < 55; i++)
      await t.api('room/say', { session: frank.session, room: 'flood', text: `b${i}` });
    const r = await t.api('event/observe', { session: erin.session, counter: counter as number });
    assert.equal(events(r).length, 100);
    const rest = await t.api('event/observe', { session: erin.session, counter: r.counter as number });
    assert.ok(events(rest).length >= 5);
  });

  it('delivers to two sessions of the same user', async () => {
    const one = await signedIn(t, 'gina', ['twin']);
    const two = await signedIn(t, 'gina');
    const { counter: c1 } = await t.api('room/subscribe', { session: one.session, room: 'twin' });
    const { counter: c2 } = await t.api('room/subscribe', { session: two.session, room: 'twin' });
    await t.api('room/say', { session: one.session, room: 'twin', text: 'to both' });
    const [r1, r2] = await Promise.all([
      t.api('event/observe', { session: one.session, counter: c1 as number }),
      t.api('event/observe', { session: two.session, counter: c2 as number }),
    ]);
    assert.ok(texts(r1).includes('to both'));
    assert.ok(texts(r2).includes('to both'));
  });

  it('delivers only the subscribed rooms, each event once even when subscribed twice', async () => {
    const hank = await signedIn(t, 'hank', ['r_one', 'r_two']);
    const { counter } = await t.api('room/subscribe', {
      session: hank.session,
      room: 'r_one,r_one',
      rooms: 'r_one',
    });
    await t.api('room/say', { session: hank.session, room: 'r_two', text: 'elsewhere' });
    await t.api('room/say', { session: hank.session, room: 'r_one', text: 'here' });
    const r = await t.api('event/observe', { session: hank.session, counter: counter as number });
    assert.deepEqual(texts(r), ['here']);
    const un = await t.api('room/unsubscribe', { session: hank.session, room: 'r_one' });
    assert.equal(un.status, 'ok');
    assert.equal(typeof un.counter, 'number');
    await t.api('room/say', { session: hank.session, room: 'r_one', text: 'unheard' });
    const after = await t.api('event/observe', { session: hank.session, counter: un.counter as number });
    assert.deepEqual(texts(after), []);
  });

  it('delivers membership events when someone joins by the command line, at once', async () => {
    const ivan = await signedIn(t, 'ivan', ['club']);
    const { counter } = await t.api('room/subscribe', { session: ivan.session, room: 'club' });
    await t.admin.addUser({ username: 'judy', password: 'password1', name: 'Judy' });
    const held = t.api('event/observe', { session: ivan.session, counter: counter as number });
    await t.admin.join('club', 'judy');
    const r = await held;
    const joined = events(r).find((e) => e.membership?.username === 'judy');
    assert.ok(joined, JSON.stringify(r));
    assert.equal(joined.membership?.username, 'judy');
    assert.equal(joined.membership?.action, 'join');
    assert.equal(joined.membership?.is_owner, false);
    const shown = await t.api('room/show', { session: ivan.session, room: 'club' });
    const members = (shown.rooms as Array<{ roster: { members: Json[] } }>)[0]?.roster.members ?? [];
    assert.ok(members.some((m) => m.username === 'judy'));
  });

  it('refuses a missing or malformed counter and a dead session', async () => {
    const kim = await signedIn(t, 'kim', ['x1']);
    assert.equal((await t.api('event/observe', { session: kim.session })).code, 'invalid_parameter');
    assert.equal(
      (await t.api('event/observe', { session: kim.session, counter: 'abc' })).code,
      'invalid_parameter',
    );
    assert.equal((await t.api('event/observe', { session: 'nope', counter: 1 })).code, 'invalid_session');
  });

  it('answers a held observe of a destroyed session and then refuses it', async () => {
    const lee = await signedIn(t, 'lee', ['x2']);
    const { counter } = await t.api('room/subscribe', { session: lee.session, room: 'x2' });
    const first = await t.api('event/observe', { session: lee.session, counter: counter as number });
    const held = t.api('event/observe', { session: lee.session, counter: first.counter as number });
    await new Promise((r) => setTimeout(r, 100));
    await t.api('session/destroy', { session: lee.session });
    const r = await held;
    assert.equal(r.status, 'ok');
    await eventually(async () =>
      assert.equal(
        (await t.api('event/observe', { session: lee.session, counter: 1 })).code,
        'invalid_session',
      ),
    );
  });
});
