import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { secretKey } from '../src/core/ids.js';
import { nameKey } from '../src/core/text.js';
import { databaseFile } from '../src/main.js';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { addNameKeys } from '../src/storage/sqlite/name-keys-migration.js';
import { startTestServer, tempDataDir, type TestServer } from './support/server.js';
import { cookieOf, csrfOf, postForm, webUser, type Browser } from './support/web.js';

const REFUSED = /is the name of a registered user; choose another nickname/;

/** A guest entered through the room page's form, with its cookie, session id and page token. */
async function enterAsGuest(t: TestServer, room: string, nickname: string): Promise<Browser> {
  const res = await postForm(t.url, `/room/${room}/guest`, { nickname });
  const text = await res.text();
  assert.equal(res.status, 303, text);
  const cookie = cookieOf(res);
  const page = await (await fetch(`${t.url}/room/${room}`, { headers: { cookie } })).text();
  return { cookie, session: cookie.split('=')[1] ?? '', csrf: csrfOf(page) };
}

describe('nameKey: names that would pass for each other', () => {
  it('folds case, spacing, full-width forms and invisible characters, and nothing else', () => {
    for (const same of ['Alice', 'alice', '  ALICE ', 'Ａｌｉｃｅ', 'Ali\u200bce', 'ａｌｉｃｅ\u3000'])
      assert.equal(nameKey(same), 'alice', JSON.stringify(same));
    assert.equal(nameKey('Robert   Smith'), nameKey('robert smith'));
    assert.equal(nameKey('Straße'), nameKey('STRASSE'));
    assert.notEqual(nameKey('Alice2'), nameKey('Alice'));
    assert.notEqual(nameKey('Alíce'), nameKey('Alice'));
  });
});

