import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Random } from './support/fuzz.js';
import { call, storedMessageIds, storedMessages } from './support/ledger.js';
import { runLingr, spawnServer } from './support/process.js';
import { tempDataDir } from './support/server.js';
import Database from 'better-sqlite3';
import { databaseFile } from '../src/main.js';

/** Runs per setting: CI's size by default; LINGR_KILL_RUNS=20 for the figures in RELIABILITY.md. */
const RUNS = Number(process.env.LINGR_KILL_RUNS ?? 2);
const SEED = Number(process.env.LINGR_KILL_SEED ?? 11);
const ROOM = 'burst';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server's processes: the primary and, with --workers, its workers. */
function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    return [pid, ...children.filter(Boolean).map(Number)];
  } catch {
    return [pid];
  }
}

/** Texts stored more than once: a line doubled somewhere between the client and the file. */
function doubled(dataDir: string): string[] {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT text FROM messages WHERE room_id = ? GROUP BY text HAVING count(*) > 1')
      .all(ROOM) as Array<{ text: string }>;
    return rows.map((r) => r.text);
  } finally {
    db.close();
  }
}

/** Four clients say numbered lines as fast as they can; every process of the server gets SIGKILL mid-burst. */
async function killMidBurst(seed: number, workers: number): Promise<{ acked: number; stored: number }> {
  const r = new Random(seed);
  const dataDir = tempDataDir();
  const users = ['k0', 'k1', 'k2', 'k3'];
  for (const u of users)
    assert.equal(runLingr(['user', 'add', u, '--password', 'password1', '--data', dataDir]).status, 0);
  assert.equal(runLingr(['room', 'add', ROOM, '--name', 'Burst', '--data', dataDir]).status, 0);
  for (const u of users) assert.equal(runLingr(['room', 'join', ROOM, u, '--data', dataDir]).status, 0);
  const args = ['--workers', String(workers), '--say-limit', '1000000'];
  let server = await spawnServer(dataDir, args);
  try {
    const sessions = await Promise.all(
      users.map(
        async (user) => (await call(server.url, 'session/create', { user, password: 'password1' })).session,
      ),
    );
    const acked = new Set<string>();
    let alive = true;
    const bursts = sessions.map(async (session, n) => {
      for (let i = 0; alive; i++) {
        try {
          const reply = await call(server.url, 'room/say', {
            session: String(session),
            room: ROOM,
            text: `${n}:${i}`,
          });
          if (reply.status === 'ok') acked.add((reply.message as { id: string }).id);
        } catch {
          alive = false; // the server is gone; what it acknowledged must have stayed
        }
      }
    });
    await pause(200 + r.int(800));
    for (const pid of processTree(server.child.pid as number)) process.kill(pid, 'SIGKILL');
    await server.exited;
    alive = false;
    await Promise.all(bursts);
    server = await spawnServer(dataDir, args);
    const stored = storedMessageIds(dataDir, ROOM);
    for (const id of acked) assert.ok(stored.has(id), `seed ${seed}: acknowledged line ${id} was lost`);
    assert.deepEqual(doubled(dataDir), [], `seed ${seed}: lines stored twice`);
    assert.equal(storedMessages(dataDir, ROOM).integrity, 'ok');
    // And the restarted server goes on from there.
    const after = await call(server.url, 'room/say', {
      session: String(sessions[0]),
      room: ROOM,
      text: 'after',
    });
    assert.equal(after.status, 'ok');
    return { acked: acked.size, stored: stored.size };
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('kill -9 in the middle of a burst of says', () => {
  for (const workers of [1, 2])
    it(`loses and doubles no acknowledged line, ${RUNS} runs with --workers ${workers}`, async (t) => {
      for (let i = 0; i < RUNS; i++) {
        const result = await killMidBurst(SEED + i, workers);
        t.diagnostic(`run ${i + 1}: ${JSON.stringify(result)}`);
        assert.ok(result.acked > 0, 'the burst got under way before the kill');
      }
    });
});

describe('SIGTERM with many held long polls', () => {
  const HELD = Number(process.env.LINGR_SIGTERM_HELD ?? 2000);

  it(`answers all ${HELD} within 5 s and exits 0`, async (t) => {
    const dataDir = tempDataDir();
    assert.equal(runLingr(['user', 'add', 'holder', '--password', 'password1', '--data', dataDir]).status, 0);
    assert.equal(runLingr(['room', 'add', 'hold', '--name', 'Hold', '--data', dataDir]).status, 0);
    assert.equal(runLingr(['room', 'join', 'hold', 'holder', '--data', dataDir]).status, 0);
    const server = await spawnServer(dataDir, ['--observe-hold', '50', '--call-limit', '1000000']);
    try {
      const session = String(
        (await call(server.url, 'session/create', { user: 'holder', password: 'password1' })).session,
      );
      const subscribed = await call(server.url, 'room/subscribe', { session, room: 'hold' });
      // The first observe brings the user online; its presence event would answer everything held.
      const first = await call(server.url, 'event/observe', { session, counter: Number(subscribed.counter) });
      const counter = Number(first.counter);
      const answers: Array<Promise<string>> = [];
      for (let i = 0; i < HELD; i++) {
        answers.push(
          call(server.url, 'event/observe', { session, counter }, 30_000).then(
            (reply) => String(reply.status),
            (err: unknown) => `failed: ${String(err)}`,
          ),
        );
        if (i % 200 === 199) await pause(20);
      }
      // Every observe is held before the signal.
      let held = 0;
      for (let w = 0; w < 200 && held < HELD; w++) {
        await pause(50);
        held = Number(
          ((await (await fetch(`${server.url}/healthz`)).json()) as { held_observes: number }).held_observes,
        );
      }
      assert.equal(held, HELD);
      const start = Date.now();
      server.child.kill('SIGTERM');
      const statuses = await Promise.all(answers);
      const took = Date.now() - start;
      const exit = await server.exited;
      t.diagnostic(`${HELD} held observes answered in ${took} ms; exit ${exit}`);
      assert.deepEqual(
        statuses.filter((s) => s !== 'ok'),
        [],
      );
      assert.ok(took < 5000, `answering took ${took} ms`);
      assert.equal(exit, 0);
    } finally {
      server.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
