import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

/** Validation beyond the request encodings (see bad-input.test.ts): ids, numbers, nicknames, text. */
describe('parameter validation', () => {
  let t: TestServer;
  let alice: { session: string; publicId: string };
  before(async () => {
    t = await startTestServer();
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

  it('refuses text with control characters other than tab and newline', async () => {
    assert.equal(await code(say('x\u0000y')), 'invalid_parameter');
    assert.equal(await code(say('bell\u0007')), 'invalid_parameter');
    assert.equal((await say('tab\tand\nnewline')).status, 'ok');
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
    assert.equal(await code(t.api('session/verify', { session: 'y'.repeat(5000) })), 'invalid_session');
  });
});
