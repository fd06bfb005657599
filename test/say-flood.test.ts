import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { apiFrom } from './support/http.js';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { tempDataDir } from './support/server.js';

const FLOODERS = 10;

describe('a say flood', () => {
  let server: ServerProcess;
  const dataDir = tempDataDir();
  before(async () => {
    const users = ['calm', ...Array.from({ length: FLOODERS }, (_, i) => `flooder${i}`)];
    prepare(dataDir, [
      ...users.map((u) => ['user', 'add', u, '--password', 'password1']),
      ['room', 'add', 'busy', '--name', 'Busy'],
      ...users.map((u) => ['room', 'join', 'busy', u]),
    ]);
    // The default limits: 60 says a minute per session.
    server = await spawnServer(dataDir);
  });
  after(async () => {
    await stopServer(server, dataDir);
  });

  const signIn = async (user: string) =>
    (await apiFrom(server.url, '127.0.0.1', 'session/create', { user, password: 'password1' }))
      .session as string;

  /** p95 of `n` calls of a bystander who reads the room (room/show), in ms. */
  async function bystanderP95(session: string, n: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      const shown = await apiFrom(server.url, '127.0.0.1', 'room/show', { session, room: 'busy' });
      assert.equal(shown.status, 'ok');
      times.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 20));
    }
    times.sort((a, b) => a - b);
    return times[Math.ceil(n * 0.95) - 1] as number;
  }

  it('limits each flooding session to its share, and a bystander keeps its speed', async (t) => {
    const calm = await signIn('calm');
    await bystanderP95(calm, 10);
    const quiet = await bystanderP95(calm, 40);
    const flooders = await Promise.all(Array.from({ length: FLOODERS }, (_, i) => signIn(`flooder${i}`)));
    // The flood runs in a process of its own, so the bystander's own timing does not share its event loop.
    const flood = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { apiFrom } from ${JSON.stringify(new URL('./support/http.js', import.meta.url).href)};
         const [url, ...sessions] = process.argv.slice(1);
         const codes = {};
         let flooding = true;
         process.stdin.on('data', () => (flooding = false));
         await Promise.all(sessions.map(async (session, i) => {
           for (let n = 0; flooding; n++) {
             const reply = await apiFrom(url, '127.0.0.1', 'room/say', { session, room: 'busy', text: i + ':' + n });
             const code = String(reply.code ?? reply.status);
             codes[code] = (codes[code] ?? 0) + 1;
           }
         }));
         process.stdout.write(JSON.stringify(codes));`,
        server.url,
        ...flooders,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let output = '';
    flood.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const finished = new Promise((r) => flood.once('exit', r));
    // Past the first burst that the limits let through, the flood goes on as long as the bystander reads.
    await new Promise((r) => setTimeout(r, 1500));
    const during = await bystanderP95(calm, 40);
    flood.stdin.end('stop\n');
    await finished;
    const codes = new Map(Object.entries(JSON.parse(output) as Record<string, number>));
    t.diagnostic(`bystander p95 ${quiet.toFixed(1)} ms quiet, ${during.toFixed(1)} ms during; ${[...codes]}`);
    assert.ok(
      (codes.get('ok') ?? 0) <= FLOODERS * 61,
      `more lines got through than the limit: ${[...codes]}`,
    );
    assert.ok((codes.get('rate_limited') ?? 0) > 0, 'the flood was never limited');
    assert.ok(
      during <= 2 * quiet + 20,
      `the bystander's p95 went from ${quiet.toFixed(1)} ms to ${during.toFixed(1)} ms during the flood`,
    );
  });
});
