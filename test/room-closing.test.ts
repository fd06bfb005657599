import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { signedIn, startTestServer, tempDataDir, type TestServer } from './support/server.js';
import { openSocket, openSse, texts, until, within, type Reply } from './support/streams.js';
import { postForm, webSignIn, webUser, type Browser } from './support/web.js';

/** Everyone who follows a room live: visitors' badge streams, an outsider's three transports, a member. */
async function followersOf(t: TestServer, room: string, outsider: string, member: string) {
  const counter = (await t.api('room/subscribe', { session: outsider, room })).counter as number;
  await t.api('room/subscribe', { session: member, room });
  const ws = t.url.replace('http', 'ws');
  const f = {
    badge: openSse(`${t.url}/api/room/stream?room=${room}`),
    resumingBadge: openSse(`${t.url}/api/room/stream?room=${room}&counter=${counter}`),
    outsiderSse: openSse(`${t.url}/api/event/stream?session=${outsider}&counter=${counter}`),
    outsiderWs: openSocket(`${ws}/api/event/ws?session=${outsider}&counter=${counter}`),
    memberWs: openSocket(`${ws}/api/event/ws?session=${member}&counter=${counter}`),
    // Held when the room changes: it must be answered, and what follows must not carry the room's lines.
    outsiderPoll: t.api('event/observe', { session: outsider, counter }),
    counter,
  };
  await Promise.all([f.badge.opened, f.resumingBadge.opened, f.outsiderSse.opened]);
  await Promise.all([f.outsiderWs.opened, f.memberWs.opened]);
  // Every stream is attached once it has seen a line said now.
  await t.api('room/say', { session: member, room, text: 'while public' });
  await until(() => f.badge.texts().includes('while public') && texts(f.memberWs.replies).length > 0);
  await until(() => f.outsiderSse.texts().includes('while public'));
  return f;
}

type Followers = Awaited<ReturnType<typeof followersOf>>;

/** After the change: the member still hears `line`; nobody else does, and each says why it stopped. */
async function assertClosedToOutsiders(t: TestServer, f: Followers, outsider: string, line: string) {
  await until(() => texts(f.memberWs.replies).includes(line));
  await within(Promise.all([f.badge.ended, f.resumingBadge.ended]), 'the badge streams end');
  await within(f.outsiderSse.ended, "the outsider's SSE stream ends");
  assert.equal(f.badge.endReason(), 'room_closed');
  assert.equal(f.resumingBadge.endReason(), 'room_closed');
  assert.equal(f.outsiderSse.endReason(), 'resubscribe');
  assert.deepEqual(await within(f.outsiderWs.closed, "the outsider's WebSocket closes"), {
    code: 4100,
    reason: 'resubscribe',
  });
  for (const seen of [
    f.badge.texts(),
    f.resumingBadge.texts(),
    f.outsiderSse.texts(),
    texts(f.outsiderWs.replies),
  ])
    assert.ok(!seen.includes(line), `"${line}" reached a follower who may no longer see the room`);
  const held = (await f.outsiderPoll) as unknown as Reply;
  assert.ok(!texts([held]).includes(line));
  // Coming back with any counter it had, the outsider gets nothing more of the room.
  const again = (await t.api('event/observe', { session: outsider, counter: f.counter })) as unknown as Reply;
  assert.ok(!texts([again]).includes(line));
  f.memberWs.ws.close();
}

