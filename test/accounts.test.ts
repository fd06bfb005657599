import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';

/** Form posts as a browser sends them from our own pages. */
function post(t: TestServer, path: string, fields: Record<string, string>, cookie?: string, origin = t.url) {
  return fetch(`${t.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

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
    assert.match(await home.text(), /<span class="who">Zoe<\/span>/);
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
