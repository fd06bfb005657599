import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type TestServer } from './support/server.js';
import { json, raw } from './support/raw-http.js';

/** Bad input gets a stable code and a readable detail; nothing reaches the store. */
describe('bad input', () => {
  let t: TestServer;
  let alice: { session: string; publicId: string };
  before(async () => {
    t = await startTestServer({ bodyLimit: '2048' });
    alice = await signedIn(t, 'alice', ['vim']);
    await t.admin.addRoom({ id: 'other', name: 'Other' });
  });
  after(() => t.stop());

  const say = (text: string) => t.api('room/say', { session: alice.session, room: 'vim', text });
  const code = async (r: Promise<Record<string, unknown>>) => {
    const body = await r;
    if (body.status === 'error') assert.equal(typeof body.detail, 'string');
    return body.code;
  };

  it('refuses invalid UTF-8 in the query and in a form body', async () => {
    const q = await raw(t.url, { path: `/api/room/say?session=${alice.session}&room=vim&text=%FF%FE` });
    assert.equal(json(q).code, 'invalid_parameter');
    const b = await raw(t.url, {
      method: 'POST',
      path: '/api/room/say',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.concat([
        Buffer.from(`session=${alice.session}&room=vim&text=`),
        Buffer.from([0xc3, 0x28]),
      ]),
    });
    assert.equal(json(b).code, 'invalid_parameter');
    const m = await raw(t.url, { path: `/api/room/say?session=${alice.session}&room=vim&text=%E3%81` });
    assert.equal(json(m).code, 'invalid_parameter');
  });

  it('refuses malformed percent-encoding and malformed JSON', async () => {
    const pct = await raw(t.url, { path: `/api/session/verify?session=%ZZ` });
    assert.equal(json(pct).code, 'invalid_parameter');
    const bad = await raw(t.url, {
      method: 'POST',
      path: '/api/session/verify',
      headers: { 'content-type': 'application/json' },
      body: '{"session": ',
    });
    assert.equal(json(bad).code, 'invalid_parameter');
    const list = await raw(t.url, {
      method: 'POST',
      path: '/api/session/verify',
      headers: { 'content-type': 'application/json' },
      body: '[1,2]',
    });
    assert.equal(json(list).code, 'invalid_parameter');
  });

  it('refuses a body over the limit', async () => {
    const r = await raw(t.url, {
      method: 'POST',
      path: '/api/room/say',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `session=${alice.session}&room=vim&text=${'a'.repeat(4000)}`,
    });
    assert.equal(r.status, 200);
    assert.equal(json(r).code, 'invalid_parameter');
  });

  it('refuses empty, blank and over-long text; 10,000 characters (counted as code points) pass', async () => {
    assert.equal(await code(t.api('room/say', { session: alice.session, room: 'vim' })), 'invalid_parameter');
    assert.equal(await code(say('   \n  ')), 'invalid_parameter');
    assert.equal(await code(say('x\u0000y')), 'invalid_parameter');
    const big = await startTestServer();
    try {
      const bob = await signedIn(big, 'bob', ['vim']);
      const bigSay = (text: string) =>
        raw(big.url, {
          method: 'POST',
          path: '/api/room/say',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ session: bob.session, room: 'vim', text }),
        }).then(json);
      assert.equal((await bigSay('a'.repeat(10_000))).status, 'ok');
      assert.equal((await bigSay('\u{1F600}'.repeat(10_000))).status, 'ok');
      assert.equal((await bigSay('a'.repeat(10_001))).code, 'invalid_parameter');
    } finally {
      await big.stop();
    }
  });

  it('refuses a missing room, an unknown room and a malformed nickname', async () => {
    assert.equal(await code(t.api('room/say', { session: alice.session, text: 'hi' })), 'invalid_parameter');
    assert.equal(
      await code(t.api('room/say', { session: alice.session, room: 'nowhere', text: 'hi' })),
      'not_found',
    );
    assert.equal(
      await code(t.api('room/show', { session: alice.session, room: 'vim,nowhere' })),
      'not_found',
    );
    assert.equal(
      await code(t.api('room/subscribe', { session: alice.session, room: 'nowhere' })),
      'not_found',
    );
    assert.equal(
      await code(t.api('room/get_archives', { session: alice.session, room: 'nowhere' })),
      'not_found',
    );
    assert.equal(await code(t.api('room/show', { session: alice.session })), 'invalid_parameter');
    for (const room of ['../etc', 'a b', 'x'.repeat(41), '<script>'])
      assert.equal(
        await code(t.api('room/show', { session: alice.session, room })),
        'invalid_parameter',
        room,
      );
    const long = 'n'.repeat(51);
    assert.equal(
      await code(t.api('room/say', { session: alice.session, room: 'vim', text: 'x', nickname: long })),
      'invalid_parameter',
    );
  });

  it('leaves the subscription set unchanged when one room of a subscribe is unknown', async () => {
    const { session } = await signedIn(t, 'carol', ['vim']);
    const { counter } = await t.api('room/subscribe', { session, room: 'vim' });
    assert.equal(
      await code(t.api('room/subscribe', { session, room: 'other,nowhere', reset: 'true' })),
      'not_found',
    );
    await t.api('room/say', { session: alice.session, room: 'vim', text: 'still subscribed' });
    const r = await t.api('event/observe', { session, counter: counter as number });
    const texts = (r.events as Array<{ message?: { text: string } }>).flatMap((e) =>
      e.message ? [e.message.text] : [],
    );
    assert.deepEqual(texts, ['still subscribed']);
  });

  it('refuses malformed counters, before, limit and message ids', async () => {
    const s = alice.session;
    for (const counter of ['abc', '-1', '1.5', '1e3'])
      assert.equal(await code(t.api('event/observe', { session: s, counter })), 'invalid_parameter', counter);
    assert.equal(
      await code(t.api('room/get_archives', { session: s, room: 'vim', before: 'x' })),
      'invalid_parameter',
    );
    assert.equal(
      await code(t.api('room/get_archives', { session: s, room: 'vim', limit: 'many' })),
      'invalid_parameter',
    );
    assert.equal(await code(t.api('favorite/add', { session: s, message: 'abc' })), 'invalid_parameter');
    assert.equal(await code(t.api('favorite/add', { session: s })), 'invalid_parameter');
  });

  it('answers invalid_session on every session endpoint without a live session', async () => {
    for (const method of [
      'session/verify',
      'session/set_presence',
      'user/get_rooms',
      'room/show',
      'room/get_archives',
      'room/subscribe',
      'room/unsubscribe',
      'room/say',
      'event/observe',
      'favorite/add',
      'favorite/remove',
    ]) {
      for (const session of [undefined, 'x'.repeat(24), 'y'.repeat(5000)]) {
        const params: Record<string, string> = {
          room: 'vim',
          text: 't',
          counter: '1',
          presence: 'online',
          message: '1',
        };
        if (session) params.session = session;
        assert.equal(await code(t.api(method, params)), 'invalid_session', `${method} ${session?.length}`);
      }
    }
  });
});
