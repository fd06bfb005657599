import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseFile } from '../src/main.js';
import type { Bot, BotFailure } from '../src/core/model.js';
import { connectionConfig } from '../src/storage/postgres/database.js';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { startPostgres, type PrivatePostgres } from './support/databases.js';
import { prepare, runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import type { Reply } from './support/streams.js';
import { cookieOf, postForm, webSignIn, type Browser } from './support/web.js';

// The smallest valid PNG: one transparent pixel.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
  'hex',
);

/** Every row of every table SQLite keeps data in (not its bookkeeping or the search index's shadows). */
function sqliteTables(file: string): Map<string, Json[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = (
      db.prepare('PRAGMA table_list').all() as Array<{ schema: string; name: string; type: string }>
    )
      .filter((t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_'))
      .map((t) => t.name);
    return new Map(tables.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all() as Json[]]));
  } finally {
    db.close();
  }
}

/** The same tables' rows in PostgreSQL, flags as SQLite's 0 and 1. */
async function postgresRows(url: string, tables: Map<string, Json[]>): Promise<Map<string, Json[]>> {
  const client = new pg.Client(connectionConfig(url));
  await client.connect();
  try {
    const out = new Map<string, Json[]>();
    for (const table of tables.keys()) {
      const { rows } = await client.query<Json>(`SELECT * FROM ${table}`);
      out.set(
        table,
        rows.map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? Number(v) : v])),
        ),
      );
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Rows in one order whatever order their store gave them (and their columns) in. */
const sortRows = (rows: Json[]): Json[] => {
  const key = (row: Json) => JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)));
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
};

