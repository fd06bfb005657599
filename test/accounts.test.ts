import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretKey } from '../src/core/ids.js';
import { eventually, startTestServer, type TestServer } from './support/server.js';
import { cookieOf, postForm } from './support/web.js';

/** Form posts as a browser sends them from our own pages (or from `origin`). */
const post = (
  t: TestServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
  origin?: string,
) => postForm(t.url, path, fields, cookie, origin);

describe('accounts and forms', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby' });
  });
  after(() => t.stop());

  it('signs up, sets an HttpOnly SameSite session cookie, and shows the user signed in', async () => {
    const res = await post(t, '/signup', { username: 'zoe', name: 'Zoe', password: 'long enough' });
    assert.equal(res.status, 303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^lingr_session=[A-Za-z0-9]{24};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    const home = await fetch(`${t.url}/`, { headers: { cookie: cookieOf(res) } });
    assert.match(await home.text(), /<a class="who" href="\/settings">Zoe<\/a>/);
  });

  it('refuses bad sign-ups and wrong passwords with a clear message', async () => {
    const taken = await post(t, '/signup', { username: 'zoe', name: 'Zoe', password: 'long enough' });
    assert.equal(taken.status, 400);
    assert.match(await taken.text(), /already exists/);
    const short = await post(t, '/signup', { username: 'yan', name: 'Yan', password: 'short' });
    assert.match(await short.text(), /password must be/);
    const wrong = await post(t, '/signin', { username: 'zoe', password: 'not it' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /role="alert">The username or password is wrong/);
  });

  it('joins and leaves a room with the form token; the room then shows in user/get_rooms', async () => {
    const signin = await post(t, '/signin', {
      username: 'zoe',
      password: 'long enough',
      next: '/room/lobby',
    });
    assert.equal(signin.headers.get('location'), '/room/lobby');
    const cookie = cookieOf(signin);
    const page = await (await fetch(`${t.url}/room/lobby`, { headers: { cookie } })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
    assert.ok(csrf.length > 20);
    assert.match(page, /Join this room/);

    const forged = await post(t, '/room/lobby/join', { csrf: 'wrong' }, cookie);
    assert.equal(forged.status, 403);
    const foreign = await post(t, '/room/lobby/join', { csrf }, cookie, 'http://evil.example');
    assert.equal(foreign.status, 403);
    const joined = await post(t, '/room/lobby/join', { csrf }, cookie);
    assert.equal(joined.status, 303);

    const session = cookie.split('=')[1] as string;
    assert.deepEqual((await t.api('user/get_rooms', { session })).rooms, ['lobby']);
    const member = await (await fetch(`${t.url}/room/lobby`, { headers: { cookie } })).text();
    assert.match(member, /Say it!/);
    assert.match(member, /Leave room/);

    const said = await post(t, '/room/lobby/say', { csrf, text: 'posted without JavaScript' }, cookie);
    assert.equal(said.status, 303);
    assert.match(await (await fetch(`${t.url}/room/lobby`)).text(), /posted without JavaScript/);

    assert.equal((await post(t, '/room/lobby/leave', { csrf }, cookie)).status, 303);
    assert.deepEqual((await t.api('user/get_rooms', { session })).rooms, []);
  });

  it('lets our pages call the API with the cookie only together with the page token', async () => {
    const signin = await post(t, '/signin', { username: 'zoe', password: 'long enough' });
    const cookie = cookieOf(signin);
    const page = await (await fetch(`${t.url}/room/lobby`, { headers: { cookie } })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
    const withToken = await fetch(`${t.url}/api/user/get_rooms`, {
      headers: { cookie, 'x-lingr-csrf': csrf },
    });
    assert.equal(((await withToken.json()) as { status: string }).status, 'ok');
    const without = await fetch(`${t.url}/api/user/get_rooms`, { headers: { cookie } });
    assert.equal(((await without.json()) as { code: string }).code, 'invalid_session');
  });

  it('signs out and forgets the session', async () => {
    const signin = await post(t, '/signin', { username: 'zoe', password: 'long enough' });
    const cookie = cookieOf(signin);
    const page = await (await fetch(`${t.url}/`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const out = await post(t, '/signout', { csrf }, cookie);
    assert.equal(out.status, 303);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal(
      (await t.api('session/verify', { session: cookie.split('=')[1] as string })).code,
      'invalid_session',
    );
  });
});

describe('creating and deleting rooms', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  async function signUp(username: string) {
    const res = await post(t, '/signup', { username, name: username, password: 'long enough' });
    const cookie = cookieOf(res);
    const page = await (await fetch(`${t.url}/rooms/new`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    return { cookie, csrf, session: cookie.split('=')[1] as string };
  }

  it('creates a room owned by its creator, who becomes a member', async () => {
    const owner = await signUp('olga');
    const res = await post(
      t,
      '/rooms/new',
      {
        csrf: owner.csrf,
        id: 'knitting',
        name: 'Knitting <3',
        blurb: 'Yarn',
        tags: 'craft, wool',
        timezone: 'Europe/Oslo',
        visibility: 'public',
      },
      owner.cookie,
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/room/knitting');
    assert.deepEqual((await t.api('user/get_rooms', { session: owner.session })).rooms, ['knitting']);
    const page = await (await fetch(`${t.url}/room/knitting`, { headers: { cookie: owner.cookie } })).text();
    assert.match(page, /<h1 id="room-title">Knitting &lt;3<\/h1>/);
    assert.match(page, /Europe\/Oslo/);
    assert.match(page, /href="\/tag\/wool"/);
    assert.match(page, /Delete room/);
  });

  it('refuses a taken or malformed id and a forged form, keeping what was typed', async () => {
    const user = await signUp('pavel');
    const taken = await post(
      t,
      '/rooms/new',
      { csrf: user.csrf, id: 'knitting', name: 'Again' },
      user.cookie,
    );
    assert.equal(taken.status, 400);
    const text = await taken.text();
    assert.match(text, /already exists/);
    assert.match(text, /value="Again"/);
    const bad = await post(t, '/rooms/new', { csrf: user.csrf, id: 'no spaces', name: 'X' }, user.cookie);
    assert.match(await bad.text(), /room id must be/);
    const forged = await post(t, '/rooms/new', { csrf: 'nope', id: 'forged', name: 'X' }, user.cookie);
    assert.equal(forged.status, 403);
  });

  it('creates private rooms that outsiders cannot see', async () => {
    const owner = await signUp('quinn');
    await post(
      t,
      '/rooms/new',
      { csrf: owner.csrf, id: 'quiet', name: 'Quiet', visibility: 'private' },
      owner.cookie,
    );
    assert.equal((await fetch(`${t.url}/room/quiet`)).status, 404);
    assert.equal((await fetch(`${t.url}/room/quiet`, { headers: { cookie: owner.cookie } })).status, 200);
    assert.doesNotMatch(await (await fetch(`${t.url}/?q=quiet`)).text(), /href="\/room\/quiet"/);
  });

  it('lets the owner change the settings, and no one else', async () => {
    const owner = await signUp('tess');
    await post(
      t,
      '/rooms/new',
      { csrf: owner.csrf, id: 'garden', name: 'Garden', tags: 'plants' },
      owner.cookie,
    );
    const form = await (
      await fetch(`${t.url}/room/garden/edit`, { headers: { cookie: owner.cookie } })
    ).text();
    assert.match(form, /value="Garden"/);
    assert.match(form, /value="plants"/);
    const saved = await post(
      t,
      '/room/garden/edit',
      {
        csrf: owner.csrf,
        name: 'Roof garden',
        blurb: 'Tomatoes',
        tags: 'plants balcony',
        timezone: 'Asia/Tokyo',
        visibility: 'public',
      },
      owner.cookie,
    );
    assert.equal(saved.status, 303);
    const page = await (await fetch(`${t.url}/room/garden`)).text();
    assert.match(page, /<h1 id="room-title">Roof garden<\/h1>/);
    assert.match(page, /href="\/tag\/balcony"/);
    assert.match(page, /Times are in <span class="zone-name">Asia\/Tokyo<\/span>/);
    const other = await signUp('umar');
    assert.equal(
      (await fetch(`${t.url}/room/garden/edit`, { headers: { cookie: other.cookie } })).status,
      404,
    );
    const refused = await post(t, '/room/garden/edit', { csrf: other.csrf, name: 'Mine now' }, other.cookie);
    assert.equal(refused.status, 403);
    const bad = await post(
      t,
      '/room/garden/edit',
      { csrf: owner.csrf, name: '', timezone: 'Mars/Base' },
      owner.cookie,
    );
    assert.equal(bad.status, 400);
  });

  it('lets only the owner delete a room', async () => {
    const owner = await signUp('rita');
    await post(t, '/rooms/new', { csrf: owner.csrf, id: 'doomed', name: 'Doomed' }, owner.cookie);
    const other = await signUp('sam');
    const refused = await post(t, '/room/doomed/delete', { csrf: other.csrf, confirm: 'yes' }, other.cookie);
    assert.equal(refused.status, 403);
    assert.equal((await fetch(`${t.url}/room/doomed`)).status, 200);
    const unconfirmed = await post(t, '/room/doomed/delete', { csrf: owner.csrf }, owner.cookie);
    assert.equal(unconfirmed.status, 400);
    const deleted = await post(t, '/room/doomed/delete', { csrf: owner.csrf, confirm: 'yes' }, owner.cookie);
    assert.equal(deleted.status, 303);
    assert.equal((await fetch(`${t.url}/room/doomed`)).status, 404);
    assert.deepEqual((await t.api('user/get_rooms', { session: owner.session })).rooms, []);
  });
});

describe('the profile', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.stop());

  // The smallest valid PNG: one transparent pixel.
  const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
    'hex',
  );

  async function upload(cookie: string, csrf: string, name: string, icon?: { bytes: Buffer; type: string }) {
    const form = new FormData();
    form.set('csrf', csrf);
    form.set('name', name);
    if (icon) form.set('icon', new Blob([icon.bytes], { type: icon.type }), 'icon');
    return fetch(`${t.url}/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: t.url },
      body: form,
    });
  }

  it('changes the display name and uploads an icon, served from our origin', async () => {
    const res = await post(t, '/signup', { username: 'vera', name: 'Vera', password: 'long enough' });
    const cookie = cookieOf(res);
    const settings = await (await fetch(`${t.url}/settings`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(settings)?.[1] ?? '';
    const before = await fetch(`${t.url}/images/user/vera/42x42.gif`);
    assert.equal(before.headers.get('content-type'), 'image/svg+xml', 'an identicon until an upload');

    const saved = await upload(cookie, csrf, 'Vera V.', { bytes: PNG, type: 'image/png' });
    assert.equal(saved.status, 303);
    const icon = await fetch(`${t.url}/images/user/vera/42x42.gif`);
    assert.equal(icon.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await icon.arrayBuffer()), PNG);
    assert.match(icon.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.match(await (await fetch(`${t.url}/`, { headers: { cookie } })).text(), /Vera V\./);
  });

  it('refuses files that are not images, whatever they claim, and an empty name', async () => {
    const res = await post(t, '/signup', { username: 'walt', name: 'Walt', password: 'long enough' });
    const cookie = cookieOf(res);
    const settings = await (await fetch(`${t.url}/settings`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(settings)?.[1] ?? '';
    const html = await upload(cookie, csrf, 'Walt', {
      bytes: Buffer.from('<svg onload=alert(1)>'),
      type: 'image/png',
    });
    assert.equal(html.status, 400);
    assert.match(await html.text(), /must be a PNG, JPEG, GIF or WebP/);
    assert.equal(
      (await fetch(`${t.url}/images/user/walt/42x42.gif`)).headers.get('content-type'),
      'image/svg+xml',
    );
    const blank = await upload(cookie, csrf, '   ');
    assert.equal(blank.status, 400);
  });
});

describe('guests', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sessionIdle: '1' });
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby' });
  });
  after(() => t.stop());

  it('a guest is a member while its session lasts and is gone after it expires, even across a restart', async () => {
    const entered = await post(t, '/room/lobby/guest', { nickname: 'Wanderer' });
    assert.equal(entered.status, 303);
    const session = cookieOf(entered).split('=')[1] as string;
    const record = await t.adminStore.sessions.byId(secretKey(session));
    const guest = record && (await t.adminStore.users.byId(record.userId));
    assert.ok(guest?.guest, 'a guest account backs the session');
    assert.equal(guest.name, 'Wanderer');
    assert.ok(await t.adminStore.rooms.membership('lobby', guest.id), 'the guest is a member of the room');
    assert.equal((await post(t, '/room/private/guest', { nickname: 'X' })).status, 404);

    await t.restart();
    await eventually(async () => assert.equal(await t.adminStore.users.byId(guest.id), undefined), 10_000);
    assert.equal(await t.adminStore.rooms.membership('lobby', guest.id), undefined);
  });
});
