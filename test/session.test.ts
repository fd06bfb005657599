import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

describe('session endpoints', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
  });
  after(() => t.stop());

  it('session/create answers the session shape clients need', async () => {
    const r = await t.api('session/create', { user: 'alice', password: 'password1', app_key: 'abc123' });
    assert.equal(r.status, 'ok');
    assert.equal(typeof r.session, 'string');
    assert.match(r.session as string, /^[A-Za-z0-9]{24}$/);
    assert.match(r.public_id as string, /^[A-Za-z0-9]{6,10}$/);
    assert.equal(r.nickname, 'Alice');
    assert.deepEqual(r.user, { username: 'alice', name: 'Alice' });
  });

  it('session/create refuses a wrong password, an unknown user and missing credentials', async () => {
    const attempts: Array<Record<string, string>> = [
      { user: 'alice', password: 'wrong-password' },
      { user: 'nobody', password: 'password1' },
      { user: 'alice' },
    ];
    for (const params of attempts) {
      const r = await t.api('session/create', params);
      assert.equal(r.status, 'error');
      assert.equal(r.code, 'invalid_user_credentials');
      assert.equal(typeof r.detail, 'string');
    }
    // With no user at all, session/create is API 1.0's (spec 2.2), which wants an api_key.
    const v1 = await fetch(`${t.url}/api/session/create`);
    assert.match(v1.headers.get('content-type') ?? '', /^text\/xml/);
    assert.match(await v1.text(), /<status>fail<\/status><error><code>199<\/code>/);
  });

  it('session/verify answers like create and refuses dead sessions', async () => {
    const { session, publicId } = await signedIn(t, 'alice');
    const r = await t.api('session/verify', { session });
    assert.equal(r.status, 'ok');
    assert.equal(r.session, session);
    assert.equal(r.public_id, publicId);
    assert.equal(r.nickname, 'Alice');
    assert.deepEqual(r.user, { username: 'alice', name: 'Alice' });
    const dead = await t.api('session/verify', { session: 'x'.repeat(24) });
    assert.equal(dead.code, 'invalid_session');
  });

  it('session/destroy ends the session and is idempotent', async () => {
    const { session } = await signedIn(t, 'alice');
    assert.deepEqual(await t.api('session/destroy', { session }), { status: 'ok' });
    assert.equal((await t.api('session/verify', { session })).code, 'invalid_session');
    assert.deepEqual(await t.api('session/destroy', { session }), { status: 'ok' });
    assert.deepEqual(await t.api('session/destroy', {}), { status: 'ok' });
  });

  it('session/set_presence changes the nickname and refuses unknown presence values', async () => {
    const { session } = await signedIn(t, 'alice');
    assert.deepEqual(await t.api('session/set_presence', { session, presence: 'online', nickname: 'Al' }), {
      status: 'ok',
    });
    assert.equal((await t.api('session/verify', { session })).nickname, 'Al');
    const bad = await t.api('session/set_presence', { session, presence: 'away' });
    assert.equal(bad.code, 'invalid_parameter');
    const missing = await t.api('session/set_presence', { session });
    assert.equal(missing.code, 'invalid_parameter');
  });
});
