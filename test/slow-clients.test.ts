import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { call } from './support/ledger.js';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { tempDataDir } from './support/server.js';

/** Slow connections per kind: CI's size by default; LINGR_SLOW_CLIENTS=1000 for RELIABILITY.md. */
const SLOW = Number(process.env.LINGR_SLOW_CLIENTS ?? 300);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Slow {
  socket: Socket;
  /** When the server closed it (ms since the start), or undefined while open. */
  closedAt?: number;
  answer: string;
}

/** A client that sends `head` at once, then one more byte of `tail` every `everyMs`, forever. */
function dribble(port: number, head: string, tail: string, everyMs: number, start: number): Slow {
  const socket = connect(port, '127.0.0.1');
  const slow: Slow = { socket, answer: '' };
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < tail.length && !socket.destroyed) socket.write(tail[sent++] as string);
  }, everyMs);
  socket.on('connect', () => socket.write(head));
  socket.on('data', (d) => (slow.answer += d.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(timer);
    slow.closedAt = performance.now() - start;
  });
  return slow;
}

describe('slowloris and slow bodies', () => {
  let server: ServerProcess;
  const dataDir = tempDataDir();
  before(async () => {
    prepare(dataDir, [
      ['user', 'add', 'steady', '--password', 'password1'],
      ['room', 'add', 'steady', '--name', 'Steady', '--owner', 'steady'],
    ]);
    server = await spawnServer(dataDir, [
      '--header-timeout',
      '1',
      '--request-timeout',
      '2',
      '--say-limit',
      '100000',
    ]);
  });
  after(async () => {
    await stopServer(server, dataDir);
  });

  it(`times out ${SLOW} slow headers and ${SLOW} slow bodies while normal requests keep answering`, async (t) => {
    const port = Number(new URL(server.url).port);
    const session = (await call(server.url, 'session/create', { user: 'steady', password: 'password1' }))
      .session as string;
    const start = performance.now();
    const slowHeaders: Slow[] = [];
    const slowBodies: Slow[] = [];
    for (let i = 0; i < SLOW; i++) {
      slowHeaders.push(
        dribble(
          port,
          'GET /api/session/verify HTTP/1.1\r\n',
          `X-Slow-${i}: ${'a'.repeat(200)}\r\n\r\n`,
          200,
          start,
        ),
      );
      slowBodies.push(
        dribble(
          port,
          'POST /api/room/say HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n',
          'x'.repeat(500),
          200,
          start,
        ),
      );
      if (i % 50 === 49) await pause(10);
    }
    // Meanwhile, a steady client talks as usual.
    const latencies: number[] = [];
    for (let i = 0; i < 40; i++) {
      const sent = performance.now();
      const said = await call(server.url, 'room/say', { session, room: 'steady', text: `steady ${i}` });
      assert.equal(said.status, 'ok');
      latencies.push(performance.now() - sent);
      await pause(50);
    }
    // The slow ones are cut off at the limits (1 s for headers, 2 s for the whole request, checked every 250 ms).
    const all = [...slowHeaders, ...slowBodies];
    for (let w = 0; w < 100 && all.some((s) => s.closedAt === undefined); w++) await pause(50);
    const open = all.filter((s) => s.closedAt === undefined).length;
    for (const s of all) s.socket.destroy();
    latencies.sort((a, b) => a - b);
    const p95 = latencies[Math.ceil(latencies.length * 0.95) - 1] as number;
    const latest = (list: Slow[]) => Math.max(...list.map((s) => s.closedAt ?? Infinity));
    t.diagnostic(
      `slow headers closed by ${latest(slowHeaders).toFixed(0)} ms, slow bodies by ${latest(slowBodies).toFixed(0)} ms; ` +
        `steady says p95 ${p95.toFixed(1)} ms`,
    );
    assert.equal(open, 0, `${open} slow connections were still open`);
    assert.ok(
      slowBodies.every((s) => /^HTTP\/1\.1 408/.test(s.answer) || s.answer === ''),
      'a slow body was answered with something other than 408',
    );
    assert.ok(p95 < 1000, `steady says took up to ${p95.toFixed(0)} ms`);
  });
});
