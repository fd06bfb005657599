import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startPostgres, startRedis, type PrivatePostgres, type PrivateRedis } from './support/databases.js';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { texts, type Reply } from './support/streams.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP path to Redis that the test can cut (every connection dropped, new ones refused at once) and mend,
 * while Redis itself stays up for the other nodes.
 */
async function redisLink(redisPort: number) {
  let open = true;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(redisPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    mend() {
      open = true;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/**
 * Faults across nodes on one PostgreSQL and one Redis, each counted by a ledger of the lines every
 * observer received: lost, duplicated and out of order must all be 0.
 */
describe('faults across nodes', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  const nodes: ServerProcess[] = [];
  const shared = () => ['--database', pg.url, '--redis', redis.url];
  const call = async (node: ServerProcess, method: string, params: Record<string, string | number>) =>
    getJson(`${node.url}/api/${method}`, params);
  const signIn = async (node: ServerProcess, user: string) => {
    const created = await call(node, 'session/create', { user, password: 'password1' });
    assert.equal(created.status, 'ok', JSON.stringify(created));
    return created.session as string;
  };
  const lingr = (...args: string[]) => {
    const r = runLingr([...args, ...shared()]);
    assert.equal(r.status, 0, `lingr ${args.join(' ')}: ${r.stderr}`);
  };

  /** An observer that long-polls the nodes in `order`, moving to the next one whenever a node fails. */
  function observer(session: string, counter: number, order: () => ServerProcess[]) {
    const got: string[] = [];
    let stop = false;
    const done = (async () => {
      let at = counter;
      let i = 0;
      while (!stop) {
        const live = order();
        const node = live[i % live.length] as ServerProcess;
        try {
          const reply = (await call(node, 'event/observe', { session, counter: at })) as unknown as Reply & {
            status: string;
          };
          // An error (the store away, say) keeps the counter: the client asks again from the same place.
          if (reply.status !== 'ok') throw new Error(JSON.stringify(reply));
          got.push(...texts([reply]));
          at = reply.counter;
        } catch {
          i++;
          await sleep(100);
        }
      }
    })();
    return {
      got,
      async stop() {
        stop = true;
        await done;
      },
    };
  }

  /** Lost, duplicated and out-of-order lines of `expected` in what an observer got. */
  function ledger(expected: readonly string[], got: readonly string[]) {
    const wanted = new Set(expected);
    const mine = got.filter((t) => wanted.has(t));
    const lost = expected.filter((t) => !mine.includes(t)).length;
    const duplicated = mine.length - new Set(mine).size;
    const positions = [...new Set(mine)].map((t) => expected.indexOf(t));
    const outOfOrder = positions.filter((p, k) => k > 0 && p < (positions[k - 1] as number)).length;
    return { lost, duplicated, outOfOrder };
  }

  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    lingr('user', 'add', 'speaker', '--password', 'password1');
    lingr('room', 'add', 'ops', '--name', 'Ops', '--owner', 'speaker');
    for (const user of ['obs1', 'obs2', 'gone']) {
      lingr('user', 'add', user, '--password', 'password1');
      lingr('room', 'join', 'ops', user);
    }
    nodes.push(
      ...(await Promise.all(
        [0, 1, 2].map(() => spawnServer(tempDataDir(), [...shared(), '--presence-grace', '2'])),
      )),
    );
  });
  after(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await Promise.all([pg?.destroy(), redis?.destroy()]);
  });

  it('a node killed in the middle of a burst: its observers resume on another node, nothing lost', async () => {
    const [a, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const speaker = await signIn(b, 'speaker');
    const watchers = [];
    for (const user of ['obs1', 'obs2']) {
      const session = await signIn(a, user);
      const { counter } = (await call(a, 'room/subscribe', { session, room: 'ops' })) as Json & {
        counter: number;
      };
      // Each observer starts on A; when A is gone it goes on to C.
      watchers.push(observer(session, counter, () => (a.child.exitCode === null ? [a, c] : [c])));
    }
    const lines = Array.from({ length: 60 }, (_, i) => `burst ${i}`);
    for (const [i, text] of lines.entries()) {
      if (i === 20) a.child.kill('SIGKILL');
      const said = await call(b, 'room/say', { session: speaker, room: 'ops', text });
      assert.equal(said.status, 'ok');
      await sleep(10);
    }
    await sleep(3000);
    for (const w of watchers) {
      await w.stop();
      assert.deepEqual(ledger(lines, w.got), { lost: 0, duplicated: 0, outOfOrder: 0 });
    }
  });

  it('takes offline, exactly once, the users only a dead node held', async () => {
    const [, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    // A fourth node that "gone" observes on, then dies.
    const d = await spawnServer(tempDataDir(), [...shared(), '--presence-grace', '2']);
    nodes.push(d);
    const watcher = await signIn(c, 'obs1');
    const { counter } = (await call(c, 'room/subscribe', { session: watcher, room: 'ops' })) as Json & {
      counter: number;
    };
    const gone = await signIn(d, 'gone');
    await call(d, 'room/subscribe', { session: gone, room: 'ops' });
    const held = call(d, 'event/observe', { session: gone, counter: 99_999_999 }).catch(() => undefined);
    await sleep(500);
    d.child.kill('SIGKILL');
    void held;
    // The lease (10 s) runs out, one node sweeps it and announces; collect what the watcher sees.
    const presence: Json[] = [];
    let at = counter;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const reply = (await call([b, c][presence.length % 2] as ServerProcess, 'event/observe', {
        session: watcher,
        counter: at,
      })) as unknown as Reply;
      at = reply.counter;
      for (const e of reply.events)
        if (e.presence && e.presence.username === 'gone') presence.push(e.presence);
      if (presence.some((p) => p.status === 'offline') && Date.now() > until - 20_000) break;
    }
    const offline = presence.filter((p) => p.status === 'offline');
    assert.equal(offline.length, 1, JSON.stringify(presence));
  });

  it('Redis restarted: delivery goes on, nothing lost, no node restarted', async () => {
    const [, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const speaker = await signIn(b, 'speaker');
    const session = await signIn(c, 'obs2');
    const { counter } = (await call(c, 'room/subscribe', { session, room: 'ops' })) as Json & {
      counter: number;
    };
    const w = observer(session, counter, () => [c]);
    const lines = Array.from({ length: 30 }, (_, i) => `redis ${i}`);
    for (const [i, text] of lines.entries()) {
      if (i === 10) await redis.stop();
      if (i === 20) await redis.start();
      const said = await call(b, 'room/say', { session: speaker, room: 'ops', text });
      assert.equal(said.status, 'ok', JSON.stringify(said));
      await sleep(50);
    }
    // Within 5 s of Redis's return, a line goes through.
    const after = Date.now();
    await call(b, 'room/say', { session: speaker, room: 'ops', text: 'redis is back' });
    while (!w.got.includes('redis is back') && Date.now() - after < 5000) await sleep(50);
    await w.stop();
    assert.ok(w.got.includes('redis is back'), 'delivered within 5 s of Redis returning');
    assert.deepEqual(ledger(lines, w.got), { lost: 0, duplicated: 0, outOfOrder: 0 });
  });

  it('a node cut off from Redis serves what it can and catches up from the store; nothing lost', async () => {
    const [, b] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const link = await redisLink(redis.port);
    const d = await spawnServer(tempDataDir(), [
      '--database',
      pg.url,
      '--redis',
      `redis://127.0.0.1:${link.port}`,
      '--presence-grace',
      '2',
    ]);
    try {
      const onB = observerAt(b, await signIn(b, 'obs1'));
      const onD = observerAt(d, await signIn(d, 'obs2'));
      const [wB, wD] = [observer(...(await onB)), observer(...(await onD))];
      const fromB = await signIn(b, 'speaker');
      const fromD = await signIn(d, 'speaker');
      const lines = Array.from({ length: 12 }, (_, i) => `cut ${i}`);
      const cutOff = lines.slice(4, 8);
      for (const [i, text] of lines.entries()) {
        if (i === 4) link.cut();
        if (i === 8) {
          // Before Redis is back for it: each side has what the other said meanwhile, through the store.
          const waitedFrom = Date.now();
          const both = () => cutOff.every((t) => wB.got.includes(t) && wD.got.includes(t));
          while (!both() && Date.now() - waitedFrom < 5000) await sleep(50);
          assert.ok(
            both(),
            `during the cut: B got ${JSON.stringify(wB.got)}, D got ${JSON.stringify(wD.got)}`,
          );
          link.mend();
        }
        // Turn about: lines said on the node cut off and on one that is not.
        const [node, session] = i % 2 === 0 ? [d, fromD] : [b, fromB];
        const said = await call(node, 'room/say', { session, room: 'ops', text });
        assert.equal(said.status, 'ok', JSON.stringify(said));
        await sleep(150);
      }
      const start = Date.now();
      const all = (got: string[]) => lines.every((t) => got.includes(t));
      while (!(all(wB.got) && all(wD.got)) && Date.now() - start < 10_000) await sleep(50);
      await Promise.all([wB.stop(), wD.stop()]);
      assert.deepEqual(
        ledger(lines, wB.got),
        { lost: 0, duplicated: 0, outOfOrder: 0 },
        'on a node with Redis',
      );
      assert.deepEqual(
        ledger(lines, wD.got),
        { lost: 0, duplicated: 0, outOfOrder: 0 },
        'on the node cut off',
      );
    } finally {
      d.child.kill('SIGKILL');
      await d.exited;
      link.close();
    }

    async function observerAt(node: ServerProcess, session: string) {
      const { counter } = (await call(node, 'room/subscribe', { session, room: 'ops' })) as Json & {
        counter: number;
      };
      return [session, counter, () => [node]] as const;
    }
  });

  it('PostgreSQL stopped: a say gets an error, never ok for a line not stored; service returns by itself', async () => {
    const [, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const speaker = await signIn(b, 'speaker');
    const session = await signIn(c, 'obs1');
    const { counter } = (await call(c, 'room/subscribe', { session, room: 'ops' })) as Json & {
      counter: number;
    };
    const w = observer(session, counter, () => [c]);
    await call(b, 'room/say', { session: speaker, room: 'ops', text: 'before the outage' });
    await pg.stop();
    const during = await call(b, 'room/say', {
      session: speaker,
      room: 'ops',
      text: 'during the outage',
    }).catch((err: unknown) => ({ status: 'error', detail: String(err) }));
    assert.notEqual(during.status, 'ok', 'no ok for a line that is not stored');
    await pg.start();
    const back = Date.now();
    let said: Json = { status: 'error' };
    while (said.status !== 'ok' && Date.now() - back < 10_000) {
      said = await call(b, 'room/say', { session: speaker, room: 'ops', text: 'after the outage' }).catch(
        () => ({ status: 'error' }),
      );
      if (said.status !== 'ok') await sleep(250);
    }
    assert.equal(said.status, 'ok', 'service returned within 10 s');
    while (!w.got.includes('after the outage') && Date.now() - back < 15_000) await sleep(50);
    await w.stop();
    assert.ok(w.got.includes('before the outage'));
    assert.ok(w.got.includes('after the outage'));
    assert.ok(!w.got.includes('during the outage'), 'the refused line never appears');
  });

  it('a change made with the command line reaches every live node at once', async () => {
    const [, b, c] = nodes as [ServerProcess, ServerProcess, ServerProcess];
    const session = await signIn(b, 'obs2');
    const { counter } = (await call(b, 'room/subscribe', { session, room: 'ops' })) as Json & {
      counter: number;
    };
    lingr('user', 'add', 'latecomer', '--password', 'password1');
    lingr('room', 'join', 'ops', 'latecomer');
    let joined = false;
    let at = counter;
    const start = Date.now();
    while (!joined && Date.now() - start < 5000) {
      const reply = (await call(b, 'event/observe', { session, counter: at })) as unknown as Reply;
      at = reply.counter;
      joined = reply.events.some((e) => e.membership?.username === 'latecomer');
    }
    assert.ok(joined, 'the join reached node B');
    const other = await signIn(c, 'latecomer');
    const shown = await call(c, 'room/show', { session: other, room: 'ops' });
    assert.equal(shown.status, 'ok');
  });
});
