import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { ChatEvent, NewEvent, Room } from '../../src/core/model.js';
import type { Logger } from '../../src/core/ports.js';
import { openPool, preparable, statementName, transaction } from '../../src/storage/postgres/database.js';
import { migrations } from '../../src/storage/postgres/migrations.js';
import { openPostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { startPostgres, type PrivatePostgres } from '../support/databases.js';
import { storeContract } from './store.contract.js';

let server: Promise<PrivatePostgres> | undefined;
/** One private server for the whole file, started by the first test that needs it. */
const postgres = () => (server ??= startPostgres());
after(async () => {
  if (server) await (await server).destroy();
});

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const note = (n: number): NewEvent => ({
  roomId: 'r1',
  createdAt: 1_764_000_000_000 + n,
  fact: { kind: 'access', access: { isPublic: true, deleted: false, members: [n] } },
});

/** A public room with nothing but its id set. */
const publicRoom = (id: string): Room => ({
  id,
  name: id,
  blurb: null,
  isPublic: true,
  ownerId: null,
  tags: [],
  timezone: 'UTC',
  createdAt: 1_764_000_000_000,
  passwordHash: null,
});

const waitFor = async (check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

storeContract('PostgreSQL (two pools on one database)', async () => {
  const url = await (await postgres()).database('contract');
  const store = await openPostgresStore(url, { log: quiet });
  const other = await openPostgresStore(url, { log: quiet });
  return {
    store,
    other,
    async close() {
      await store.close();
      await other.close();
    },
  };
});

describe('PostgreSQL store', () => {
  it('prepares each query with parameters once per connection, but not those with * or a text search', async () => {
    const url = await (await postgres()).database('prepared');
    const pool = openPool(url, quiet);
    try {
      const text = 'SELECT $1::int + 1 AS n';
      const starred = 'SELECT * FROM (SELECT $1::int AS n) t';
      const prepared = await transaction(pool, async (client) => {
        for (let i = 0; i < 3; i++)
          assert.equal((await client.query<{ n: number }>(text, [i])).rows[0]?.n, i + 1);
        assert.equal((await client.query<{ n: number }>(starred, [7])).rows[0]?.n, 7);
        const { rows } = await client.query<{ name: string; statement: string }>(
          'SELECT name, statement FROM pg_prepared_statements',
        );
        return rows;
      });
      assert.deepEqual(prepared, [{ name: statementName(text), statement: text }]);
      assert.notEqual(statementName(text), statementName(starred));
      assert.equal(preparable("SELECT id FROM messages WHERE text ILIKE $1 ESCAPE '\\'"), false);
      assert.equal(preparable('SELECT count(*) FROM rooms WHERE owner_id = $1'), false);
      assert.equal(preparable('SELECT id FROM rooms WHERE owner_id = $1'), true);
    } finally {
      await pool.end();
    }
  });

  it('migrates a fresh database once when several processes open it at the same moment', async () => {
    const url = await (await postgres()).database('race');
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(url, { log: quiet })));
    try {
      for (const store of stores) assert.equal(await store.events.current(), 1000);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        assert.deepEqual(
          rows.map((r) => r.version),
          migrations.map((_, i) => i + 1),
        );
        const trigram = await client.query(
          "SELECT 1 FROM pg_indexes WHERE indexname = 'messages_text_trigrams'",
        );
        assert.equal(trigram.rowCount, 1, 'the trigram index is there');
      } finally {
        await client.end();
      }
      // Opening an up-to-date database again changes nothing.
      await (await openPostgresStore(url, { log: quiet })).close();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('works without pg_trgm when the database refuses the extension, and says so once', async () => {
    const admin = await postgres();
    const url = await admin.database('plain');
    // A role that may create tables but not extensions (that needs CREATE on the database).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('CREATE ROLE plain LOGIN');
      await client.query('GRANT CREATE ON SCHEMA public TO plain');
    } finally {
      await client.end();
    }
    const warnings: string[] = [];
    const log: Logger = { ...quiet, warn: (_obj, msg) => warnings.push(msg ?? '') };
    const plainUrl = url.replace('//lingr@', '//plain@');
    const store = await openPostgresStore(plainUrl, { log });
    try {
      assert.equal(warnings.filter((w) => w.includes('pg_trgm')).length, 1);
      await store.rooms.create({
        id: 'noindex',
        name: 'No index',
        blurb: null,
        isPublic: true,
        passwordHash: null,
        ownerId: null,
        tags: [],
        timezone: 'UTC',
        createdAt: 1,
      });
      const { message } = await store.messages.append({
        roomId: 'noindex',
        type: 'user',
        speakerId: 'ann',
        publicSessionId: 'p1',
        nickname: 'Ann',
        text: 'Still Searchable',
        localId: null,
        createdAt: 1,
      });
      const found = await store.messages.searchVisible(['searchABLE'], undefined, 10, 0);
      assert.deepEqual(
        found.messages.map((m) => m.id),
        [message.id],
      );
    } finally {
      await store.close();
    }
    // Opened again, the step is done: no second warning.
    await (await openPostgresStore(plainUrl, { log })).close();
    assert.equal(warnings.filter((w) => w.includes('pg_trgm')).length, 1);
  });

  it('numbers concurrent appends from two stores in order, and a reader following along misses none', async () => {
    const url = await (await postgres()).database('counter');
    const store = await openPostgresStore(url, { log: quiet });
    const other = await openPostgresStore(url, { log: quiet });
    try {
      let told = 0;
      const stop = store.watch(() => told++);
      const start = await store.events.current();

      // A reader that steps forward from what it saw, as a process's feed does: had an id become visible
      // before a lower one, it would step past the lower one for good.
      let writing = true;
      const seen: number[] = [];
      const reader = (async () => {
        let last = start;
        for (;;) {
          const done = !writing;
          const batch = await other.events.after(last, 1000);
          for (const e of batch) {
            assert.ok(e.id > last, `event ${e.id} came after ${last}`);
            seen.push(e.id);
            last = e.id;
          }
          if (done) return;
        }
      })();

      const appends = Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? store : other).events.append(i % 10 === 0 ? [note(i), note(i + 1000)] : [note(i)]),
      );
      const written = (await Promise.all(appends)).flat();
      writing = false;
      await reader;

      const ids = written.map((e) => e.id).sort((a, b) => a - b);
      assert.equal(new Set(ids).size, 220, 'every id once');
      const read = await store.events.after(start, 1000);
      assert.deepEqual(
        read.map((e) => e.id),
        ids,
        'read back in increasing order, none missing',
      );
      assert.deepEqual(seen, ids, 'the reader saw every one, in order');
      const byId = new Map(written.map((e): [number, ChatEvent] => [e.id, e]));
      for (const e of read) assert.deepEqual(e, byId.get(e.id));
      assert.equal(await other.events.current(), ids.at(-1));

      // The store watching is told of the other's writes, not of its own.
      await waitFor(() => told > 0);
      stop();
    } finally {
      await store.close();
      await other.close();
    }
  });

  it('commits lines said together in one transaction, and one bad line fails alone', async () => {
    const url = await (await postgres()).database('grouped');
    const store = await openPostgresStore(url, { log: quiet });
    const other = await openPostgresStore(url, { log: quiet });
    try {
      await store.rooms.create(publicRoom('talk'));
      let told = 0;
      const stop = other.watch(() => told++);
      const line = (roomId: string, n: number) =>
        store.messages.append({
          roomId,
          type: 'user',
          speakerId: 'alice',
          publicSessionId: 'p',
          nickname: 'Alice',
          text: `line ${n}`,
          localId: null,
          createdAt: 1_764_000_000_000 + n,
        });
      // Said in one turn: the first commits alone, the other 19 wait for it and commit together.
      const together = await Promise.all(Array.from({ length: 20 }, (_, n) => line('talk', n)));
      await waitFor(() => told > 0);
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(told <= 3, `a notification per group, not one per line (${told})`);
      assert.equal(new Set(together.map((d) => d.event.id)).size, 20);
      const said = await Promise.allSettled(
        Array.from({ length: 20 }, (_, n) => line(n === 7 ? 'no_such_room' : 'talk', 100 + n)),
      );
      assert.equal(said[7]?.status, 'rejected', 'a line for a room that does not exist fails');
      const done = said.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      assert.equal(done.length, 19, 'the lines said with it are stored');
      for (let i = 1; i < done.length; i++) {
        const [a, b] = [done[i - 1], done[i]] as [(typeof done)[0], (typeof done)[0]];
        assert.ok(b.message.id > a.message.id && b.event.id > a.event.id, 'ids follow the order said');
      }
      for (const d of done) {
        assert.equal(d.event.fact.kind, 'message');
        assert.deepEqual(await other.messages.byId(d.message.id), d.message);
      }
      const events = await other.events.after((together.at(-1) as (typeof done)[0]).event.id, 100);
      assert.deepEqual(
        events.map((e) => e.id),
        done.map((d) => d.event.id),
        'every stored line has its event, none for the failed one',
      );
      stop();
    } finally {
      await store.close();
      await other.close();
    }
  });

  it('is told of the other store’s events only, and keeps a batch’s ids together', async () => {
    const url = await (await postgres()).database('watching');
    const store = await openPostgresStore(url, { log: quiet });
    const other = await openPostgresStore(url, { log: quiet });
    try {
      let told = 0;
      let upTo: number | undefined;
      const stop = store.watch((id) => {
        told++;
        upTo = id;
      });
      await store.events.append([note(1)]);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(told, 0, 'not told of its own writes');
      const batch = await other.events.append([note(2), note(3), note(4)]);
      assert.deepEqual(
        batch.map((e) => e.id - (batch[0] as ChatEvent).id),
        [0, 1, 2],
      );
      await waitFor(() => told === 1);
      assert.equal(upTo, (batch[2] as ChatEvent).id, 'told how far the store now reaches');
      stop();
    } finally {
      await store.close();
      await other.close();
    }
  });

  it('keeps quiet while told to (a bus carries the events), and announces what it is asked to', async () => {
    const url = await (await postgres()).database('quiet');
    const store = await openPostgresStore(url, { log: quiet });
    const other = await openPostgresStore(url, { log: quiet });
    try {
      const told: Array<number | undefined> = [];
      const stop = store.watch((id) => told.push(id));
      // Created by the watching store: it is not told of its own writes.
      await store.rooms.create(publicRoom('calm'));
      other.events.announceWrites?.(false);
      await other.events.append([note(1)]);
      const line = await other.messages.append({
        roomId: 'calm',
        type: 'user',
        speakerId: 'alice',
        publicSessionId: 'p',
        nickname: 'Alice',
        text: 'quietly',
        localId: null,
        createdAt: 1_764_000_000_001,
      });
      // A notification would arrive well within this; the listener's connection is idle.
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(told, [], 'no notification while quiet');
      await other.events.announce?.(line.event.id);
      await waitFor(() => told.length === 1);
      assert.deepEqual(told, [line.event.id], 'told how far the store reaches');
      other.events.announceWrites?.(true);
      const [loud] = await other.events.append([note(2)]);
      await waitFor(() => told.length === 2);
      assert.equal(told[1], loud?.id);
      stop();
    } finally {
      await store.close();
      await other.close();
    }
  });

  it('listens again after the server restarts, and says something may have been missed', async () => {
    const pgServer = await postgres();
    const url = await pgServer.database('restart');
    const store = await openPostgresStore(url, { log: quiet });
    try {
      let told = 0;
      const ids: Array<number | undefined> = [];
      const stop = store.watch((id) => {
        told++;
        ids.push(id);
      });
      await pgServer.stop();
      await pgServer.start();
      await waitFor(() => told > 0, 20_000);
      assert.equal(ids[0], undefined, 'after a gap in listening, how far is unknown: read it all');
      const other = await openPostgresStore(url, { log: quiet });
      try {
        const before = told;
        await other.events.append([note(1)]);
        await waitFor(() => told > before);
        assert.equal(await store.events.current(), await other.events.current());
      } finally {
        await other.close();
      }
      stop();
    } finally {
      await store.close();
    }
  });
});
