import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent } from '../src/core/model.js';
import type { Bus, BusHealth, BusMessage, EventRepository } from '../src/core/ports.js';
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

describe('the event log, the store and the bus between processes', () => {
  const quietLog = { debug() {}, info() {}, warn() {}, error() {} };
  /** A bus whose health the test sets; it records nothing it is given to publish. */
  function testBus(reachesEveryProcess: boolean) {
    let watcher: ((h: BusHealth) => void) | undefined;
    let dropWatcher: ((m: readonly BusMessage[]) => void) | undefined;
    let health: BusHealth = { sending: true, hearing: true };
    const bus: Bus = {
      reachesEveryProcess,
      publish() {},
      subscribe() {},
      presence: async () => true,
      watchHealth(changed) {
        watcher = changed;
        changed(health);
      },
      onDropped(dropped) {
        dropWatcher = dropped;
      },
    };
    return {
      bus,
      set(h: BusHealth) {
        health = h;
        watcher?.(h);
      },
      drop: (messages: BusMessage[]) => dropWatcher?.(messages),
    };
  }
  /** The store's log in memory, recording what the log asks it to announce. */
  function announcingLog(ids: number[]) {
    const store = memoryLog(ids);
    const announcing: boolean[] = [];
    const announced: number[] = [];
    const repo: EventRepository = {
      ...store.repo,
      after: store.repo.after,
      announceWrites: (on) => announcing.push(on),
      announce: async (upTo) => {
        announced.push(upTo);
      },
    };
    return { ...store, repo, announcing, announced };
  }
  const logOn = (repo: EventRepository, bus: Bus) => {
    const log = new EventLog(repo, bus, quietLog, 10, 0, 100);
    const out: number[] = [];
    log.onEvent((e) => out.push(e.id));
    return { log, out };
  };

  it('reads at once what the store announces past its head, and nothing it already has', async () => {
    const store = memoryLog([11, 12]);
    const { log, out } = logOn(store.repo, testBus(true).bus);
    log.received([event(11)]);
    log.noticed(11);
    await settle();
    assert.equal(store.reads(), 0, 'nothing read for an event the bus brought');
    log.noticed(12);
    await settle();
    assert.deepEqual(out, [11, 12]);
    assert.equal(store.reads(), 1);
    log.noticed();
    await settle();
    assert.equal(store.reads(), 2, 'how far unknown: read');
  });

  it('keeps the store quiet while a bus that reaches every process sends, and has it announce otherwise', () => {
    const networked = testBus(true);
    const store = announcingLog([]);
    logOn(store.repo, networked.bus);
    assert.deepEqual(store.announcing, [false], 'quiet while the bus sends');
    networked.set({ sending: false, hearing: true });
    networked.set({ sending: true, hearing: true });
    assert.deepEqual(store.announcing, [false, true, false]);
    const local = announcingLog([]);
    logOn(local.repo, testBus(false).bus);
    assert.deepEqual(local.announcing, [true], 'a bus within one machine does not reach other nodes');
  });

  it('has the store announce the events the bus dropped, up to the last of them', async () => {
    const networked = testBus(true);
    const store = announcingLog([]);
    logOn(store.repo, networked.bus);
    networked.drop([{ kind: 'session', id: 's' }]);
    networked.drop([
      { kind: 'events', events: [event(14), event(15)] },
      { kind: 'renamed', userId: 1, name: 'x' },
      { kind: 'events', events: [event(16)] },
    ]);
    await settle();
    assert.deepEqual(store.announced, [16]);
  });

  it("is deaf while the bus cannot bring the others' events, and reads the store when it hears again", async () => {
    const networked = testBus(true);
    const store = memoryLog([11, 12]);
    const { log, out } = logOn(store.repo, networked.bus);
    assert.equal(log.deaf, false);
    networked.set({ sending: true, hearing: false });
    assert.equal(log.deaf, true);
    await settle();
    assert.equal(store.reads(), 0, 'the engine reads on its ticks while deaf');
    networked.set({ sending: true, hearing: true });
    await settle();
    assert.equal(log.deaf, false);
    assert.deepEqual(out, [11, 12], 'what was said while it could not hear');
  });
});
