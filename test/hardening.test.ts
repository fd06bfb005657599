import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadSettings, SettingsError } from '../src/config/settings.js';
import { hashPassword } from '../src/engine/password.js';
import { databaseFile } from '../src/main.js';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { apiFrom, send } from './support/http.js';
import { startTestServer, tempDataDir, type Json, type TestServer } from './support/server.js';
import { csrfOf, postForm, webUser } from './support/web.js';

/** Every text value stored in the session tables, to look for secrets in. */
function storedSessionText(dataDir: string): string {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  try {
    const rows = [
      ...db.prepare('SELECT * FROM sessions').all(),
      ...db.prepare('SELECT * FROM session_rooms').all(),
    ] as Array<Record<string, unknown>>;
    return rows.flatMap((r) => Object.values(r).map(String)).join('\n');
  } finally {
    db.close();
  }
}

describe('a copy of the database hands out no sessions', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addRoom({ id: 'den', name: 'Den' });
  });
  after(() => t.stop());

  it('stores only keys of session ids and form tokens, and the sessions still work after a restart', async () => {
    const web = await webUser(t, 'wendy');
    const api = (await t.api('session/create', { user: 'wendy', password: 'password1' })).session as string;
    assert.equal((await t.api('room/subscribe', { session: api, room: 'den' })).status, 'ok');
    const stored = storedSessionText(t.dataDir);
    for (const secret of [web.session, web.csrf, api])
      assert.ok(!stored.includes(secret), 'a secret is stored as it is');
    await t.restart();
    // New connections: the pool's old ones went with the old server.
    assert.equal((await apiFrom(t.url, '127.0.0.1', 'session/verify', { session: api })).session, api);
    const rooms = await apiFrom(t.url, '127.0.0.1', 'user/get_rooms', { session: web.session });
    assert.deepEqual(rooms.rooms, []);
    const joined = await postForm(t.url, '/room/den/join', { csrf: web.csrf }, web.cookie);
    assert.equal(joined.status, 303);
  });
});

describe('sessions from before keys were stored keep working', () => {
  const dataDir = tempDataDir();
  const SECRET = 'OldSessionId0123456789ab';
  const OLD_CSRF = 'OldFormToken0123456789abcdefABCD';
  let t: TestServer;
  before(async () => {
    // A file as the previous version left it: schema 4, the session id and form token stored as they are.
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(databaseFile(dataDir));
    for (const step of migrations.slice(0, 4)) if (typeof step === 'string') db.exec(step);
    db.pragma('user_version = 4');
    const now = Date.now();
    const hash = await hashPassword('password1', 10);
    db.prepare(
      "INSERT INTO users (username, name, password_hash, created_at) VALUES ('olden', 'Olden', ?, ?)",
    ).run(hash, now);
    db.prepare(
      "INSERT INTO rooms (id, name, is_public, timezone, created_at) VALUES ('old', 'Old', 1, 'UTC', ?)",
    ).run(now);
    db.prepare(
      `INSERT INTO sessions (id, public_id, user_id, nickname, created_at, last_active_at, csrf_token)
       VALUES (?, 'pub00001', 1, 'Olden', ?, ?, ?)`,
    ).run(SECRET, now, now, OLD_CSRF);
    db.prepare("INSERT INTO session_rooms (session_id, room_id, position) VALUES (?, 'old', 0)").run(SECRET);
    db.close();
    t = await startTestServer({}, dataDir);
  });
  after(() => t.stop());

  it('migrates them: the old id still signs in, keeps its rooms, and no longer stands in the file', async () => {
    const verified = await t.api('session/verify', { session: SECRET });
    assert.equal(verified.status, 'ok');
    assert.equal(verified.session, SECRET);
    const { counter } = await t.api('room/subscribe', { session: SECRET, room: 'old' });
    assert.equal(typeof counter, 'number');
    const stored = storedSessionText(dataDir);
    assert.ok(!stored.includes(SECRET) && !stored.includes(OLD_CSRF));
  });

  it('accepts the form token of a page opened before, and the new one', async () => {
    const cookie = `lingr_session=${SECRET}`;
    const page = await (await fetch(`${t.url}/room/old`, { headers: { cookie } })).text();
    const fresh = csrfOf(page);
    assert.ok(fresh.length > 20 && fresh !== OLD_CSRF);
    assert.equal((await postForm(t.url, '/room/old/join', { csrf: OLD_CSRF }, cookie)).status, 303);
    assert.equal((await postForm(t.url, '/room/old/leave', { csrf: fresh }, cookie)).status, 303);
    assert.equal((await postForm(t.url, '/room/old/join', { csrf: 'forged' }, cookie)).status, 403);
  });
});

describe('the badge snippet names our public URL, whatever the request says', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ publicUrl: 'https://chat.example.org' });
    await t.admin.addRoom({ id: 'blog', name: 'Blog' });
  });
  after(() => t.stop());

  it('ignores Host and X-Forwarded-* headers', async () => {
    const tricks: Array<Record<string, string>> = [
      { host: 'evil.example' },
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    ];
    for (const headers of tricks) {
      const room = await send(t.url, { path: '/room/blog', headers });
      assert.match(room.text, /&lt;iframe src=&quot;https:\/\/chat\.example\.org\/room\/blog\/badge&quot;/);
      assert.doesNotMatch(room.text, /evil\.example/);
      const badge = await send(t.url, { path: '/room/blog/badge', headers });
      assert.match(badge.text, /href="https:\/\/chat\.example\.org\/room\/blog"/);
      assert.doesNotMatch(badge.text, /evil\.example/);
    }
  });
});

describe('/metrics and the details of /healthz answer only to the addresses allowed', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ metricsAllow: '127.0.0.1' });
  });
  after(() => t.stop());

  const get = (from: string, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(path, t.url);
      import('node:http').then(({ request }) => {
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, localAddress: from, agent: false },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      }, reject);
    });

  it('serves them to an allowed address, and only status and counter to others', async () => {
    const inside = await get('127.0.0.1', '/healthz');
    const details = JSON.parse(inside.body) as Json;
    assert.equal(details.status, 'ok');
    assert.equal(typeof details.pid, 'number');
    assert.equal((await get('127.0.0.1', '/metrics')).status, 200);

    const outside = await get('127.0.0.2', '/healthz');
    assert.equal(outside.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(outside.body) as Json).sort(), ['counter', 'status']);
    const metrics = await get('127.0.0.2', '/metrics');
    assert.equal(metrics.status, 403);
    assert.doesNotMatch(metrics.body, /lingr_/);
    // The API itself answers everyone as before.
    assert.equal(
      (await apiFrom(t.url, '127.0.0.2', 'session/verify', { session: 'x' })).code,
      'invalid_session',
    );
  });

  it('refuses a setting that names no address', () => {
    assert.throws(() => loadSettings({ metricsAllow: 'localhost' }, {}), SettingsError);
    assert.throws(() => loadSettings({ metricsAllow: '10.0.0.0/33' }, {}), SettingsError);
  });
});
