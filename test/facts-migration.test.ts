import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { secretKey } from '../src/core/ids.js';
import { hashPassword } from '../src/engine/password.js';
import { databaseFile } from '../src/main.js';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { startTestServer, tempDataDir, type Json, type TestServer } from './support/server.js';

/** The events of one room as the previous version stored them: API 2.0 objects, icon URLs and all. */
const OLD_EVENTS: Array<[string, Json]> = [
  [
    'membership',
    {
      username: 'old',
      name: 'Old Timer',
      icon_url: 'http://old.example/images/user/old/42x42.gif',
      is_owner: true,
      is_online: false,
      pokeable: false,
      timestamp: '2026-11-01T10:00:00Z',
      room: 'then',
      action: 'join',
      text: 'Old Timer joined the room',
    },
  ],
  [
    'presence',
    {
      room: 'then',
      public_session_id: 'pub00001',
      username: 'old',
      nickname: 'Old Timer',
      icon_url: 'http://old.example/images/user/old/42x42.gif',
      timestamp: '2026-11-01T10:00:05Z',
      status: 'online',
      text: 'Old Timer is now online',
    },
  ],
  [
    'message',
    {
      id: '1',
      local_id: 'mine-1',
      public_session_id: 'pub00001',
      room: 'then',
      type: 'user',
      speaker_id: 'old',
      nickname: 'Old Timer',
      icon_url: 'http://old.example/images/user/old/42x42.gif',
      text: 'said before the upgrade',
      timestamp: '2026-11-01T10:00:09Z',
    },
  ],
  [
    'membership',
    {
      username: 'old',
      name: 'Older',
      icon_url: 'http://old.example/images/user/old/42x42.gif',
      is_owner: true,
      is_online: true,
      pokeable: false,
      timestamp: '2026-11-01T10:00:00Z',
      room: 'then',
      action: 'update',
      text: 'Old Timer is now known as Older',
    },
  ],
];

describe('a database whose log holds API 2.0 replies', () => {
  const dataDir = tempDataDir();
  const SECRET = 'OldSessionId0123456789ab';
  let t: TestServer;
  before(async () => {
    // The file as the previous version left it: schema 5, events stored as API 2.0 objects.
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(databaseFile(dataDir));
    db.function('lingr_secret_key', { deterministic: true }, (s: unknown) => secretKey(String(s)));
    for (const step of migrations.slice(0, 5)) if (typeof step === 'string') db.exec(step);
    db.pragma('user_version = 5');
    const at = Date.parse('2026-11-01T10:00:00Z');
    db.prepare(
      "INSERT INTO users (username, name, password_hash, created_at) VALUES ('old', 'Older', ?, ?)",
    ).run(await hashPassword('password1', 10), at);
    db.prepare(
      "INSERT INTO rooms (id, name, is_public, timezone, created_at) VALUES ('then', 'Then', 1, 'UTC', ?)",
    ).run(at);
    db.prepare('INSERT INTO memberships (room_id, user_id, is_owner, joined_at) VALUES (?, 1, 1, ?)').run(
      'then',
      at,
    );
    db.prepare(
      `INSERT INTO messages (room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at)
       VALUES ('then', 'user', 'old', 'pub00001', 'Old Timer', 'said before the upgrade', 'mine-1', ?)`,
    ).run(at + 9000);
    db.prepare(
      `INSERT INTO sessions (id, public_id, user_id, nickname, created_at, last_active_at) VALUES (?, 'pub00001', 1, 'Older', ?, ?)`,
    ).run(secretKey(SECRET), Date.now(), Date.now());
    db.prepare("INSERT INTO session_rooms (session_id, room_id, position) VALUES (?, 'then', 0)").run(
      secretKey(SECRET),
    );
    const insert = db.prepare('INSERT INTO events (room_id, kind, payload, created_at) VALUES (?, ?, ?, ?)');
    OLD_EVENTS.forEach(([kind, payload], i) =>
      insert.run('then', kind, JSON.stringify(payload), at + i * 5000),
    );
    db.close();
    // The events are a month old: a year of retention keeps them.
    t = await startTestServer(
      { publicUrl: 'https://chat.example.org', eventRetention: String(365 * 24 * 3600) },
      dataDir,
    );
  });
  after(() => t.stop());

  it('migrates them to facts and answers observes exactly as before, icons at the public URL of now', async () => {
    const observed = await t.api('event/observe', { session: SECRET, counter: 1000 });
    assert.equal(observed.status, 'ok', JSON.stringify(observed));
    const events = (observed.events as Array<Record<string, Json>>).slice(0, 4);
    const icon = 'https://chat.example.org/images/user/old/42x42.gif';
    const expected = OLD_EVENTS.map(([kind, payload], i) => ({
      event_id: 1001 + i,
      [kind]: { ...payload, icon_url: icon },
    }));
    assert.deepEqual(events, expected);
    const db = new Database(databaseFile(dataDir), { readonly: true });
    const stored = db.prepare('SELECT payload FROM events ORDER BY id').all() as Array<{ payload: string }>;
    db.close();
    for (const { payload } of stored) assert.doesNotMatch(payload, /icon_url|old\.example/);
  });
});
