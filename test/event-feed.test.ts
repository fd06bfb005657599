import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent } from '../src/core/model.js';
import type { Bus, EventRepository } from '../src/core/ports.js';
import { EventFeed } from '../src/engine/event-feed.js';
import { EventLog } from '../src/engine/event-log.js';

const event = (id: number): ChatEvent => ({
  id,
  roomId: 'r',
  createdAt: 0,
  fact: { kind: 'access', access: { isPublic: true, deleted: false, members: [] } },
});

/** The store's log, in memory; `failures` reads throw before reads work again. */
function memoryLog(ids: number[], failures = 0) {
  const log = ids.map(event);
  let reads = 0;
  const repo: Pick<EventRepository, 'after'> = {
    after: async (counter, limit) => {
      reads++;
      if (failures > 0) {
        failures--;
        throw new Error('the store is busy');
      }
      return log.filter((e) => e.id > counter).slice(0, limit);
    },
  };
  return { repo: repo as EventRepository, log, reads: () => reads };
}

function feedOn(repo: EventRepository, startAfter: number) {
  const out: number[] = [];
  const errors: unknown[] = [];
  const feed = new EventFeed(
    repo,
    startAfter,
    (e) => out.push(e.id),
    (err) => errors.push(err),
  );
  return { feed, out, errors };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('the event feed', () => {
  it('hands out events in counter order, once each, whatever order they arrive in', async () => {
    const { repo } = memoryLog([11, 12, 13, 14]);
    const { feed, out } = feedOn(repo, 10);
    feed.publish([event(11)]);
    feed.publish([event(11), event(12)]);
    feed.publish([event(14)]);
    feed.publish([event(13)]);
    await settle();
    assert.deepEqual(out, [11, 12, 13, 14]);
    assert.equal(feed.lastId, 14);
  });

  it('fills a gap from the store before anything after it goes out', async () => {
    const { repo } = memoryLog([11, 12, 13, 14, 15]);
    const { feed, out } = feedOn(repo, 10);
    feed.publish([event(14)]);
    feed.publish([event(15)]);
    await settle();
    assert.deepEqual(out, [11, 12, 13, 14, 15]);
  });

  it('picks up what another process wrote when asked to catch up', async () => {
    const { repo, log } = memoryLog([11]);
    const { feed, out } = feedOn(repo, 10);
    await feed.catchUp();
    log.push(event(12), event(13));
    await feed.catchUp();
    assert.deepEqual(out, [11, 12, 13]);
  });

  it('never gives up a gap after a failed read: it says so, and the next catch-up fills it', async () => {
    const { repo, reads } = memoryLog([11, 12, 13], 1);
    const { feed, out, errors } = feedOn(repo, 10);
    feed.publish([event(13)]);
    await settle();
    assert.deepEqual(out, []);
    assert.equal(errors.length, 1);
    assert.equal(feed.stale, true);
    // It waits for the next catch-up rather than spinning on the failing store.
    assert.equal(reads(), 1);
    await feed.catchUp();
    assert.deepEqual(out, [11, 12, 13]);
    assert.equal(feed.stale, false);
  });
});

describe('the event feed after a failed catch-up', () => {
  it('stays stale until a read succeeds, so the engine reads again on its next tick', async () => {
    const { repo } = memoryLog([11, 12], 2);
    const { feed, out } = feedOn(repo, 10);
    await feed.catchUp();
    assert.equal(feed.stale, true);
    await feed.catchUp();
    assert.equal(feed.stale, true);
    await feed.catchUp();
    assert.equal(feed.stale, false);
    assert.deepEqual(out, [11, 12]);
  });
});

describe('the event log told of a change by the store', () => {
  const quietLog = { debug() {}, info() {}, warn() {}, error() {} };
  const busThat = (reachesEveryProcess: boolean): Bus => ({
    reachesEveryProcess,
    publish() {},
    subscribe() {},
    presence: async () => true,
  });
  const logOn = (repo: EventRepository, bus: Bus) => {
    const log = new EventLog(repo, bus, quietLog, 10, 0, 100);
    const out: number[] = [];
    log.onEvent((e) => out.push(e.id));
    return { log, out };
  };

  it('waits for a bus that reaches every process to bring the events, and reads nothing', async () => {
    const store = memoryLog([11, 12]);
    const { log, out } = logOn(store.repo, busThat(true));
    log.noticed(12);
    log.received([event(11), event(12)]);
    log.noticed(12);
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(out, [11, 12]);
    assert.equal(store.reads(), 0, 'the store was not read for what the bus brought');
    log.stop();
  });

  it('stops waiting as soon as the bus brings what the store told of: no wake-up left for it', () => {
    const store = memoryLog([11, 12]);
    const { log } = logOn(store.repo, busThat(true));
    log.noticed(12);
    assert.equal(log.waitingForBus, true);
    log.received([event(11)]);
    assert.equal(log.waitingForBus, true, 'still waiting for 12');
    log.received([event(12)]);
    assert.equal(log.waitingForBus, false, 'nothing left to wake for');
    log.stop();
  });

  it('reads the store when the bus has not brought them after a moment', async () => {
    const store = memoryLog([11, 12]);
    const { log, out } = logOn(store.repo, busThat(true));
    log.noticed(12);
    await settle();
    assert.deepEqual(out, [], 'not at once');
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(out, [11, 12], 'the store filled what the bus never brought');
    assert.equal(store.reads(), 1);
    log.stop();
  });

  it('reads at once when the bus does not reach every process, or how far is unknown', async () => {
    const local = memoryLog([11]);
    const one = logOn(local.repo, busThat(false));
    one.log.noticed(11);
    await settle();
    assert.deepEqual(one.out, [11]);
    const unknown = memoryLog([11]);
    const two = logOn(unknown.repo, busThat(true));
    two.log.noticed();
    await settle();
    assert.deepEqual(two.out, [11]);
  });
});