describe('a room that stops being public closes to those it no longer admits, at once', () => {
  let t: TestServer;
  let owner: Browser;
  before(async () => {
    t = await startTestServer({ sayPerMinute: '100000' });
    owner = await webUser(t, 'olga');
  });
  after(() => t.stop());

  const makeRoom = async (id: string) => {
    await t.admin.addRoom({ id, name: id, owner: 'olga', tags: ['closing'] });
    return (await signedIn(t, 'otto')).session;
  };

  it("made private through the owner's form: badges end, outsiders stop, members hear the next line", async () => {
    const outsider = await makeRoom('town');
    const f = await followersOf(t, 'town', outsider, owner.session);
    const edit = await postForm(
      t.url,
      '/room/town/edit',
      { csrf: owner.csrf, name: 'town', visibility: 'private', tags: 'closing' },
      owner.cookie,
    );
    assert.equal(edit.status, 303);
    await t.api('room/say', { session: owner.session, room: 'town', text: 'said after closing' });
    await assertClosedToOutsiders(t, f, outsider, 'said after closing');
    assert.equal((await t.api('room/subscribe', { session: outsider, room: 'town' })).code, 'not_found');
    const badge = openSse(`${t.url}/api/room/stream?room=town`);
    await within(badge.ended, 'a refused badge stream ends');
    assert.equal(JSON.parse(badge.frames[0]?.data ?? '{}').code, 'not_found');
  });

  it('deleted by its owner: every stream on it ends and its lines stop', async () => {
    const outsider = await makeRoom('gone');
    const f = await followersOf(t, 'gone', outsider, owner.session);
    const del = await postForm(
      t.url,
      '/room/gone/delete',
      { csrf: owner.csrf, confirm: 'yes' },
      owner.cookie,
    );
    assert.equal(del.status, 303);
    await within(Promise.all([f.badge.ended, f.outsiderSse.ended]), 'the streams end');
    assert.equal(f.badge.endReason(), 'room_closed');
    assert.deepEqual(await f.memberWs.closed, { code: 4100, reason: 'resubscribe' });
    assert.equal(
      (await t.api('room/say', { session: owner.session, room: 'gone', text: 'x' })).code,
      'not_found',
    );
    const shown = await t.api('user/get_rooms', { session: owner.session });
    assert.ok(!(shown.rooms as string[]).includes('gone'));
    f.outsiderWs.ws.close();
  });

  it('a member who leaves a private room stops hearing it on every transport', async () => {
    await t.admin.addRoom({ id: 'inner', name: 'Inner', owner: 'olga', isPublic: false });
    const leaver = await webUser(t, 'lena');
    await t.admin.join('inner', 'lena');
    const { counter } = await t.api('room/subscribe', { session: leaver.session, room: 'inner' });
    await t.api('room/subscribe', { session: owner.session, room: 'inner' });
    const sse = openSse(`${t.url}/api/event/stream?session=${leaver.session}&counter=${counter as number}`);
    const ws = openSocket(`${t.url.replace('http', 'ws')}/api/event/ws?session=${leaver.session}`);
    await Promise.all([sse.opened, ws.opened]);
    const left = await postForm(t.url, '/room/inner/leave', { csrf: leaver.csrf }, leaver.cookie);
    assert.equal(left.status, 303);
    await t.api('room/say', { session: owner.session, room: 'inner', text: 'members only' });
    await within(sse.ended, 'the SSE stream ends');
    assert.equal(sse.endReason(), 'resubscribe');
    assert.deepEqual(await ws.closed, { code: 4100, reason: 'resubscribe' });
    assert.ok(!sse.texts().includes('members only'));
    assert.ok(!texts(ws.replies).includes('members only'));
    const polled = (await t.api('event/observe', {
      session: leaver.session,
      counter: counter as number,
    })) as unknown as Reply;
    assert.ok(!texts([polled]).includes('members only'));
  });

  it('no page shows a room made private to a visitor or an outsider', async () => {
    await t.admin.addRoom({ id: 'plaza', name: 'Plaza of tags', owner: 'olga', tags: ['plazatag'] });
    await t.api('room/subscribe', { session: owner.session, room: 'plaza' });
    await t.api('room/say', { session: owner.session, room: 'plaza', text: 'a line for the archives' });
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const paths = [
      '/room/plaza',
      '/room/plaza/archives',
      '/room/plaza/badge',
      `/room/plaza/archives/${day}`,
      '/tag/plazatag',
      '/?q=Plaza',
    ];
    const outsider = await webUser(t, 'oscar');
    for (const path of paths) {
      const page = await (await fetch(`${t.url}${path}`, { headers: { cookie: outsider.cookie } })).text();
      assert.match(page, /Plaza of tags/, `${path} shows the room while it is public`);
    }
    const edit = await postForm(
      t.url,
      '/room/plaza/edit',
      { csrf: owner.csrf, name: 'Plaza of tags', visibility: 'private', tags: 'plazatag' },
      owner.cookie,
    );
    assert.equal(edit.status, 303);
    for (const headers of [{}, { cookie: outsider.cookie }] as Array<Record<string, string>>)
      for (const path of paths) {
        const res = await fetch(`${t.url}${path}`, { headers });
        const page = await res.text();
        assert.doesNotMatch(page, /Plaza of tags|a line for the archives/, `${path} still shows the room`);
      }
    const owners = await (await fetch(`${t.url}/room/plaza`, { headers: { cookie: owner.cookie } })).text();
    assert.match(owners, /a line for the archives/);
  });
});

describe('with --workers 2, a room made private closes on every worker', () => {
  let server: ServerProcess;
  const dataDir = tempDataDir();
  before(async () => {
    prepare(dataDir, [
      ['user', 'add', 'olga', '--password', 'password1'],
      ['room', 'add', 'town', '--name', 'Town', '--owner', 'olga'],
    ]);
    server = await spawnServer(dataDir, ['--workers', '2']);
  });
  after(async () => {
    await stopServer(server, dataDir);
  });

  it('ends every badge stream, whichever worker holds it, before the next line', async () => {
    const owner = await webSignIn(server.url, 'olga', 'password1');
    const say = (text: string) =>
      fetch(
        `${server.url}/api/room/say?${new URLSearchParams({ session: owner.session, room: 'town', text })}`,
      );
    // Each stream is a connection of its own, handed to the workers in turn.
    const badges = Array.from({ length: 8 }, () => openSse(`${server.url}/api/room/stream?room=town`));
    await Promise.all(badges.map((b) => b.opened));
    await say('while public');
    await until(() => badges.every((b) => b.texts().includes('while public')), 10_000);
    const edit = await postForm(
      server.url,
      '/room/town/edit',
      { csrf: owner.csrf, name: 'Town', visibility: 'private' },
      owner.cookie,
    );
    assert.equal(edit.status, 303);
    await say('after closing');
    await within(Promise.all(badges.map((b) => b.ended)), 'every badge stream ends');
    for (const b of badges) {
      assert.equal(b.endReason(), 'room_closed');
      assert.ok(!b.texts().includes('after closing'));
    }
  });
});
