import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openRedisBus, type RedisBus, type RedisBusOptions } from '../../src/bus/redis-bus.js';
import type { BusHealth, BusMessage } from '../../src/core/ports.js';
import { startRedis } from '../support/databases.js';
import { busContract } from './bus.contract.js';

const redis = await startRedis();
after(() => redis.destroy());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling every 20 ms; fails with `what` after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

/** Three nodes on the private Redis, each hearing into its own list; `prefix` keeps each test apart. */
async function nodes(prefix: string, options: (i: number) => RedisBusOptions = () => ({})) {
  const buses = await Promise.all(
    [0, 1, 2].map((i) => openRedisBus(redis.url, { nodeId: `${prefix}${i}`, prefix, ...options(i) })),
  );
  const heard = buses.map((bus) => {
    const list: BusMessage[] = [];
    bus.subscribe((m) => list.push(m));
    return list;
  });
  return { buses, heard };
}

const closeAll = (buses: RedisBus[]) => Promise.all(buses.map((b) => b.close()));

const offline = (heard: BusMessage[], userId: number) =>
  heard.filter((m) => m.kind === 'online' && m.userId === userId && !m.online).length;

busContract('Redis (three nodes)', async () => {
  const buses = await Promise.all(
    [1, 2, 3].map((i) => openRedisBus(redis.url, { nodeId: `contract-${i}`, prefix: 'contract:' })),
  );
  return { buses, close: async () => void (await closeAll(buses)) };
});

describe('Redis bus: node leases', () => {
  it('takes the users of a node whose lease ran out offline: one node reports them, the others hear it once', async () => {
    const leaseMs = 1000;
    const lost: number[][] = [[], [], []];
    const { buses, heard } = await nodes('lease:', (i) => ({
      leaseMs,
      onLost: (ids) => lost[i]!.push(...ids),
    }));
    const [a, b, c] = buses as [RedisBus, RedisBus, RedisBus];
    try {
      assert.equal(await a.presence(101, true), true);
      assert.equal(await a.presence(102, true), true);
      assert.equal(await b.presence(103, true), true);
      assert.equal(await a.presence(103, true), false, 'b holds 103 too');
      await sleep(50);
      for (const h of heard) h.length = 0;

      const crashedAt = Date.now();
      a.crash();
      await until(() => lost[1]!.length + lost[2]!.length >= 2, 3 * leaseMs, 'the users reported lost');
      const after = Date.now() - crashedAt;
      // The lease runs out at most leaseMs after the crash; a sweep comes every leaseMs / 2.
      assert.ok(after < 2 * leaseMs, `reported after ${after} ms`);
      await sleep(leaseMs); // a few sweeps more: nobody reports them again

      assert.deepEqual(lost[0], [], 'the crashed node reports nothing');
      assert.deepEqual([...lost[1]!, ...lost[2]!].sort(), [101, 102], 'reported once in all, never 103');
      const sweeper = lost[1]!.length > 0 ? 1 : 2;
      const other = 3 - sweeper;
      assert.deepEqual(lost[other], [], 'one sweeper took the whole node');
      for (const user of [101, 102]) {
        assert.equal(offline(heard[other]!, user), 1, `the other survivor heard ${user} offline once`);
        assert.equal(offline(heard[sweeper]!, user), 0, 'the sweeper does not hear its own message');
      }
      assert.equal(offline(heard[other]!, 103), 0);
      assert.equal(await b.presence(103, false), true, 'b was the last holder of 103');
      assert.equal(await c.presence(101, true), true, 'the ledger no longer counts the crashed node');
    } finally {
      await closeAll([b, c]);
    }
  });

  it('hands the users of a node that closes to the next sweep, unless another node holds them by then', async () => {
    const leaseMs = 4000;
    const lost: number[][] = [[], [], []];
    const { buses } = await nodes('leave:', (i) => ({ leaseMs, onLost: (ids) => lost[i]!.push(...ids) }));
    const [a, b, c] = buses as [RedisBus, RedisBus, RedisBus];
    try {
      await a.presence(111, true);
      await a.presence(112, true);
      assert.equal(await b.presence(112, true), false, 'a holds 112 as well');
      const closedAt = Date.now();
      await a.close();
      await until(() => lost[1]!.length + lost[2]!.length >= 1, leaseMs, 'the users reported lost');
      const after = Date.now() - closedAt;
      // A sweep comes every leaseMs / 2; the lease itself would have lasted at least 2 / 3 of leaseMs more.
      assert.ok(after < (leaseMs * 5) / 8, `a sweep took them after ${after} ms, not the lease's end`);
      await sleep(100);
      assert.deepEqual([...lost[1]!, ...lost[2]!], [111], 'b holds 112: it never went offline');
    } finally {
      await closeAll([b, c]);
    }
  });
});

