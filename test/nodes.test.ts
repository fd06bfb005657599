import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPostgres, startRedis, type PrivatePostgres, type PrivateRedis } from './support/databases.js';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { openSocket, openSse, texts, until, type Reply } from './support/streams.js';

/**
 * Three nodes on one PostgreSQL and one Redis, each its own `lingr serve` process: a line said on one
 * reaches observers on the others over every transport, and a client moves freely between nodes.
 */
describe('three nodes on PostgreSQL and Redis', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  const nodes: ServerProcess[] = [];
  const shared = () => ['--database', pg.url, '--redis', redis.url];
  const api = (node: ServerProcess, method: string, params: Record<string, string | number> = {}) =>
    getJson(`${node.url}/api/${method}`, params);
  const signIn = async (node: ServerProcess, user: string) => {
    const created = await api(node, 'session/create', { user, password: 'password1' });
    assert.equal(created.status, 'ok', JSON.stringify(created));
    return created.session as string;
  };

  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    for (const args of [
      ['user', 'add', 'alice', '--password', 'password1', '--name', 'Alice'],
      ['user', 'add', 'bob', '--password', 'password1'],
      ['user', 'add', 'carol', '--password', 'password1'],
      ['room', 'add', 'vim', '--name', 'Vim', '--owner', 'alice'],
      ['room', 'join', 'vim', 'bob'],
      ['room', 'join', 'vim', 'carol'],
    ]) {
      const r = runLingr([...args, ...shared()]);
      assert.equal(r.status, 0, `lingr ${args.join(' ')}: ${r.stderr}`);
    }
    // Three nodes starting at the same moment: migrations must not collide.
    nodes.push(...(await Promise.all([0, 1, 2].map(() => spawnServer(tempDataDir(), shared())))));
  });
  after(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await Promise.all([pg?.destroy(), redis?.destroy()]);
  });

  it('delivers a line said on one node to long poll, SSE and WebSocket observers on the others', async () => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const alice = await signIn(a, 'alice');
    const bob = await signIn(b, 'bob');
    const carol = await signIn(c, 'carol');
    const counters: number[] = [];
    for (const [node, session] of [
      [b, bob],
      [c, carol],
    ] as const) {
      const sub = await api(node, 'room/subscribe', { session, room: 'vim' });
      counters.push(sub.counter as number);
    }
    // Long poll on B, observe after observe (presence lines come first), until the line arrives.
    const polled: Reply[] = [];
    const polling = (async () => {
      let at = counters[0] as number;
      for (let i = 0; i < 10 && !texts(polled).includes('across the nodes'); i++) {
        const reply = (await api(b, 'event/observe', { session: bob, counter: at })) as unknown as Reply;
        polled.push(reply);
        at = reply.counter;
      }
    })();
    const sse = openSse(`${b.url}/api/event/stream?session=${carol}&counter=${counters[1] as number}`);
    const ws = openSocket(
      `${c.url.replace('http', 'ws')}/api/event/ws?session=${carol}&counter=${counters[1] as number}`,
    );
    await Promise.all([sse.opened, ws.opened]);
    const said = await api(a, 'room/say', { session: alice, room: 'vim', text: 'across the nodes' });
    assert.equal(said.status, 'ok');
    await polling;
    assert.deepEqual(texts(polled), ['across the nodes']);
    await until(() => sse.texts().includes('across the nodes'));
    await until(() => texts(ws.replies).includes('across the nodes'));
    sse.close();
    ws.ws.close();
  });

  it('lets a client take its counter to another node and get every later line once, in order', async () => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const alice = await signIn(a, 'alice');
    const bob = await signIn(b, 'bob');
    const { counter } = (await api(b, 'room/subscribe', { session: bob, room: 'vim' })) as Json & {
      counter: number;
    };
    const lines = Array.from({ length: 12 }, (_, i) => `moving ${i}`);
    for (const [i, text] of lines.entries())
      await api([a, b, c][i % 3] as ServerProcess, 'room/say', { session: alice, room: 'vim', text });
    // Each observe goes to the next node with the counter the last one gave.
    const seen: string[] = [];
    let at = counter;
    for (let hop = 0; seen.length < lines.length && hop < 20; hop++) {
      const reply = (await api([a, b, c][hop % 3] as ServerProcess, 'event/observe', {
        session: bob,
        counter: at,
      })) as unknown as Reply;
      seen.push(...texts([reply]));
      at = reply.counter;
    }
    assert.deepEqual(seen, lines);
  });

  it("shows the bus between nodes and the feed's reads of the store in each node's /metrics", async () => {
    const text = await (await fetch(`${(nodes[1] as ServerProcess).url}/metrics`)).text();
    assert.match(text, /^lingr_bus_connected 1$/m);
    assert.match(text, /^lingr_bus_messages_total\{direction="received"\} [1-9]\d*$/m);
    assert.match(text, /^lingr_bus_lag_seconds\{which="max"\} [\d.e-]+$/m);
    assert.match(text, /^lingr_feed_fills_total \d+$/m);
    assert.match(text, /^lingr_feed_fill_seconds_total [\d.e-]+$/m);
  });

  it('shares limits: failed sign-ins counted on one node count on the others', async () => {
    // Ten wrong passwords for one account from one address (the default limit), spread over the nodes.
    for (let i = 0; i < 10; i++) {
      const reply = await api(nodes[i % 3] as ServerProcess, 'session/create', {
        user: 'carol',
        password: 'wrong',
      });
      assert.equal(reply.code, 'invalid_user_credentials', JSON.stringify(reply));
    }
    for (const node of nodes) {
      const refused = await api(node, 'session/create', { user: 'carol', password: 'password1' });
      assert.equal(refused.code, 'rate_limited', 'every node refuses the eleventh try');
    }
  });

  it('runs a node with --workers 2 beside the others: lines cross between its workers and the nodes', async () => {
    const [a] = nodes as [ServerProcess];
    const node = await spawnServer(tempDataDir(), [...shared(), '--workers', '2']);
    nodes.push(node);
    const alice = await signIn(a, 'alice');
    const bob = await signIn(node, 'bob');
    const { counter } = (await api(node, 'room/subscribe', { session: bob, room: 'vim' })) as Json & {
      counter: number;
    };
    // Several calls, so both workers of the node answer some of them.
    const lines = ['to the workers 1', 'to the workers 2', 'to the workers 3'];
    for (const text of lines) await api(a, 'room/say', { session: alice, room: 'vim', text });
    const seen: string[] = [];
    let at = counter;
    for (let i = 0; i < 10 && seen.length < lines.length; i++) {
      const reply = (await api(node, 'event/observe', { session: bob, counter: at })) as unknown as Reply;
      seen.push(...texts([reply]).filter((t) => t.startsWith('to the workers')));
      at = reply.counter;
    }
    assert.deepEqual(seen, lines);
    const back = await api(node, 'room/say', { session: bob, room: 'vim', text: 'from a worker' });
    assert.equal(back.status, 'ok');
  });
});