describe('lingr copy: a SQLite installation moves to PostgreSQL, and its clients carry on', () => {
  const dataDir = tempDataDir();
  const emptyDir = tempDataDir();
  const noInstallation = tempDataDir();
  let postgres: PrivatePostgres;
  let server: ServerProcess | undefined;
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await postgres?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(noInstallation, { recursive: true, force: true });
  });

  it('copies every row with its ids; sessions, counters, passwords, icons and rooms work on PostgreSQL', async () => {
    // An installation used as people use it: accounts, rooms, a guest, lines, a star, an icon, a link.
    prepare(dataDir, [
      ['user', 'add', 'alice', '--password', 'password1', '--name', 'Alice', '--email', 'Alice@Example.org'],
      ['user', 'add', 'bob', '--password', 'password2', '--name', 'Bob'],
      ['room', 'add', 'lobby', '--name', 'Lobby', '--owner', 'alice', '--tags', 'talk,misc'],
      ['room', 'add', 'den', '--name', 'The Den', '--owner', 'alice', '--private'],
      ['room', 'join', 'lobby', 'bob'],
    ]);
    server = await spawnServer(dataDir);
    const sqliteUrl = server.url;
    const api = (m: string, p: Record<string, string | number> = {}) => getJson(`${sqliteUrl}/api/${m}`, p);

    const alice = (await api('session/create', { user: 'alice', password: 'password1' })).session as string;
    const bob = (await api('session/create', { user: 'bob', password: 'password2' })).session as string;
    const subscribed = await api('room/subscribe', { session: bob, room: 'lobby' });
    assert.equal(subscribed.status, 'ok');
    const say = async (session: string, text: string, room = 'lobby') => {
      const said = await api('room/say', { session, room, text });
      assert.equal(said.status, 'ok', JSON.stringify(said));
      return (said.message as Json).id as string;
    };
    const first = await say(alice, 'one');
    await say(bob, 'two');
    await say(alice, 'secret plans', 'den');
    const doomed = await say(alice, 'oops');
    const seen = (await api('event/observe', {
      session: bob,
      counter: subscribed.counter as number,
    })) as unknown as Reply;
    assert.deepEqual(
      seen.events.flatMap((e) => (e.message ? [e.message.text] : [])),
      ['one', 'two', 'oops'],
    );
    const resumeAt = seen.counter;
    // The last lines before the copy: bob has not observed them yet.
    await say(alice, 'three');
    await say(bob, 'four');
    assert.equal((await api('favorite/add', { session: bob, message: first })).status, 'ok');

    const guestRes = await postForm(sqliteUrl, '/room/lobby/guest', { nickname: 'Wanda' });
    await guestRes.text();
    assert.equal(guestRes.status, 303);
    const guest = cookieOf(guestRes).split('=')[1] ?? '';

    const web: Browser = await webSignIn(sqliteUrl, 'alice', 'password1');
    const settings = await (await fetch(`${sqliteUrl}/settings`, { headers: { cookie: web.cookie } })).text();
    const form = new FormData();
    form.set('csrf', /name="csrf" value="([^"]+)"/.exec(settings)?.[1] ?? '');
    form.set('name', 'Alice');
    form.set('icon', new Blob([PNG], { type: 'image/png' }), 'icon');
    const uploaded = await fetch(`${sqliteUrl}/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: web.cookie, origin: sqliteUrl },
      body: form,
    });
    await uploaded.text();
    assert.equal(uploaded.status, 303, 'the icon is stored');
    const link = await postForm(sqliteUrl, '/room/den/members/link', { csrf: web.csrf }, web.cookie);
    await link.text();
    assert.equal(link.status, 303, 'the invitation link is made');
    // API 1.0: a session logged in by email, its occupant of the private room, and a line naming it.
    const v1 = (m: string, p: Record<string, string>) => api(m, { ...p, format: 'json' });
    const v1session = (await v1('session/create', { api_key: 'k', client_type: 'human' })).session as string;
    const login = { session: v1session, email: 'alice@example.org', password: 'password1' };
    assert.equal((await v1('auth/login', login)).status, 'ok');
    const entered = await v1('room/enter', { session: v1session, id: 'den', nickname: 'Al' });
    const v1said = await v1('room/say', {
      session: v1session,
      ticket: entered.ticket as string,
      message: 'by API 1.0',
    });
    assert.equal(v1said.status, 'ok', JSON.stringify(v1said));

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    server = undefined;
    // A site administrator, and an account deleted by the operator: its username stays taken.
    prepare(dataDir, [
      ['user', 'admin', 'alice'],
      ['user', 'add', 'zed', '--password', 'password9'],
      ['user', 'delete', 'zed'],
    ]);
    const file = databaseFile(dataDir);
    // Bots, put in through the store (the web pages for them come later): one in a room with a delivery
    // leased by a process of this installation, which the copy must not carry over; its cursor it must.
    const sqliteStore = openSqliteStore(file);
    const aliceId = (await sqliteStore.users.byUsername('alice'))?.id ?? 0;
    const vimBot: Bot = {
      id: 'vim_jp',
      name: 'Vim bot',
      ownerId: aliceId,
      secret: 'S'.repeat(27),
      callbackUrl: 'https://bots.example/vim',
      // Switched off: the servers of this test say lines in its rooms, and must not call out for them.
      enabled: false,
      createdAt: 1_764_000_000_000,
    };
    const offline: Bot = {
      ...vimBot,
      id: 'Offline',
      name: 'Off',
      ownerId: null,
      callbackUrl: null,
    };
    const failures: BotFailure[] = [1, 2, 3].map((n) => ({
      at: 1_764_000_000_000 + n,
      roomId: 'lobby',
      eventId: n,
      reason: `HTTP 50${n}`,
    }));
    try {
      await sqliteStore.bots.create(vimBot);
      await sqliteStore.bots.create(offline);
      await sqliteStore.bots.setIcon('vim_jp', { type: 'image/png', bytes: PNG }, 1);
      assert.equal(await sqliteStore.bots.addToRoom('den', 'vim_jp', resumeAt - 1, 1), true);
      assert.equal(await sqliteStore.bots.addToRoom('lobby', 'vim_jp', resumeAt, 2), true);
      assert.equal(await sqliteStore.bots.addToRoom('lobby', 'Offline', resumeAt, 3), true);
      const far = Date.now() + 3_600_000;
      assert.equal(await sqliteStore.bots.claim('vim_jp', 'lobby', 'old-node', Date.now(), far), resumeAt);
      for (const f of failures) await sqliteStore.bots.noteFailure('vim_jp', f, 10);
    } finally {
      await sqliteStore.close();
    }
    // A line taken down: kept, as deleted, in the copy too.
    const db = new Database(file);
    db.prepare('UPDATE messages SET deleted_at = created_at + 1 WHERE id = ?').run(Number(doomed));
    // A room password (API 1.0 sets them): its hash travels with the room.
    db.prepare("UPDATE rooms SET password_hash = 'scrypt$10$c2FsdA==$a2V5' WHERE id = 'den'").run();
    db.prepare(
      "INSERT INTO room_icons (room_id, type, bytes, updated_at) VALUES ('lobby', 'image/png', ?, 1)",
    ).run(PNG);
    // The language Alice chose for the pages travels with her account.
    db.prepare("UPDATE users SET language = 'ja' WHERE username = 'alice'").run();
    const lastEvent = (db.prepare('SELECT max(id) AS id FROM events').get() as { id: number }).id;
    const copiedLines = db
      .prepare(
        "SELECT id, payload FROM events WHERE id > ? AND kind = 'message' AND room_id = 'lobby' ORDER BY id",
      )
      .all(resumeAt) as Array<{ id: number; payload: string }>;
    db.close();
    const before = sqliteTables(file);
    for (const table of ['users', 'user_icons', 'rooms', 'room_icons', 'room_tags', 'room_invitations'])
      assert.ok((before.get(table) ?? []).length > 0, `the installation has ${table} to copy`);
    for (const table of [
      'memberships',
      'sessions',
      'session_rooms',
      'messages',
      'favorites',
      'events',
      'meta',
      'v1_sessions',
      'v1_occupants',
      'bots',
      'bot_icons',
      'room_bots',
      'bot_failures',
      'retired_users',
    ])
      assert.ok((before.get(table) ?? []).length > 0, `the installation has ${table} to copy`);
    assert.ok(
      (before.get('users') ?? []).some((u) => u.username === 'alice' && u.admin === 1),
      'a site administrator to copy',
    );
    assert.ok(
      (before.get('rooms') ?? []).some((r) => r.password_hash !== null),
      'a room has a password to copy',
    );
    assert.ok(
      (before.get('users') ?? []).some((u) => u.username === 'alice' && u.language === 'ja'),
      'a user has a language to copy',
    );
    assert.ok(
      (before.get('messages') ?? []).some((m) => m.occupant_id !== null && m.client_type === 'human'),
      'a line names its API 1.0 occupant',
    );

    // A password in the URL is never printed (the test server trusts any).
    const target = postgres.url.replace('lingr@', 'lingr:hunter2@');
    const copied = runLingr(['copy', '--from', dataDir, '--to', target]);
    assert.equal(copied.status, 0, copied.stderr);
    assert.equal(copied.stderr, '', 'no progress lines when stderr is not a terminal');
    const users = before.get('users')?.length ?? 0;
    const messages = before.get('messages')?.length ?? 0;
    const events = before.get('events')?.length ?? 0;
    const bots = before.get('bots')?.length ?? 0;
    assert.equal(
      copied.stdout,
      `copied ${users} users, 2 rooms, ${bots} bots, ${messages} messages, ${events} events (counter ${lastEvent}) to ` +
        `${postgres.url.replace('lingr@', 'lingr:***@')}\n`,
    );
    assert.doesNotMatch(copied.stdout + copied.stderr, /hunter2/);

    assert.ok(
      (before.get('room_bots') ?? []).some((r) => r.holder === 'old-node' && (r.lease_until as number) > 0),
      'a bot’s delivery is leased in the installation',
    );

    // Row for row, the same: ids, hashes, keys, flags, read marks, deleted lines, payloads, icon bytes,
    // bots' cursors; only their delivery leases, held by processes of the old installation, are not.
    const after = await postgresRows(postgres.url, before);
    const unleased = (table: string, rows: Json[]) =>
      table === 'room_bots' ? rows.map((r) => ({ ...r, holder: null, lease_until: 0 })) : rows;
    for (const [table, rows] of before)
      assert.deepEqual(
        sortRows(after.get(table) ?? []),
        sortRows(unleased(table, rows)),
        `${table} is copied as it was`,
      );

    // The old installation's lease is not carried over: a process of the new one may deliver at once, from
    // where the old one stood (checked before any server runs here, which would take the lease itself).
    const leaseCheck = await openPostgresStore(postgres.url);
    try {
      assert.equal(
        await leaseCheck.bots.claim('vim_jp', 'lobby', 'new-node', Date.now(), Date.now() + 60_000),
        resumeAt,
        'a process of the new installation delivers from where the old one stood',
      );
      await leaseCheck.bots.release('vim_jp', 'lobby', 'new-node');
    } finally {
      await leaseCheck.close();
    }

    // Copying again, into what now holds data, is refused with one line and changes nothing.
    const again = runLingr(['copy', '--from', dataDir, '--to', target]);
    assert.notEqual(again.status, 0);
    assert.match(
      again.stderr,
      /^lingr: postgres:\/\/lingr:\*\*\*@[^ ]+ already holds data \(\d+ users, 2 rooms, \d+ events\)[^\n]*\n$/,
    );
    assert.doesNotMatch(again.stderr, /hunter2/);
    // The deleted account's username came along as taken; the administrator as one.
    const reused = runLingr(['user', 'add', 'zed', '--password', 'password9', '--database', postgres.url]);
    assert.equal(reused.status, 1);
    assert.match(reused.stderr, /^lingr: User "zed" already exists\.\n$/);
    const admin = runLingr(['user', 'show', 'alice', '--json', '--database', postgres.url]);
    assert.equal((JSON.parse(admin.stdout) as Json).admin, true, admin.stderr);

    // The server on PostgreSQL, with no SQLite file anywhere near it.
    server = await spawnServer(emptyDir, ['--database', postgres.url]);
    const pgUrl = server.url;
    const api2 = (m: string, p: Record<string, string | number> = {}) => getJson(`${pgUrl}/api/${m}`, p);

    assert.equal((await api2('session/verify', { session: bob })).status, 'ok', 'an old session still works');
    assert.equal((await api2('session/verify', { session: guest })).status, 'ok', 'so does a guest’s');
    const resumed = (await api2('event/observe', { session: bob, counter: resumeAt })) as unknown as Reply;
    const resumedLines = resumed.events.filter((e) => e.message);
    assert.deepEqual(
      resumedLines.map((e) => [e.event_id, e.message?.text]),
      copiedLines.map((l) => [l.id, (JSON.parse(l.payload) as Json).text]),
      'an observe from before the last copied lines gets exactly those, with their ids',
    );
    assert.deepEqual(
      resumedLines.map((e) => e.message?.text),
      ['three', 'four'],
    );

    const newer = (await api2('session/create', { user: 'alice', password: 'password1' })) as Json;
    assert.equal(newer.status, 'ok', 'the old password signs in');
    const said = await api2('room/say', { session: newer.session as string, room: 'lobby', text: 'after' });
    assert.equal(said.status, 'ok');
    const maxMessage = Math.max(...(before.get('messages') ?? []).map((m) => m.id as number));
    assert.ok(Number((said.message as Json).id) > maxMessage, 'a new line is numbered above the copied ones');
    const live = (await api2('event/observe', {
      session: bob,
      counter: resumed.counter,
    })) as unknown as Reply;
    const afterLine = live.events.find((e) => e.message?.text === 'after');
    assert.ok(afterLine, JSON.stringify(live));
    assert.ok(
      afterLine.event_id > lastEvent,
      `event ${afterLine.event_id} is above every copied one (${lastEvent})`,
    );

    const lobby = ((await api2('room/show', { session: bob, room: 'lobby' })).rooms as Json[])[0] as Json;
    assert.equal(lobby.name, 'Lobby');
    assert.deepEqual(lobby.faved_message_ids, [first], 'bob’s star is there');
    const texts = (lobby.messages as Json[]).map((m) => m.text);
    assert.deepEqual(texts, ['one', 'two', 'three', 'four', 'after'], 'the lines, without the deleted one');
    const members = ((lobby.roster as Json).members as Json[]).map((m) => m.username).sort();
    assert.deepEqual(
      members.filter((u) => u === 'alice' || u === 'bob'),
      ['alice', 'bob'],
    );
    assert.equal(
      (await api2('room/show', { session: bob, room: 'den' })).code,
      'not_found',
      'den stays private',
    );
    const den = ((await api2('room/show', { session: alice, room: 'den' })).rooms as Json[])[0] as Json;
    assert.deepEqual(
      (den.messages as Json[]).map((m) => m.text),
      ['secret plans', 'by API 1.0'],
      'its owner still reads it',
    );
    assert.match(await (await fetch(`${pgUrl}/tag/talk`)).text(), /Lobby/, 'tags lead to their rooms');

    const icon = await fetch(`${pgUrl}/images/user/alice/42x42.gif`);
    assert.equal(icon.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await icon.arrayBuffer()), PNG, 'the uploaded icon is there');
    const roomIcon = await fetch(`${pgUrl}/images/room/lobby/16x16.gif`);
    assert.equal(roomIcon.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await roomIcon.arrayBuffer()), PNG, 'so is the room’s');

    // The bots, as they were: their rooms in order, cursors, icon and failures; the lease is free at once.
    const pgStore = await openPostgresStore(postgres.url);
    try {
      assert.deepEqual(await pgStore.bots.list(), [offline, vimBot]);
      assert.deepEqual(await pgStore.bots.roomsOf('vim_jp'), ['den', 'lobby']);
      assert.deepEqual(
        (await pgStore.bots.inRoom('lobby')).map((b) => b.id),
        ['vim_jp', 'Offline'],
      );
      assert.deepEqual(await pgStore.bots.icon('vim_jp'), { type: 'image/png', bytes: PNG });
      assert.deepEqual(await pgStore.bots.failures('vim_jp'), [...failures].reverse());
      await assert.rejects(pgStore.bots.create({ ...offline, id: 'OFFLINE' }), { code: 'invalid_parameter' });
      // Sequences carry on above the copied rows.
      assert.equal(await pgStore.bots.addToRoom('den', 'Offline', 0, 4), true);
      assert.deepEqual(await pgStore.bots.roomsOf('Offline'), ['lobby', 'den']);
      await pgStore.bots.noteFailure('vim_jp', { ...(failures[0] as BotFailure), at: Date.now() }, 10);
      assert.equal((await pgStore.bots.failures('vim_jp')).length, 4);
    } finally {
      await pgStore.close();
    }

    // Emails come along with what keeps them unique whatever their case.
    const sameEmail = runLingr([
      ...['user', 'add', 'alice2', '--password', 'password3', '--email', 'ALICE@example.org'],
      ...['--database', postgres.url],
    ]);
    assert.equal(sameEmail.stderr, 'lingr: That email address is already in use.\n');

    // Other sequences carry on above the copied ids too.
    const added = runLingr(['user', 'add', 'carol', '--password', 'password3', '--database', postgres.url]);
    assert.equal(added.status, 0, added.stderr);
    const maxUser = Math.max(...(before.get('users') ?? []).map((u) => u.id as number));
    const carol = await api2('session/create', { user: 'carol', password: 'password3' });
    assert.equal(carol.status, 'ok');
    const client = new pg.Client(connectionConfig(postgres.url));
    await client.connect();
    try {
      const { rows } = await client.query<{ id: number }>("SELECT id FROM users WHERE username = 'carol'");
      assert.ok((rows[0]?.id ?? 0) > maxUser, 'a new user is numbered above the copied ones');
    } finally {
      await client.end();
    }
  });

  it('refuses bad input with one clear line, before touching anything', () => {
    const missing = runLingr(['copy', '--from', dataDir]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /^lingr: copy needs --from DIR and --to postgres:\/\/[^\n]*\n$/);
    const noFile = runLingr(['copy', '--from', noInstallation, '--to', postgres.url]);
    assert.notEqual(noFile.status, 0);
    assert.match(noFile.stderr, /^lingr: there is no lingr\.db in [^\n]*\n$/);
    const mysql = runLingr(['copy', '--from', dataDir, '--to', 'mysql://u:hunter2@h/db']);
    assert.notEqual(mysql.status, 0);
    assert.match(mysql.stderr, /^lingr: --to must look like postgres:\/\/[^\n]*\n$/);
    assert.doesNotMatch(mysql.stderr, /hunter2/);
    const help = runLingr(['copy', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /stop it for the final/);
  });
});