describe('guests may not take a registered user’s name', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addUser({ username: 'bob', password: 'password1', name: 'Robert Smith' });
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby', owner: 'alice' });
  });
  after(() => t?.stop());

  it('the guest form refuses a username or display name however it is written, in words, and lets no guest in', async () => {
    for (const nickname of [
      'Alice',
      'alice',
      '  ALICE  ',
      'Ａｌｉｃｅ',
      'Ali\u200bce',
      'bob',
      'BOB',
      'robert  smith',
    ]) {
      const res = await postForm(t.url, '/room/lobby/guest', { nickname });
      const text = await res.text();
      assert.equal(res.status, 400, `${JSON.stringify(nickname)}: ${text.slice(0, 200)}`);
      assert.match(text, REFUSED, JSON.stringify(nickname));
      assert.equal(res.headers.get('set-cookie'), null, `no session for ${JSON.stringify(nickname)}`);
    }
    const members = await t.adminStore.rooms.members('lobby');
    assert.deepEqual(
      members.map((m) => m.username),
      ['alice'],
      'no guest account joined the room',
    );
    const wanda = await postForm(t.url, '/room/lobby/guest', { nickname: 'Wanda' });
    await wanda.text();
    assert.equal(wanda.status, 303, 'a name nobody registered is fine');
  });

  it('a guest renaming itself later is refused the same way, by the form and by the API', async () => {
    const guest = await enterAsGuest(t, 'lobby', 'Gus');
    const renamed = await postForm(
      t.url,
      '/room/lobby/nickname',
      { nickname: 'ALICE', csrf: guest.csrf },
      guest.cookie,
    );
    assert.equal(renamed.status, 400);
    assert.match(await renamed.text(), REFUSED);

    const presence = await t.api('session/set_presence', {
      session: guest.session,
      presence: 'online',
      nickname: 'Robert Smith',
    });
    assert.equal(presence.status, 'error');
    assert.equal(presence.code, 'invalid_parameter');
    assert.match(String(presence.detail), REFUSED);

    const said = await t.api('room/say', {
      session: guest.session,
      room: 'lobby',
      text: 'hi, it is me',
      nickname: 'alice',
    });
    assert.equal(said.status, 'error', 'nor may a guest sign a line with a registered name');
    assert.equal(said.code, 'invalid_parameter');

    const verified = await t.api('session/verify', { session: guest.session });
    assert.equal(verified.nickname, 'Gus', 'the guest keeps its name');
    const record = await t.adminStore.sessions.byId(secretKey(guest.session));
    assert.equal((await t.adminStore.users.byId(record?.userId ?? 0))?.name, 'Gus');

    const fine = await postForm(
      t.url,
      '/room/lobby/nickname',
      { nickname: 'Gus B', csrf: guest.csrf },
      guest.cookie,
    );
    await fine.text();
    assert.equal(fine.status, 303, 'an unregistered name is fine');
    assert.equal(
      (
        await t.api('session/set_presence', {
          session: guest.session,
          presence: 'online',
          nickname: 'Gussie',
        })
      ).status,
      'ok',
    );
  });

  it('registered users are not held to it: API clients see no change', async () => {
    const bob = await t.api('session/create', { user: 'bob', password: 'password1' });
    const set = await t.api('session/set_presence', {
      session: bob.session as string,
      presence: 'online',
      nickname: 'Alice',
    });
    assert.equal(set.status, 'ok');
  });

  it('follows display names as they change: the old name is free again, the new one is taken', async () => {
    const bob = await webUser(t, 'bob');
    const settings = await (await fetch(`${t.url}/settings`, { headers: { cookie: bob.cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(settings)?.[1] ?? '';
    const res = await fetch(`${t.url}/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: t.url, cookie: bob.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, name: 'Bobby Tables' }).toString(),
    });
    await res.text();
    assert.equal(res.status, 303);
    const taken = await postForm(t.url, '/room/lobby/guest', { nickname: 'bobby tables' });
    assert.equal(taken.status, 400);
    assert.match(await taken.text(), REFUSED);
    const free = await postForm(t.url, '/room/lobby/guest', { nickname: 'Robert Smith' });
    await free.text();
    assert.equal(free.status, 303);
  });
});

describe('guests create no rooms', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'owner', password: 'password1', name: 'Owner' });
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby', owner: 'owner' });
  });
  after(() => t?.stop());

  it('the room form is refused to a guest with a way to sign up, and its post creates nothing', async () => {
    const guest = await enterAsGuest(t, 'lobby', 'Drifter');
    const form = await fetch(`${t.url}/rooms/new`, { headers: { cookie: guest.cookie } });
    const page = await form.text();
    assert.equal(form.status, 403);
    assert.match(page, /Sign up to create rooms/);
    assert.match(page, /href="\/signup\?next=%2Frooms%2Fnew"/);
    assert.doesNotMatch(page, /name="visibility"/, 'no room form for a guest');
    assert.doesNotMatch(page, /href="\/rooms\/new">New room/, 'the header offers signing up instead');

    const posted = await postForm(
      t.url,
      '/rooms/new',
      { csrf: guest.csrf, id: 'orphan', name: 'Orphan', visibility: 'public' },
      guest.cookie,
    );
    assert.equal(posted.status, 403);
    assert.match(await posted.text(), /Sign up to create rooms/);
    assert.equal(await t.adminStore.rooms.byId('orphan'), undefined);
  });

  it('a registered user still creates rooms the same way', async () => {
    const owner = await webUser(t, 'owner');
    const form = await (await fetch(`${t.url}/rooms/new`, { headers: { cookie: owner.cookie } })).text();
    assert.match(form, /name="visibility"/);
    const posted = await postForm(
      t.url,
      '/rooms/new',
      { csrf: owner.csrf, id: 'kept', name: 'Kept', visibility: 'public' },
      owner.cookie,
    );
    await posted.text();
    assert.equal(posted.status, 303);
    assert.equal((await t.adminStore.rooms.byId('kept'))?.name, 'Kept');
  });
});

describe('a database from before name keys', () => {
  const dataDir = tempDataDir();
  let t: TestServer;
  before(async () => {
    // The file as the previous version left it: every step before name keys, one registered user.
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(databaseFile(dataDir));
    db.function('lingr_secret_key', { deterministic: true }, (s: unknown) => secretKey(String(s)));
    const before = migrations.indexOf(addNameKeys);
    for (const step of migrations.slice(0, before))
      if (typeof step === 'string') db.exec(step);
      else step(db);
    db.pragma(`user_version = ${before}`);
    db.prepare(
      "INSERT INTO users (username, name, password_hash, created_at) VALUES ('oldtimer', 'Ｏｌｄ Timer', '!', 1)",
    ).run();
    db.prepare(
      "INSERT INTO rooms (id, name, is_public, timezone, created_at) VALUES ('then', 'Then', 1, 'UTC', 1)",
    ).run();
    db.close();
    t = await startTestServer({}, dataDir);
  });
  after(() => t?.stop());

  it('gives the users already there their keys, so their names are refused to guests too', async () => {
    for (const nickname of ['OLDTIMER', 'old timer']) {
      const res = await postForm(t.url, '/room/then/guest', { nickname });
      assert.equal(res.status, 400, nickname);
      assert.match(await res.text(), REFUSED);
    }
  });
});
