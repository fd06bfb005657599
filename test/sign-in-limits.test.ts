import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiFrom } from './support/http.js';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { startTestServer, tempDataDir, type TestServer } from './support/server.js';

const PASSWORD = 'right password';
/** The nth loopback address past 127.0.0.1: each is a different client to the server. */
const address = (n: number) => `127.0.${Math.floor((n + 2) / 250)}.${((n + 2) % 250) + 1}`;

const create = (t: { url: string }, from: string, user: string, password: string) =>
  apiFrom(t.url, from, 'session/create', { user, password });

describe('sign-in limits that slow guessing without locking anyone out', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      loginFailuresPerAccount: '5',
      loginFailuresAccountTotal: '10',
      loginFailuresPerAddress: '1000',
    });
    for (const username of ['victim', 'spread', 'racer'])
      await t.admin.addUser({ username, password: PASSWORD });
  });
  after(() => t.stop());

  it('refuses an address that keeps failing, never the right password from elsewhere', async () => {
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push((await create(t, address(1), 'victim', 'guess')).code);
    assert.deepEqual(codes.slice(0, 5), Array(5).fill('invalid_user_credentials'));
    assert.deepEqual(codes.slice(5), Array(3).fill('rate_limited'));
    // The guesser's address is refused even the right password for a while; the owner elsewhere is not.
    assert.equal((await create(t, address(1), 'victim', PASSWORD)).code, 'rate_limited');
    assert.equal((await create(t, address(2), 'victim', PASSWORD)).status, 'ok');
  });

  it('slows guesses from many addresses to one each, and still lets the owner in', async () => {
    for (let n = 10; n < 22; n++)
      assert.equal((await create(t, address(n), 'spread', 'guess')).code, 'invalid_user_credentials');
    // Past the account-wide limit, an address that has failed against the account may not try again...
    assert.equal((await create(t, address(10), 'spread', 'guess again')).code, 'rate_limited');
    assert.equal((await create(t, address(10), 'spread', PASSWORD)).code, 'rate_limited');
    // ...but one that never failed still signs in with the right password.
    assert.equal((await create(t, address(40), 'spread', PASSWORD)).status, 'ok');
  });

  it('checks and counts in one step: concurrent guesses get no more tries than the limit', async () => {
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => create(t, address(60), 'racer', 'concurrent guess')),
    );
    const tries = replies.filter((r) => r.code === 'invalid_user_credentials').length;
    assert.equal(tries, 5, `${tries} guesses were checked against a limit of 5`);
    assert.equal(replies.filter((r) => r.code === 'rate_limited').length, 15);
  });
});

describe('sign-in floods are bounded', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ loginAttempts: '30', hashConcurrency: '1', hashQueue: '4' });
    await t.admin.addUser({ username: 'often', password: PASSWORD });
  });
  after(() => t.stop());

  it('limits every sign-in from one address, successful ones included', async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 33; i++) codes.push((await create(t, address(100), 'often', PASSWORD)).status);
    assert.deepEqual(codes.slice(0, 30), Array(30).fill('ok'));
    assert.deepEqual(codes.slice(30), Array(3).fill('error'));
    assert.equal((await create(t, address(100), 'often', PASSWORD)).code, 'rate_limited');
    assert.equal((await create(t, address(101), 'often', PASSWORD)).status, 'ok');
  });

  it('runs at most the allowed hashes at once and refuses the rest at once', async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => create(t, address(200 + i), `nobody${i}`, 'guess')),
    );
    const refused = replies.filter((r) => r.code === 'rate_limited');
    const checked = replies.filter((r) => r.code === 'invalid_user_credentials');
    assert.equal(refused.length + checked.length, 40);
    assert.ok(checked.length >= 5, `only ${checked.length} sign-ins were checked`);
    assert.ok(refused.length > 0, 'a burst past the queue was not refused');
    assert.match(String(refused[0]?.detail), /busy/);
  });
});

describe('a sign-in flood leaves the rest of the API its speed', () => {
  let server: ServerProcess;
  const dataDir = tempDataDir();
  before(async () => {
    prepare(dataDir, [
      ['user', 'add', 'bystander', '--password', PASSWORD],
      ['room', 'add', 'calm', '--name', 'Calm', '--owner', 'bystander'],
    ]);
    // The real hashing cost (2^16: 64 MiB), one hash at a time: what a flood must not turn into a stall.
    server = await spawnServer(dataDir, [
      '--password-cost',
      '16',
      '--hash-concurrency',
      '1',
      '--hash-queue',
      '4',
      '--login-attempts',
      '5',
      '--say-limit',
      '100000',
    ]);
  });
  after(async () => {
    await stopServer(server, dataDir);
  });

  /** p95 of `n` say + show round trips, in ms, one after another. */
  async function bystanderP95(session: string, n: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await apiFrom(server.url, '127.0.0.1', 'room/say', { session, room: 'calm', text: `line ${i}` });
      await apiFrom(server.url, '127.0.0.1', 'room/show', { session, room: 'calm' });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.ceil(n * 0.95) - 1] as number;
  }

  it('answers a bystander as fast during 600 sign-ins from 240 addresses as before', async (t) => {
    const session = (await create(server, '127.0.0.1', 'bystander', PASSWORD)).session as string;
    await bystanderP95(session, 20);
    const quiet = await bystanderP95(session, 40);
    let done = false;
    const codes = new Map<string, number>();
    // 100 attempts a second for six seconds, as a botnet keeps it up: enough to keep every core hashing.
    const flood = (async () => {
      const sent: Array<Promise<void>> = [];
      const start = performance.now();
      for (let i = 0; i < 600; i++) {
        const wait = start + i * 10 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sent.push(
          create(server, address(300 + (i % 240)), `intruder${i}`, 'guess').then(
            (r) => void codes.set(String(r.code), (codes.get(String(r.code)) ?? 0) + 1),
          ),
        );
      }
      await Promise.all(sent);
      done = true;
    })();
    await new Promise((r) => setTimeout(r, 500));
    const during = await bystanderP95(session, 40);
    const stillFlooding = !done;
    await flood;
    t.diagnostic(`bystander p95 ${quiet.toFixed(1)} ms quiet, ${during.toFixed(1)} ms during; ${[...codes]}`);
    assert.ok(stillFlooding, 'the flood ended before the bystander was measured');
    assert.equal(
      [...codes.values()].reduce((a, b) => a + b, 0),
      600,
    );
    assert.ok((codes.get('rate_limited') ?? 0) > 300, `refused: ${JSON.stringify([...codes])}`);
    assert.ok(
      during <= 2 * quiet + 20,
      `the bystander's p95 went from ${quiet.toFixed(1)} ms to ${during.toFixed(1)} ms during the flood`,
    );
  });
});
