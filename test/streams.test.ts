import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';
import { openSocket, readSse, texts, until, type Reply } from './support/streams.js';

describe('live streams: Server-Sent Events and WebSocket', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sayPerMinute: '100000', outboxLimit: String(16 * 1024) });
  });
  after(() => t.stop());

  it('SSE delivers lines with their counter as the event id, and resumes by Last-Event-ID', async () => {
    const alice = await signedIn(t, 'alice', ['vim']);
    const { counter } = await t.api('room/subscribe', { session: alice.session, room: 'vim' });
    const url = `${t.url}/api/event/stream?session=${alice.session}&counter=${counter as number}`;
    const reading = readSse(url, {}, (frames) => frames.filter((f) => f.data.includes('sse one')).length > 0);
    await new Promise((r) => setTimeout(r, 200));
    await t.api('room/say', { session: alice.session, room: 'vim', text: 'sse one' });
    const frames = await reading;
    const last = frames.at(-1)!;
    const reply = JSON.parse(last.data) as Reply;
    assert.equal(reply.events.at(-1)?.message?.text, 'sse one');
    assert.equal(Number(last.id), reply.counter);

    await t.api('room/say', { session: alice.session, room: 'vim', text: 'missed 1' });
    await t.api('room/say', { session: alice.session, room: 'vim', text: 'missed 2' });
    const resumed = await readSse(
      url,
      { 'last-event-id': last.id! },
      (f) => texts(f.map((x) => JSON.parse(x.data) as Reply)).length >= 2,
    );
    assert.deepEqual(texts(resumed.map((f) => JSON.parse(f.data) as Reply)), ['missed 1', 'missed 2']);
  });

  it('SSE refuses a dead session with an error event', async () => {
    const frames = await readSse(`${t.url}/api/event/stream?session=nope`, {}, (f) => f.length > 0);
    assert.equal(frames[0]?.event, 'error');
    assert.equal((JSON.parse(frames[0]!.data) as Json).code, 'invalid_session');
  });

  it('WebSocket catches up from the counter, then delivers live lines in order, once each', async () => {
    const bob = await signedIn(t, 'bob', ['ws_room']);
    const { counter } = await t.api('room/subscribe', { session: bob.session, room: 'ws_room' });
    await t.api('room/say', { session: bob.session, room: 'ws_room', text: 'before connect' });
    const socket = openSocket(
      `${t.url.replace('http', 'ws')}/api/event/ws?session=${bob.session}&counter=${counter as number}`,
    );
    await socket.opened;
    for (let i = 0; i < 5; i++)
      await t.api('room/say', { session: bob.session, room: 'ws_room', text: `live ${i}` });
    await until(() => texts(socket.replies).length >= 6);
    assert.deepEqual(texts(socket.replies), [
      'before connect',
      'live 0',
      'live 1',
      'live 2',
      'live 3',
      'live 4',
    ]);
    const ids = socket.replies.flatMap((r) => r.events.map((e) => e.event_id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.equal(new Set(ids).size, ids.length);
    socket.ws.close();
  });

  it('WebSocket refuses a foreign Origin and closes with invalid_session for a dead session', async () => {
    const base = t.url.replace('http', 'ws');
    const foreign = openSocket(`${base}/api/event/ws?session=x`, 'http://evil.example');
    await assert.rejects(foreign.opened, /HTTP 403/);
    const dead = openSocket(`${base}/api/event/ws?session=nope`);
    await dead.opened;
    assert.deepEqual(await dead.closed, { code: 4000, reason: 'invalid_session' });
  });

  it('a stream restarts with a reconnect reason when its subscriptions change', async () => {
    const carol = await signedIn(t, 'carol', ['r1', 'r2']);
    await t.api('room/subscribe', { session: carol.session, room: 'r1' });
    const socket = openSocket(`${t.url.replace('http', 'ws')}/api/event/ws?session=${carol.session}`);
    await socket.opened;
    await t.api('room/subscribe', { session: carol.session, room: 'r2' });
    assert.deepEqual(await socket.closed, { code: 4100, reason: 'resubscribe' });
  });

  it('a slow reader is closed with a reconnect reason and the others keep receiving', async () => {
    const dave = await signedIn(t, 'dave', ['firehose']);
    const erin = await signedIn(t, 'erin', ['firehose']);
    await t.api('room/subscribe', { session: dave.session, room: 'firehose' });
    await t.api('room/subscribe', { session: erin.session, room: 'firehose' });
    const base = t.url.replace('http', 'ws');
    const slow = openSocket(`${base}/api/event/ws?session=${dave.session}`);
    const fast = openSocket(`${base}/api/event/ws?session=${erin.session}`);
    await Promise.all([slow.opened, fast.opened]);
    // Stop reading: the server's outbox for this socket fills up.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const line = 'x'.repeat(9000);
    let said = 0;
    const slowClosed = slow.closed.then((c) => c);
    let closedWith: { code: number; reason: string } | undefined;
    void slowClosed.then((c) => (closedWith = c));
    for (; said < 2000 && closedWith === undefined; said++) {
      await t.api('room/say', { session: erin.session, room: 'firehose', text: `${said} ${line}` });
      if (said % 50 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.deepEqual(await slowClosed, { code: 4100, reason: 'slow_reader' });
    await until(() => texts(fast.replies).length >= said, 10_000);
    assert.equal(texts(fast.replies).length, said);
    fast.ws.close();
  });

  it('an open stream keeps its user online', async () => {
    const frank = await signedIn(t, 'frank', ['den']);
    const gina = await signedIn(t, 'gina', ['den']);
    await t.api('room/subscribe', { session: frank.session, room: 'den' });
    const socket = openSocket(`${t.url.replace('http', 'ws')}/api/event/ws?session=${frank.session}`);
    await socket.opened;
    const shown = await t.api('room/show', { session: gina.session, room: 'den' });
    const members = ((shown.rooms as Json[])[0]?.roster as { members: Json[] }).members;
    assert.equal(members.find((m) => m.username === 'frank')?.is_online, true);
    socket.ws.close();
  });
});

describe('private rooms and live events', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'owner', password: 'password1' });
    await t.admin.addRoom({ id: 'inner', name: 'Inner', owner: 'owner', isPublic: false });
  });
  after(() => t.stop());

  it('a member who leaves a private room stops receiving its events; outsiders never could', async () => {
    const owner = await signedIn(t, 'owner');
    const leaver = await signedIn(t, 'leaver');
    await t.admin.join('inner', 'leaver');
    const { counter } = await t.api('room/subscribe', { session: leaver.session, room: 'inner' });
    const outsider = await signedIn(t, 'outsider');
    assert.equal(
      (await t.api('room/subscribe', { session: outsider.session, room: 'inner' })).code,
      'not_found',
    );
    const socket = openSocket(`${t.url.replace('http', 'ws')}/api/event/ws?session=${outsider.session}`);
    await socket.opened;

    const { chat } = t.server;
    await chat.rooms.leave(await chat.accounts.session(leaver.session), 'inner');
    await t.api('room/say', { session: owner.session, room: 'inner', text: 'members only' });
    const r = await t.api('event/observe', { session: leaver.session, counter: counter as number });
    assert.deepEqual(texts([r as unknown as Reply]), []);
    assert.deepEqual(texts(socket.replies), []);
    socket.ws.close();
  });
});
