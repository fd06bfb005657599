import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { call, LedgerObserver, storedMessageIds, storedMessages } from './support/ledger.js';
import { Random } from './support/fuzz.js';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { tempDataDir } from './support/server.js';

/** Runs per test: CI's size by default; LINGR_DEATH_RUNS=20 for the full figures in RELIABILITY.md. */
const RUNS = Number(process.env.LINGR_DEATH_RUNS ?? 3);
const SEED = Number(process.env.LINGR_DEATH_SEED ?? 7);
const OBSERVERS = 6;
const ROOM = 'ledger';

/** The workers of a primary; throws with what the primary said when it is gone. */
function workerPids(server: ServerProcess): number[] {
  const primary = server.child.pid as number;
  if (server.child.exitCode !== null || server.child.signalCode !== null)
    throw new Error(
      `the primary exited (${server.child.exitCode ?? server.child.signalCode}): ${server.stderr()}`,
    );
  return readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One run: observers long-poll over fresh connections (so they spread over both workers), two speakers
 * say lines without pause, and workers are killed with SIGKILL at random moments, mid-say.
 */
async function run(seed: number): Promise<{ kills: number; acked: number; stored: number }> {
  const r = new Random(seed);
  const dataDir = tempDataDir();
  const users = ['speaker1', 'speaker2', ...Array.from({ length: OBSERVERS }, (_, i) => `observer${i}`)];
  for (const u of users)
    assert.equal(runLingr(['user', 'add', u, '--password', 'password1', '--data', dataDir]).status, 0);
  assert.equal(runLingr(['room', 'add', ROOM, '--name', 'Ledger', '--data', dataDir]).status, 0);
  for (const u of users) assert.equal(runLingr(['room', 'join', ROOM, u, '--data', dataDir]).status, 0);
  const server = await spawnServer(dataDir, [
    '--workers',
    '2',
    '--observe-hold',
    '1',
    '--say-limit',
    '1000000',
  ]);
  const base = server.url;
  try {
    const signIn = async (user: string) => {
      const created = await call(base, 'session/create', { user, password: 'password1' });
      const session = created.session as string;
      const { counter } = await call(base, 'room/subscribe', { session, room: ROOM });
      return { session, counter: counter as number };
    };
    const observers: LedgerObserver[] = [];
    for (let i = 0; i < OBSERVERS; i++) {
      const { session, counter } = await signIn(`observer${i}`);
      observers.push(
        new LedgerObserver(base, session, counter, Number(process.env.LINGR_DEATH_OBSERVE_TIMEOUT ?? 20_000)),
      );
    }
    for (const o of observers) o.start();
    const acked: string[] = [];
    let saying = true;
    const speakers = await Promise.all(['speaker1', 'speaker2'].map(signIn));
    const says = speakers.map(async ({ session }, n) => {
      for (let i = 0; saying; i++) {
        try {
          const reply = await call(base, 'room/say', { session, room: ROOM, text: `${n}:${i}` });
          if (reply.status === 'ok') acked.push((reply.message as { id: string }).id);
        } catch {
          await pause(20); // its worker died mid-say: the line may or may not be stored
        }
      }
    });
    let kills = 0;
    for (let k = 0; k < 3; k++) {
      await pause(300 + r.int(1200));
      const pids = workerPids(server);
      const victim = pids[r.int(pids.length)];
      if (victim === undefined) continue;
      process.kill(victim, 'SIGKILL');
      kills++;
      // The primary starts another; wait until two workers run again.
      for (let w = 0; w < 100 && workerPids(server).length < 2; w++) await pause(50);
    }
    await pause(500);
    saying = false;
    await Promise.all(says);
    const stored = storedMessages(dataDir, ROOM);
    assert.equal(stored.integrity, 'ok');
    const last = stored.eventIds.at(-1) ?? 0;
    // Everyone catches up to the last stored line, or the ledger shows what they never got.
    for (let w = 0; w < 200 && observers.some((o) => o.counter < last); w++) await pause(50);
    for (const o of observers) await o.stop();
    const ids = storedMessageIds(dataDir, ROOM);
    for (const id of acked) assert.ok(ids.has(id), `seed ${seed}: acknowledged line ${id} was lost`);
    for (const [i, o] of observers.entries()) {
      assert.deepEqual(o.problems, [], `seed ${seed}: observer ${i}`);
      const expected = stored.eventIds.filter((id) => id > o.startCounter);
      const missing = expected.filter((id) => !o.eventIds.includes(id));
      assert.deepEqual(
        missing.length,
        0,
        `seed ${seed}: observer ${i} (at ${o.counter}, last stored ${last}) never got ${missing.length} ` +
          `stored lines, ${missing[0]} to ${missing.at(-1)}; it got ${o.eventIds.length}`,
      );
      assert.deepEqual(o.eventIds, expected, `seed ${seed}: observer ${i} got lines out of order or twice`);
    }
    return { kills, acked: acked.length, stored: stored.eventIds.length };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('workers killed at random moments (--workers 2)', () => {
  it(`every observer gets every stored line once, in order, over ${RUNS} runs`, async (t) => {
    for (let i = 0; i < RUNS; i++) {
      const result = await run(SEED + i);
      t.diagnostic(`run ${i + 1} (seed ${SEED + i}): ${JSON.stringify(result)}`);
    }
  });
});
