import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { secretKey } from '../src/core/ids.js';
import { checkEmail } from '../src/core/validation.js';
import { hashPassword } from '../src/engine/password.js';
import { databaseFile } from '../src/main.js';
import { addSearchIndex, migrations } from '../src/storage/sqlite/migrations.js';
import { signedIn, startTestServer, tempDataDir, type Json, type TestServer } from './support/server.js';
import { cookieOf, postForm } from './support/web.js';

const credentials = { code: 'invalid_user_credentials' };

/** The settings form as a browser posts it (multipart, like the page's form). */
function saveSettings(t: TestServer, cookie: string, csrf: string, fields: Record<string, string>) {
  const form = new FormData();
  form.set('csrf', csrf);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return fetch(`${t.url}/settings`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, origin: t.url },
    body: form,
  });
}

const settingsOf = async (t: TestServer, cookie: string) =>
  (await fetch(`${t.url}/settings`, { headers: { cookie } })).text();

const csrfIn = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
const emailFieldIn = (page: string) => /id="profile-email"[^>]*value="([^"]*)"/.exec(page)?.[1];

describe('checkEmail', () => {
  it('takes an address trimmed, with its case as typed', () => {
    assert.equal(checkEmail('  Ann.Lee+chat@Mail.Example.org\n'), 'Ann.Lee+chat@Mail.Example.org');
    assert.equal(checkEmail('名前@例え.jp'), '名前@例え.jp');
  });

  it('refuses what cannot be an address, saying why', () => {
    const refused = (raw: string, why: RegExp) =>
      assert.throws(() => checkEmail(raw), { code: 'invalid_parameter', message: why }, raw);
    refused('', /must not be empty/);
    refused('   ', /must not be empty/);
    refused('ann.example.org', /exactly one "@"/);
    refused('ann@b@example.org', /exactly one "@"/);
    refused('@example.org', /a name before the "@"/);
    refused('ann@localhost', /a domain with a dot/);
    refused('ann@.example.org', /a domain with a dot/);
    refused('ann@example.org.', /a domain with a dot/);
    refused('ann@example..org', /a domain with a dot/);
    refused('ann lee@example.org', /spaces or control characters/);
    refused('ann\u0000@example.org', /spaces or control characters/);
    refused('ann\u200b@example.org', /spaces or control characters/);
    refused(`${'a'.repeat(243)}@example.org`, /at most 254 characters/);
    assert.equal(checkEmail(`${'a'.repeat(242)}@example.org`).length, 254);
  });
});

