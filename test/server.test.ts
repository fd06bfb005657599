import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getJson, signedIn, startTestServer, type TestServer } from './support/server.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('the HTTP server', () => {
  let t: TestServer;
  let second: number;
  before(async () => {
    second = await freePort();
    t = await startTestServer({ secondPort: String(second) });
  });
  after(() => t.stop());

  it('serves every API path on the optional second port too', async () => {
    const { session } = await signedIn(t, 'alice', ['vim']);
    const r = await getJson(`http://127.0.0.1:${second}/api/user/get_rooms`, { session });
    assert.deepEqual(r, { status: 'ok', rooms: ['vim'] });
  });

  it('reports health on /healthz', async () => {
    const res = await fetch(`${t.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.counter, 'number');
    assert.equal(typeof body.held_observes, 'number');
  });

  it('answers unknown pages with a clean 404 and no stack trace', async () => {
    const res = await fetch(`${t.url}/no/such/page`);
    assert.equal(res.status, 404);
    const text = await res.text();
    assert.doesNotMatch(text, /at .*\.js:\d+/);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(text, /Not found/);
  });
});
