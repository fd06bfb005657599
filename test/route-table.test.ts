import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chooseGeneration, type ApiGeneration } from '../src/http/api-dispatch.js';
import { Params } from '../src/http/params.js';
import { startTestServer, type TestServer } from './support/server.js';

const generation = (name: 'v1' | 'v2', paths: string[]): ApiGeneration => ({
  name,
  methods: new Map(paths.map((p) => [p, async () => ({})])),
  ok: () => undefined,
  error: () => undefined,
});

describe('choosing the API generation of a call (spec 2.2)', () => {
  const v1 = generation('v1', ['session/create', 'room/say', 'room/enter']);
  const v2 = generation('v2', ['session/create', 'room/say', 'room/subscribe']);
  const params = (values: Record<string, string>) => new Params(new Map(Object.entries(values)));
  const choose = (path: string, host: string | undefined, values: Record<string, string>) =>
    chooseGeneration(
      [v1, v2].filter((g) => g.methods.has(path)),
      path,
      host,
      params(values),
    )?.name;

  it('takes the one generation that serves a path', () => {
    assert.equal(choose('room/enter', 'lingr.com', {}), 'v1');
    assert.equal(choose('room/subscribe', 'www.lingr.com', {}), 'v2');
  });

  it('then the host, then the session, then the parameters, else API 2.0', () => {
    assert.equal(choose('room/say', 'www.lingr.com', { room: 'vim' }), 'v1');
    assert.equal(choose('room/say', 'lingr.com', { ticket: 't' }), 'v2');
    assert.equal(choose('room/say', undefined, { session: 'ElevenChars', room: 'x' }), 'v1');
    assert.equal(choose('room/say', undefined, { session: 'TwentyFourCharacters1234' }), 'v2');
    assert.equal(choose('session/create', undefined, { user: 'ann' }), 'v2');
    assert.equal(choose('session/create', undefined, { api_key: 'k' }), 'v1');
    assert.equal(choose('room/say', undefined, { message: 'hi' }), 'v1');
    assert.equal(choose('room/say', undefined, { text: 'hi' }), 'v2');
    assert.equal(choose('room/say', undefined, {}), 'v2');
  });
});

describe('the route table answers without sockets (inject)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'ivy', password: 'password1' });
  });
  after(() => t.stop());

  it('serves the API, the pages and the health check through inject, as over HTTP', async () => {
    const { routes } = t.server;
    const created = await routes.inject({ url: '/api/session/create?user=ivy&password=password1' });
    assert.equal(created.status, 200);
    assert.match(String(created.headers['content-type']), /^application\/javascript/);
    const session = (JSON.parse(created.body) as { session: string }).session;
    const verified = await routes.inject({
      method: 'POST',
      url: '/api/session/verify',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `session=${session}`,
    });
    assert.equal((JSON.parse(verified.body) as { status: string }).status, 'ok');
    const page = await routes.inject({ url: '/' });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src/);
    const health = await routes.inject({ url: '/healthz' });
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
    const unknown = await routes.inject({ url: '/api/no/such/method' });
    assert.equal(unknown.status, 404);
    assert.equal((JSON.parse(unknown.body) as { code: string }).code, 'not_found');
  });
});