describe('accounts with an email', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ loginFailuresPerAccount: '3' });
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby' });
  });
  after(() => t.stop());

  it('signs up with an email or without one', async () => {
    const withEmail = await postForm(t.url, '/signup', {
      username: 'ann',
      name: 'Ann',
      password: 'long enough',
      email: '  Ann@Example.org ',
    });
    assert.equal(withEmail.status, 303);
    assert.equal((await t.adminStore.users.byUsername('ann'))?.email, 'Ann@Example.org');
    const without = await postForm(t.url, '/signup', {
      username: 'ben',
      name: 'Ben',
      password: 'long enough',
      email: '',
    });
    assert.equal(without.status, 303);
    assert.equal((await t.adminStore.users.byUsername('ben'))?.email, null);
    const form = await (await fetch(`${t.url}/signup`)).text();
    assert.match(form, /<label for="email">Email \(optional\)<\/label>/);
    assert.doesNotMatch(form, /id="email"[^>]*required/);
  });

  it('refuses a sign-up with a malformed or taken email, keeping what was typed', async () => {
    const taken = await postForm(t.url, '/signup', {
      username: 'cat',
      name: 'Cat',
      password: 'long enough',
      email: 'ANN@example.ORG',
    });
    assert.equal(taken.status, 400);
    const page = await taken.text();
    assert.match(page, /role="alert">That email address is already in use\./);
    assert.match(page, /id="email"[^>]*value="ANN@example.ORG"/);
    assert.equal(await t.adminStore.users.byUsername('cat'), undefined);
    const malformed = await postForm(t.url, '/signup', {
      username: 'cat',
      name: 'Cat',
      password: 'long enough',
      email: '<b>@x',
    });
    assert.equal(malformed.status, 400);
    const text = await malformed.text();
    assert.match(text, /role="alert">email needs a domain/);
    assert.match(text, /value="&lt;b&gt;@x"/, 'what was typed comes back escaped');
  });

  it('shows the email on its owner’s profile, which changes and clears it', async () => {
    const ann = cookieOf(await postForm(t.url, '/signin', { username: 'ann', password: 'long enough' }));
    const page = await settingsOf(t, ann);
    assert.equal(emailFieldIn(page), 'Ann@Example.org');
    const ben = cookieOf(await postForm(t.url, '/signin', { username: 'ben', password: 'long enough' }));
    const bens = await settingsOf(t, ben);
    assert.equal(emailFieldIn(bens), '', 'another user sees only their own (none)');
    assert.doesNotMatch(bens, /Ann@Example\.org/i);

    const taken = await saveSettings(t, ben, csrfIn(bens), { name: 'Ben', email: 'ann@EXAMPLE.org' });
    assert.equal(taken.status, 400);
    assert.match(await taken.text(), /That email address is already in use\./);
    assert.equal((await t.adminStore.users.byUsername('ben'))?.email, null);

    const changed = await saveSettings(t, ann, csrfIn(page), { name: 'Ann', email: 'ann@example.net' });
    assert.equal(changed.status, 303);
    assert.equal(emailFieldIn(await settingsOf(t, ann)), 'ann@example.net');
    const freed = await saveSettings(t, ben, csrfIn(bens), { name: 'Ben', email: 'Ann@Example.org' });
    assert.equal(freed.status, 303, 'the old address is free for someone else');
    assert.equal((await t.adminStore.users.byUsername('ben'))?.email, 'Ann@Example.org');

    const bad = await saveSettings(t, ann, csrfIn(page), { name: 'Ann', email: 'nope' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /exactly one &quot;@&quot;/);
    const cleared = await saveSettings(t, ann, csrfIn(page), { name: 'Ann', email: '' });
    assert.equal(cleared.status, 303);
    assert.equal((await t.adminStore.users.byUsername('ann'))?.email, null);
    assert.equal(emailFieldIn(await settingsOf(t, ann)), '');
  });

  it('never shows an email to anyone else: not in room/show, rosters, events or pages', async () => {
    await t.admin.addUser({ username: 'dee', password: 'password1', email: 'dee.secret@example.org' });
    const dee = await signedIn(t, 'dee', ['lobby']);
    const other = await signedIn(t, 'eli', ['lobby']);
    const subscribed = await t.api('room/subscribe', { session: other.session, room: 'lobby' });
    await t.api('room/say', { session: dee.session, room: 'lobby', text: 'hello' });
    const replies: Json[] = [
      await t.api('room/show', { session: other.session, room: 'lobby' }),
      await t.api('room/show', { session: dee.session, room: 'lobby' }),
      await t.api('event/observe', { session: other.session, counter: subscribed.counter as number }),
      await t.api('room/get_archives', { session: other.session, room: 'lobby' }),
    ];
    const shown = JSON.stringify(replies);
    assert.match(shown, /"username":"dee"/, 'the replies do show dee');
    assert.doesNotMatch(shown, /dee\.secret|example\.org/i);
    for (const path of ['/room/lobby', '/room/lobby/members', '/room/lobby/archives', '/']) {
      const res = await fetch(`${t.url}${path}`);
      assert.doesNotMatch(await res.text(), /dee\.secret/i, path);
    }
  });

  it('logs in by email and password, whatever the email’s case, and returns the user', async () => {
    await t.admin.addUser({ username: 'fay', password: 'password1', email: 'Fay@Example.org' });
    const { accounts } = t.server.chat;
    const user = await accounts.loginByEmail(' fay@EXAMPLE.org ', 'password1', '10.0.0.1');
    assert.equal(user.username, 'fay');
    assert.equal(user.email, 'Fay@Example.org');
    await assert.rejects(accounts.loginByEmail('fay@example.org', 'password2', '10.0.0.1'), {
      ...credentials,
      message: 'The email or password is wrong.',
    });
    await assert.rejects(accounts.loginByEmail('nobody@example.org', 'password1', '10.0.0.1'), credentials);
    await assert.rejects(accounts.loginByEmail('', 'password1', '10.0.0.1'), credentials);
  });

  it('counts failures by the lower-cased email, so changing its case gains no guesses', async () => {
    await t.admin.addUser({ username: 'gus', password: 'password1', email: 'gus@example.org' });
    const { accounts } = t.server.chat;
    const from = '10.0.0.2';
    for (const email of ['gus@example.org', 'GUS@example.org', 'Gus@Example.Org'])
      await assert.rejects(accounts.loginByEmail(email, 'guess', from), credentials);
    await assert.rejects(accounts.loginByEmail('gUS@EXAMPLE.ORG', 'password1', from), {
      code: 'rate_limited',
    });
    assert.equal((await accounts.loginByEmail('gus@example.org', 'password1', '10.0.0.3')).username, 'gus');
  });

  it('never logs a guest in, whatever its record holds', async () => {
    await t.adminStore.users.create({
      username: 'guest_withemail',
      name: 'Guest',
      passwordHash: await hashPassword('password1', 10),
      createdAt: Date.now(),
      guest: true,
      email: 'guest@example.org',
    });
    await assert.rejects(
      t.server.chat.accounts.loginByEmail('guest@example.org', 'password1', '10.0.0.4'),
      credentials,
    );
  });
});

describe('a database from the version before emails', () => {
  it('opens, keeps its accounts and search index, and gains emails and room passwords', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir, { recursive: true });
    // Every step the previous version had, the search index being its last.
    const db = new Database(databaseFile(dataDir));
    db.function('lingr_secret_key', { deterministic: true }, (s: unknown) => secretKey(String(s)));
    const released = migrations.indexOf(addSearchIndex) + 1;
    for (const step of migrations.slice(0, released))
      if (typeof step === 'string') db.exec(step);
      else step(db);
    db.pragma(`user_version = ${released}`);
    db.prepare(
      "INSERT INTO users (username, name, password_hash, created_at, username_key, name_key) VALUES ('old', 'Old', ?, 0, 'old', 'old')",
    ).run(await hashPassword('old password', 10));
    db.close();
    const t = await startTestServer({}, dataDir);
    try {
      assert.equal((await t.api('session/create', { user: 'old', password: 'old password' })).status, 'ok');
      const old = await t.adminStore.users.byUsername('old');
      assert.ok(old, 'the account is still there');
      assert.equal(old.email, null);
      await t.adminStore.users.setEmail(old.id, 'Old@Example.org');
      assert.equal((await t.adminStore.users.byEmail('old@example.org'))?.username, 'old');
    } finally {
      await t.stop();
    }
  });
});
