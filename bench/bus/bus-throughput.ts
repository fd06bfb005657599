import cluster from 'node:cluster';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeResult } from '../results.js';
import { WorkerBus } from '../../src/bus/cluster-worker-bus.js';
import { runPrimary, WORKER_SLOT_ENV } from '../../src/cluster.js';
import { loadSettings } from '../../src/config/settings.js';
import type { ChatEvent } from '../../src/core/model.js';
import type { BusMessage } from '../../src/core/ports.js';
import type { ToPrimary } from '../../src/bus/cluster-protocol.js';
import { createLogger } from '../../src/log.js';

/**
 * The cluster bus on its own: the real primary (`runPrimary`) relays events from worker 1 to workers
 * 2..N, as fast as worker 1 can publish them, in realistic batches (what one loop turn stores). Measures
 * events/s relayed and publish-to-receive latency. Run: `node dist/bench/bus/bus-throughput.js [events]
 * [batch] [workers] [events/s, 0 = flat out]`; with BUS_BENCH_OUT=FILE.json the figures are written there too.
 */
const EVENTS = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 10);
const WORKERS = Number(process.argv[4] ?? 3);
/** Events per second to publish at; 0 = as fast as the publisher can. */
const RATE = Number(process.argv[5] ?? 0);
const RESULTS = process.env.BUS_BENCH_RESULTS ?? '';

const event = (id: number): ChatEvent => ({
  id,
  roomId: 'lingr2007',
  createdAt: performance.timeOrigin + performance.now(),
  fact: {
    kind: 'message',
    message: {
      id,
      roomId: 'lingr2007',
      type: 'user',
      speakerId: 'u1',
      publicSessionId: 'pAbCdEfGhIjKlMnOpQrStUv',
      nickname: 'Speaker One',
      text: `bench line ${id}: a sentence of ordinary chat length, give or take.`,
      localId: null,
      createdAt: Date.now(),
    },
  },
});

async function worker(): Promise<void> {
  const slot = Number(process.env[WORKER_SLOT_ENV]);
  const bus = new WorkerBus((m) => process.send?.(m));
  process.on('message', (m) => bus.receive(m));
  // The primary waits for every worker to say it is ready, as a real server's workers do.
  process.send?.({ lingr: 'ready' } satisfies ToPrimary);
  const started = performance.now();
  if (slot === 1) {
    await new Promise((r) => setTimeout(r, 500));
    for (let id = 1; id <= EVENTS;) {
      for (let i = 0; i < BATCH && id <= EVENTS; i++) bus.publish({ kind: 'events', events: [event(id++)] });
      // One batch per loop turn, as the server publishes what one turn stored.
      const wait = RATE > 0 ? started + 500 + (id * 1000) / RATE - performance.now() : 0;
      await new Promise((r) => (wait > 1 ? setTimeout(r, wait) : setImmediate(r)));
    }
    return;
  }
  let received = 0;
  const latencies: number[] = [];
  let first = 0;
  bus.subscribe((m: BusMessage) => {
    if (m.kind !== 'events') return;
    const now = performance.timeOrigin + performance.now();
    if (received === 0) first = now;
    for (const e of m.events) {
      received++;
      if (received % 100 === 0) latencies.push(now - e.createdAt);
    }
    if (received === EVENTS) {
      latencies.sort((a, b) => a - b);
      const seconds = (now - first) / 1000;
      writeFileSync(
        `${RESULTS}.${slot}`,
        JSON.stringify({
          slot,
          received,
          seconds,
          perSecond: received / seconds,
          p50: latencies[Math.floor(latencies.length * 0.5)],
          p99: latencies[Math.floor(latencies.length * 0.99)],
          setupMs: first - started,
        }),
      );
    }
  });
}

async function primary(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lingr-bus-'));
  process.env.BUS_BENCH_RESULTS = join(dir, 'result');
  const settings = loadSettings({ data: dir, port: '0', workers: String(WORKERS) }, {});
  const running = await runPrimary(settings, createLogger('warn'));
  const files = Array.from({ length: WORKERS - 1 }, (_, i) => `${join(dir, 'result')}.${i + 2}`);
  const deadline = Date.now() + 120_000;
  const results: Array<{ perSecond: number; p50: number; p99: number }> = [];
  while (Date.now() < deadline && results.length < files.length) {
    await new Promise((r) => setTimeout(r, 200));
    results.length = 0;
    for (const f of files)
      try {
        results.push(JSON.parse(readFileSync(f, 'utf8')) as (typeof results)[number]);
      } catch {
        // Not written yet.
      }
  }
  await running.close();
  rmSync(dir, { recursive: true, force: true });
  if (results.length < files.length) throw new Error('the bus did not deliver every event within 120 s');
  const slowest = Math.min(...results.map((r) => r.perSecond));
  console.log(
    `bus: ${EVENTS} events from 1 worker to ${WORKERS - 1}, ${BATCH} per loop turn, ${RATE > 0 ? `paced at ${RATE}/s` : 'flat out'}: ` +
      `${Math.round(slowest).toLocaleString('en')} events/s relayed to each (slowest receiver), ` +
      `latency p50 ${Math.max(...results.map((r) => r.p50)).toFixed(2)} ms, p99 ${Math.max(...results.map((r) => r.p99)).toFixed(2)} ms`,
  );
  const out = process.env.BUS_BENCH_OUT;
  if (out)
    await writeResult(dirname(out), basename(out, '.json'), {
      scenario: 'bus-throughput',
      date: new Date().toISOString(),
      machine: { cores: cpus().length, node: process.version },
      events: EVENTS,
      batch: BATCH,
      workers: WORKERS,
      rate: RATE,
      perSecondSlowestReceiver: slowest,
      p50: Math.max(...results.map((r) => r.p50)),
      p99: Math.max(...results.map((r) => r.p99)),
    });
}

if (cluster.isWorker) await worker();
else await primary();
