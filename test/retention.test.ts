import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, signedIn, startTestServer, type TestServer } from './support/server.js';

describe('event retention', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ eventRetention: '1' });
  });
  after(() => t.stop());

  it('a counter older than the retained log gets invalid_counter; a fresh subscribe recovers', async () => {
    const alice = await signedIn(t, 'alice', ['old']);
    const { counter } = await t.api('room/subscribe', { session: alice.session, room: 'old' });
    await t.api('room/say', { session: alice.session, room: 'old', text: 'soon pruned' });
    await t.api('room/say', { session: alice.session, room: 'old', text: 'also pruned' });
    const stale = await eventually(async () => {
      const r = await t.api('event/observe', { session: alice.session, counter: counter as number });
      assert.equal(r.code, 'invalid_counter');
      return r;
    }, 10_000);
    assert.equal(typeof stale.detail, 'string');
    const fresh = await t.api('room/subscribe', { session: alice.session, room: 'old' });
    assert.equal(fresh.status, 'ok');
    await t.api('room/say', { session: alice.session, room: 'old', text: 'new line' });
    const r = await t.api('event/observe', { session: alice.session, counter: fresh.counter as number });
    assert.equal(r.status, 'ok');
    // Messages themselves are kept for good: the archive still has the old lines.
    const archived = await t.api('room/get_archives', { session: alice.session, room: 'old' });
    assert.equal((archived.messages as unknown[]).length, 3);
  });
});
