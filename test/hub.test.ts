import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatEvent } from '../src/core/model.js';
import { Hub, MAX_EVENTS_PER_REPLY, type Stream, type Waiter } from '../src/engine/hub.js';

const line = (id: number, roomId = 'vim'): ChatEvent => ({
  id,
  roomId,
  createdAt: Date.now(),
  fact: {
    kind: 'message',
    message: {
      id,
      roomId,
      type: 'user',
      speakerId: 'ann',
      publicSessionId: 'p',
      nickname: 'Ann',
      text: `line ${id}`,
      localId: null,
      createdAt: 0,
    },
  },
});

function waiter(sessionId: string, rooms: string[], deadline = Date.now() + 10_000) {
  const answers: number[][] = [];
  const w: Waiter = {
    sessionId,
    rooms,
    deadline,
    events: [],
    answer: (events) => void answers.push(events.map((e) => e.id)),
  };
  return { w, answers };
}

function stream(sessionId: string, rooms: string[]) {
  const pushes: number[][] = [];
  const ends: string[] = [];
  const s: Stream = {
    sessionId,
    rooms,
    events: [],
    push: (events) => void pushes.push(events.map((e) => e.id)),
    restart: () => void ends.push('restart'),
    roomClosed: () => void ends.push('room_closed'),
    sessionEnded: () => void ends.push('invalid_session'),
  };
  return { s, pushes, ends };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('the hub', () => {
  it("answers each held observe of an event's room once, with everything of that loop turn", async () => {
    const hub = new Hub(40_000);
    const a = waiter('a', ['vim']);
    const b = waiter('b', ['emacs', 'vim']);
    const c = waiter('c', ['emacs']);
    for (const x of [a, b, c]) hub.hold(x.w);
    hub.deliver(line(1));
    hub.deliver(line(2));
    await turn();
    assert.deepEqual(a.answers, [[1, 2]]);
    assert.deepEqual(b.answers, [[1, 2]]);
    assert.deepEqual(c.answers, []);
    assert.equal(hub.held, 1);
    assert.equal(hub.stats.observeDeliveries, 4);
  });

  it('gives at most a reply-full to one observe', async () => {
    const hub = new Hub(40_000);
    const a = waiter('a', ['vim']);
    hub.hold(a.w);
    for (let i = 1; i <= MAX_EVENTS_PER_REPLY + 5; i++) hub.deliver(line(i));
    await turn();
    assert.equal(a.answers[0]?.length, MAX_EVENTS_PER_REPLY);
  });

  it('pushes every batch to open streams until they go', async () => {
    const hub = new Hub(40_000);
    const x = stream('x', ['vim']);
    hub.attach(x.s);
    hub.deliver(line(1));
    await turn();
    hub.deliver(line(2));
    hub.deliver(line(3, 'emacs'));
    await turn();
    hub.detach(x.s);
    hub.deliver(line(4));
    await turn();
    assert.deepEqual(x.pushes, [[1], [2]]);
  });

  it('releases a session: its held observes are answered and its streams restart', async () => {
    const hub = new Hub(40_000);
    const a = waiter('a', ['vim']);
    const other = waiter('b', ['vim']);
    const x = stream('a', ['vim']);
    hub.hold(a.w);
    hub.hold(other.w);
    hub.attach(x.s);
    hub.release('a');
    assert.deepEqual(a.answers, [[]]);
    assert.deepEqual(other.answers, []);
    assert.deepEqual(x.ends, ['restart']);
    assert.equal(hub.streams, 0);
  });

  it('ends only the streams of visitors (no session) when a room closes to them', () => {
    const hub = new Hub(40_000);
    const visitor = stream('', ['vim']);
    const member = stream('m', ['vim']);
    hub.attach(visitor.s);
    hub.attach(member.s);
    hub.endVisitors('vim');
    assert.deepEqual(visitor.ends, ['room_closed']);
    assert.deepEqual(member.ends, []);
    assert.equal(hub.streams, 1);
  });

  it('ends a session for good: its held observes are answered, its streams end, others stay', () => {
    const hub = new Hub(40_000);
    const held = waiter('a', ['vim']);
    const other = waiter('b', ['vim']);
    const open = stream('a', ['vim']);
    const stays = stream('b', ['vim']);
    hub.hold(held.w);
    hub.hold(other.w);
    hub.attach(open.s);
    hub.attach(stays.s);
    hub.endSession('a');
    assert.deepEqual(held.answers, [[]]);
    assert.deepEqual(open.ends, ['invalid_session']);
    assert.deepEqual([other.answers, stays.ends], [[], []]);
    assert.deepEqual([hub.held, hub.streams], [1, 1]);
  });

  it('answers a hold at its deadline, never later than a slot of the wheel', () => {
    const hub = new Hub(1000);
    const now = Date.now();
    const a = waiter('a', ['vim'], now + 1000);
    hub.hold(a.w);
    hub.expire(now + 500);
    assert.deepEqual(a.answers, []);
    hub.expire(now + 1000);
    assert.deepEqual(a.answers, [[]]);
    assert.equal(hub.held, 0);
  });

  it('forgets an observe whose client went away', async () => {
    const hub = new Hub(40_000);
    const a = waiter('a', ['vim']);
    hub.hold(a.w);
    hub.drop(a.w);
    hub.deliver(line(1));
    await turn();
    assert.deepEqual(a.answers, []);
    assert.equal(hub.held, 0);
  });
});
