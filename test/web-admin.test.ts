import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';
import { postForm, webSignIn, webUser, type Browser } from './support/web.js';

const HOSTILE = `<script>alert(1)</script>`;

/** A page as a browser gets it, with or without a session cookie. */
async function get(t: TestServer, path: string, who?: Browser, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    redirect: 'manual',
    headers: { ...headers, ...(who ? { cookie: who.cookie } : {}) },
  });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

/** A form post from the admin page, with the poster's token unless `fields` says otherwise. */
async function post(t: TestServer, path: string, who: Browser, fields: Record<string, string> = {}) {
  const res = await postForm(t.url, path, { csrf: who.csrf, ...fields }, who.cookie);
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

async function makeAdmin(t: TestServer, username: string): Promise<Browser> {
  const browser = await webUser(t, username);
  const user = await t.adminStore.users.byUsername(username);
  await t.adminStore.users.setAdmin(user?.id ?? 0, true);
  return browser;
}

const signsIn = async (t: TestServer, username: string, password: string): Promise<boolean> =>
  (await postForm(t.url, '/signin', { username, password })).status === 303;

describe('the admin page', () => {
  let t: TestServer;
  let root: Browser;
  let member: Browser;

  before(async () => {
    t = await startTestServer();
    root = await makeAdmin(t, 'root');
    member = await webUser(t, 'member');
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby', owner: 'member' });
  });
  after(() => t.stop());

  it('sends a visitor to sign in first', async () => {
    const page = await get(t, '/admin');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/signin?next=/admin');
  });

  it('refuses anyone but an administrator, in their language, and shows them no link to it', async () => {
    const page = await get(t, '/admin', member);
    assert.equal(page.status, 403);
    assert.match(page.text, /This page is for the site’s administrators/);
    assert.doesNotMatch(page.text, /href="\/admin"/);
    const ja = await get(t, '/admin', member, { 'accept-language': 'ja' });
    assert.equal(ja.status, 403);
    assert.match(ja.text, /このページはサイトの管理者専用です/);
    const front = await get(t, '/', member);
    assert.doesNotMatch(front.text, /href="\/admin"/);
  });

  it('refuses a non-administrator’s posts, token or not, and changes nothing', async () => {
    const renamed = await post(t, '/admin/user/root/rename', member, { name: 'Pwned' });
    assert.equal(renamed.status, 403);
    const deleted = await post(t, '/admin/room/lobby/delete', member, { confirm: 'yes' });
    assert.equal(deleted.status, 403);
    assert.equal((await t.adminStore.users.byUsername('root'))?.name, 'root');
    assert.ok(await t.adminStore.rooms.byId('lobby'));
  });

  it('shows an administrator the users, rooms with their counts, sign-ins and the figures', async () => {
    assert.equal(await signsIn(t, 'member', 'not the password'), false);
    const page = await get(t, '/admin', root);
    assert.equal(page.status, 200);
    assert.match(page.text, /href="\/admin"/, 'the header links to the page');
    assert.match(page.text, /<tr data-user="member">/);
    assert.match(page.text, /<tr data-user="root">[\s\S]*?<span class="tag">admin<\/span>/);
    const lobby = /<tr data-room="lobby">([\s\S]*?)<\/tr>/.exec(page.text)?.[1] ?? '';
    assert.match(lobby, /Lobby/);
    assert.match(lobby, /<td>member<\/td>/, 'its owner');
    assert.match(lobby, /<td class="number">1<\/td>\s*<td class="number">0<\/td>/, 'one member, no lines');
    assert.match(
      page.text,
      /data-outcome="wrongCredentials">[\s\S]*?<td>member<\/td>[\s\S]*?<code>[^<]+<\/code>[\s\S]*?Wrong username or password/,
    );
    assert.match(page.text, /data-outcome="ok">[\s\S]*?<td>root<\/td>/);
    assert.match(page.text, /<dt>Event counter<\/dt>\s*<dd>\d+<\/dd>/);
    assert.match(page.text, /<dt>Version<\/dt>\s*<dd>[^<]+<\/dd>/);
    assert.match(page.text, /<dt>Process id<\/dt>\s*<dd>\d+<\/dd>/);
  });

  it('renders in Japanese for an administrator who reads it', async () => {
    const page = await get(t, '/admin', root, { 'accept-language': 'ja' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<html lang="ja">/);
    assert.match(page.text, /<h1>サイトの管理<\/h1>/);
    assert.match(page.text, /最近のサインイン/);
    assert.doesNotMatch(page.text, /admin\.\w+/, 'no key is left untranslated');
  });

  it('filters users and rooms by what they are called, escaping what it was given', async () => {
    const page = await get(t, `/admin?q=${encodeURIComponent('memb' + HOSTILE)}`, root);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /<script>alert/);
    const only = await get(t, '/admin?q=memb', root);
    assert.match(only.text, /data-user="member"/);
    assert.doesNotMatch(only.text, /data-user="root"/);
  });

  it('refuses every action without a valid token or from another site', async () => {
    await webUser(t, 'victim');
    for (const fields of [{ csrf: '' }, { csrf: 'forged' }]) {
      const res = await post(t, '/admin/user/victim/rename', root, { ...fields, name: 'Changed' });
      assert.equal(res.status, 403);
    }
    const foreign = await postForm(
      t.url,
      '/admin/user/victim/delete',
      { csrf: root.csrf, confirm: 'yes' },
      root.cookie,
      'https://evil.example',
    );
    assert.equal(foreign.status, 403);
    const noCookie = await postForm(t.url, '/admin/user/victim/delete', { csrf: root.csrf, confirm: 'yes' });
    assert.equal(noCookie.status, 303);
    assert.match(noCookie.headers.get('location') ?? '', /^\/signin/);
    assert.equal((await t.adminStore.users.byUsername('victim'))?.name, 'victim');
  });

  it('renames a user and says so', async () => {
    await webUser(t, 'renamee');
    const res = await post(t, '/admin/user/renamee/rename', root, { name: 'New Name' });
    assert.equal(res.status, 303);
    assert.equal(res.location, '/admin?done=renamed&subject=renamee');
    assert.equal((await t.adminStore.users.byUsername('renamee'))?.name, 'New Name');
    const page = await get(t, res.location ?? '', root);
    assert.match(page.text, /role="status">\s*renamee is renamed\./);
    const bad = await post(t, '/admin/user/renamee/rename', root, { name: '' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /class="form-error" role="alert"/);
  });

  it('resets a password the administrator types, after which it signs in and the old one does not', async () => {
    await webUser(t, 'forgetful');
    const res = await post(t, '/admin/user/forgetful/password', root, { password: 'brand new pass' });
    assert.equal(res.status, 200);
    assert.match(res.text, /forgetful has a new password; their sessions ended\./);
    assert.equal(await signsIn(t, 'forgetful', 'password1'), false);
    assert.equal(await signsIn(t, 'forgetful', 'brand new pass'), true);
  });

  it('makes up a password when none is typed and shows it once', async () => {
    await webUser(t, 'lost');
    const res = await post(t, '/admin/user/lost/password', root, { password: '' });
    assert.equal(res.status, 200);
    const secret = /<code class="secret" data-secret>([^<]+)<\/code>/.exec(res.text)?.[1] ?? '';
    assert.equal(secret.length, 16);
    assert.equal(await signsIn(t, 'lost', secret), true);
    const later = await get(t, '/admin', root);
    assert.doesNotMatch(later.text, new RegExp(secret.replace(/[-_]/g, '\\$&')));
  });

  it('deletes a user only once confirmed, and ends their sessions', async () => {
    const doomed = await webUser(t, 'doomed');
    const unconfirmed = await post(t, '/admin/user/doomed/delete', root);
    assert.equal(unconfirmed.status, 400);
    assert.match(unconfirmed.text, /Tick the box to confirm\./);
    assert.ok(await t.adminStore.users.byUsername('doomed'));
    const res = await post(t, '/admin/user/doomed/delete', root, { confirm: 'yes' });
    assert.equal(res.status, 303);
    assert.equal(res.location, '/admin?done=deleted&subject=doomed');
    assert.equal(await t.adminStore.users.byUsername('doomed'), undefined);
    const settings = await get(t, '/settings', doomed);
    assert.equal(settings.status, 303, 'signed out');
    const missing = await post(t, '/admin/user/doomed/delete', root, { confirm: 'yes' });
    assert.equal(missing.status, 404);
  });

  it('deletes a room only once confirmed', async () => {
    await t.admin.addRoom({ id: 'spam', name: 'Spam' });
    const unconfirmed = await post(t, '/admin/room/spam/delete', root);
    assert.equal(unconfirmed.status, 400);
    assert.ok(await t.adminStore.rooms.byId('spam'));
    const res = await post(t, '/admin/room/spam/delete', root, { confirm: 'yes' });
    assert.equal(res.status, 303);
    assert.equal(res.location, '/admin?done=roomDeleted&subject=spam');
    assert.equal(await t.adminStore.rooms.byId('spam'), undefined);
    const page = await get(t, res.location ?? '', root);
    assert.match(page.text, /Room spam is deleted\./);
    assert.doesNotMatch(page.text, /data-room="spam"/);
  });

  it('answers an unknown action with the page and an error', async () => {
    const res = await post(t, '/admin/user/member/promote', root);
    assert.equal(res.status, 400);
    assert.match(res.text, /There is no such action on the admin page\./);
  });
});

describe('the admin page when signing in', () => {
  it('comes back to /admin after signing in', async () => {
    const t = await startTestServer();
    try {
      await makeAdmin(t, 'boss');
      const res = await postForm(t.url, '/signin', {
        username: 'boss',
        password: 'password1',
        next: '/admin',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/admin');
      const again = await webSignIn(t.url, 'boss', 'password1');
      assert.equal((await get(t, '/admin', again)).status, 200);
    } finally {
      await t.stop();
    }
  });
});
