import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';

type Event = { event_id: number; presence?: Json; message?: Json };

/** Observes from `counter` until an event matching `wanted` arrives; returns it and the new counter. */
async function waitFor(
  t: TestServer,
  session: string,
  counter: number,
  wanted: (e: Event) => boolean,
  timeoutMs = 8000,
): Promise<{ event: Event; counter: number }> {
  const until = Date.now() + timeoutMs;
  let c = counter;
  while (Date.now() < until) {
    const r = await t.api('event/observe', { session, counter: c });
    const found = (r.events as Event[]).find(wanted);
    c = r.counter as number;
    if (found) return { event: found, counter: c };
  }
  throw new Error('event did not arrive');
}

describe('presence', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ observeHold: '0.5', presenceGrace: '1' });
  });
  after(() => t.stop());

  it('a user observing comes online and, after the grace period, goes offline, with events in the room', async () => {
    const bob = await signedIn(t, 'bob', ['lobby']);
    const alice = await signedIn(t, 'alice', ['lobby']);
    const { counter } = await t.api('room/subscribe', { session: bob.session, room: 'lobby' });
    await t.api('room/subscribe', { session: alice.session, room: 'lobby' });
    // alice observes once (comes online), then stops.
    await t.api('event/observe', { session: alice.session, counter: counter as number });
    const online = await waitFor(t, bob.session, counter as number, (e) => e.presence?.username === 'alice');
    assert.deepEqual(Object.keys(online.event.presence ?? {}).sort(), [
      'icon_url',
      'nickname',
      'public_session_id',
      'room',
      'status',
      'text',
      'timestamp',
      'username',
    ]);
    assert.equal(online.event.presence?.status, 'online');
    assert.equal(online.event.presence?.room, 'lobby');
    assert.equal(online.event.presence?.public_session_id, alice.publicId);
    assert.equal(online.event.presence?.text, 'Alice is now online');
    const shown = await t.api('room/show', { session: bob.session, room: 'lobby' });
    const aliceMember = () =>
      (shown.rooms as Array<{ roster: { members: Json[] } }>)[0]?.roster.members.find(
        (m) => m.username === 'alice',
      );
    assert.equal(aliceMember()?.is_online, true);
    const offline = await waitFor(
      t,
      bob.session,
      online.counter,
      (e) => e.presence?.username === 'alice' && e.presence.status === 'offline',
    );
    assert.equal(offline.event.presence?.text, 'Alice is now offline');
  });

  it('a second session of an online user does not announce anything', async () => {
    const watcher = await signedIn(t, 'carol', ['den']);
    const one = await signedIn(t, 'dave', ['den']);
    const { counter } = await t.api('room/subscribe', { session: watcher.session, room: 'den' });
    const observing = t.api('event/observe', { session: one.session, counter: 1 });
    const online = await waitFor(
      t,
      watcher.session,
      counter as number,
      (e) => e.presence?.username === 'dave',
    );
    await observing;
    const two = await signedIn(t, 'dave');
    await t.api('room/subscribe', { session: two.session, room: 'den' });
    await t.api('event/observe', { session: two.session, counter: online.counter });
    await t.api('room/say', { session: watcher.session, room: 'den', text: 'marker' });
    const r = await waitFor(t, watcher.session, online.counter, (e) => e.message?.text === 'marker');
    const between = await t.api('event/observe', { session: watcher.session, counter: online.counter });
    const daveEvents = (between.events as Event[]).filter(
      (e) => e.presence?.username === 'dave' && e.event_id < r.counter,
    );
    assert.deepEqual(daveEvents, []);
  });

  it('set_presence offline hides an observing session until it says online', async () => {
    const watcher = await signedIn(t, 'erin', ['hall']);
    const frank = await signedIn(t, 'frank', ['hall']);
    const { counter } = await t.api('room/subscribe', { session: watcher.session, room: 'hall' });
    const observing = t.api('event/observe', { session: frank.session, counter: 1 });
    const on = await waitFor(t, watcher.session, counter as number, (e) => e.presence?.username === 'frank');
    await observing;
    await t.api('session/set_presence', { session: frank.session, presence: 'offline' });
    const off = await waitFor(
      t,
      watcher.session,
      on.counter,
      (e) => e.presence?.username === 'frank' && e.presence.status === 'offline',
    );
    await t.api('session/set_presence', { session: frank.session, presence: 'online', nickname: 'Franky' });
    await t.api('event/observe', { session: frank.session, counter: 1 });
    const back = await waitFor(
      t,
      watcher.session,
      off.counter,
      (e) => e.presence?.username === 'frank' && e.presence.status === 'online',
    );
    assert.equal(back.event.presence?.nickname, 'Franky');
    assert.equal(back.event.presence?.text, 'Franky is now online');
  });
});

describe('session expiry', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sessionIdle: '1' });
  });
  after(() => t.stop());

  it('a session idle past the limit gets invalid_session', async () => {
    const gina = await signedIn(t, 'gina', ['e1']);
    assert.equal((await t.api('session/verify', { session: gina.session })).status, 'ok');
    // Every call refreshes the idle timer, so stay silent past the limit before asking again.
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await t.api('user/get_rooms', { session: gina.session })).code, 'invalid_session');
    assert.equal((await t.api('session/verify', { session: gina.session })).code, 'invalid_session');
  });
});