describe('Redis bus: Redis restarts', () => {
  it('delivers and decides presence again within 5 s, with what each node held written back', async () => {
    const { buses, heard } = await nodes('restart:', () => ({ leaseMs: 3000 }));
    const [a, b, c] = buses as [RedisBus, RedisBus, RedisBus];
    const health: BusHealth[] = [];
    b.watchHealth((h) => health.push(h));
    const dropped: BusMessage[] = [];
    a.onDropped((messages) => dropped.push(...messages));
    try {
      assert.deepEqual(health, [{ sending: true, hearing: true }], 'told at once');
      assert.equal(await a.presence(201, true), true);
      await sleep(50);
      assert.equal(a.stats().connected, true);

      await redis.stop();
      await until(() => !a.stats().connected, 5000, 'the bus sees Redis gone');
      a.publish({ kind: 'session', id: 'while-down' }); // dropped, not thrown nor queued
      await assert.rejects(a.presence(202, true), /not connected/);
      await sleep(50);
      assert.ok(a.stats().dropped >= 1);
      assert.ok(
        dropped.some((m) => m.kind === 'session' && m.id === 'while-down'),
        'told what was dropped',
      );
      await until(() => !b.health().hearing && !b.health().sending, 5000, 'b sees Redis gone');

      await redis.start();
      const startedAt = Date.now();
      const again = (m: BusMessage) => m.kind === 'session' && m.id === 'again';
      await until(
        () => {
          a.publish({ kind: 'session', id: 'again' });
          return heard[1]!.some(again) && heard[2]!.some(again);
        },
        5000,
        'a message from a reaches b and c',
      );
      const took = Date.now() - startedAt;
      await until(() => b.health().sending && b.health().hearing, 5000, 'b healthy again');
      const last = health.at(-1);
      assert.deepEqual(last, { sending: true, hearing: true });
      assert.ok(
        health.some((h) => !h.hearing),
        `each change told once: ${JSON.stringify(health)}`,
      );
      for (let i = 1; i < health.length; i++) assert.notDeepEqual(health[i], health[i - 1]);
      assert.ok(took < 5000, `took ${took} ms`);
      for (const h of heard)
        assert.ok(!h.some((m) => m.kind === 'session' && m.id === 'while-down'), 'nothing was queued');

      // Redis lost everything; a wrote back what it holds (202 included, which Redis never heard of).
      assert.equal(await b.presence(201, true), false, 'a still holds 201');
      assert.equal(await c.presence(202, true), false, 'a holds 202 since it came back');
      assert.equal(await b.presence(203, true), true, 'a new change is decided');
      assert.equal(await b.presence(203, false), true);
      assert.equal(await a.presence(201, false), false, 'b holds 201 too');
      assert.equal(await b.presence(201, false), true);
      const stats = b.stats();
      assert.equal(stats.connected, true);
      assert.ok(stats.received > 0 && stats.maxLagMs >= stats.lastLagMs && stats.lastLagMs >= 0);
    } finally {
      await closeAll(buses);
    }
  });
});
