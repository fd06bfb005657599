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

describe('/metrics', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  const scrape = async () => {
    const res = await fetch(`${t.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return res.text();
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  it('counts events, deliveries and connections, in Prometheus text format', async () => {
    const alice = await signedIn(t, 'alice', ['vim']);
    const { counter } = await t.api('room/subscribe', { session: alice.session, room: 'vim' });
    const before = await scrape();
    assert.equal(value(before, 'lingr_connections{transport="longpoll"}'), 0);
    // The first observe brings alice online; the join written by the admin side may come before her
    // presence event, so observe until she is online: the next observe is then held.
    let seen = counter as number;
    for (let online = false; !online;) {
      const reply = await t.api('event/observe', { session: alice.session, counter: seen });
      seen = reply.counter as number;
      online = JSON.stringify(reply.events).includes('"status":"online"');
    }
    const held = t.api('event/observe', { session: alice.session, counter: seen });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(value(await scrape(), 'lingr_connections{transport="longpoll"}'), 1);
    await t.api('room/say', { session: alice.session, room: 'vim', text: 'counted' });
    await held;
    await t.api('event/observe', { session: alice.session, counter: counter as number });
    const after = await scrape();
    assert.ok((value(after, 'lingr_events_total') ?? 0) > (value(before, 'lingr_events_total') ?? 0));
    assert.ok((value(after, 'lingr_deliveries_total{transport="longpoll"}') ?? 0) >= 1);
    assert.match(after, /^lingr_fanout_lag_seconds_bucket\{le="0\.005"\} \d+/m);
    assert.match(after, /^nodejs_eventloop_lag_seconds /m);
    assert.equal(value(after, 'lingr_slow_reader_closes_total'), 0);
  });
});
