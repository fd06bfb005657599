import { agentFor, callJson } from '../http.js';
import { LoadProcess } from '../load/pool.js';
import type { LoadReport } from '../load/protocol.js';
import { benchDataDir, startServer } from '../server-process.js';
import { BENCH_PASSWORD, seed } from '../setup.js';
import { fmt, percentile } from '../stats.js';

export interface IdleOptions {
  connections: number;
  sessions: number;
  processes: number;
  holdSeconds: number;
  rampPerSecond: number;
}

export interface IdleResult {
  held: number;
  baselineRssMb: number;
  heldRssMb: number;
  kbPerObserve: number;
  errors: number;
}

/** As many held long polls as one server process can keep (its open-file limit is 20,000 here). */
export async function idle(o: IdleOptions, log = console.log): Promise<IdleResult> {
  const room = 'idle';
  const dataDir = benchDataDir();
  const users = await seed(dataDir, room, o.sessions);
  const server = await startServer(dataDir, ['--observe-hold', '50']);
  const loads: LoadProcess[] = [];
  try {
    const deadline = Date.now() + 300_000 + o.holdSeconds * 1000;
    const perProcess = Math.ceil(o.connections / o.processes);
    const usersPer = Math.ceil(users.length / o.processes);
    for (let i = 0; i < o.processes; i++) {
      const mine = users.slice(i * usersPer, (i + 1) * usersPer);
      loads.push(
        new LoadProcess({
          url: server.url,
          room,
          users: mine,
          password: BENCH_PASSWORD,
          observesPerSession: Math.ceil(perProcess / mine.length),
          localAddress: `127.0.0.${2 + i}`,
          rampPerSecond: o.rampPerSecond / o.processes,
          deadline,
        }),
      );
    }
    await Promise.all(loads.map((l) => l.ready()));
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = server.rssKb();
    const rampStart = Date.now();
    await Promise.all(loads.map((l) => l.go(600_000)));
    const agent = agentFor('127.0.0.1');
    const health = async () => (await callJson(agent, server.url, '/healthz', {})).held_observes as number;
    let held = await health();
    for (let i = 0; i < 50 && held < o.connections; i++) {
      await new Promise((r) => setTimeout(r, 200));
      held = await health();
    }
    log(`idle: ramped to ${held} held observes in ${fmt((Date.now() - rampStart) / 1000)} s`);
    const holdUntil = Date.now() + o.holdSeconds * 1000;
    let minHeld = held;
    const samples = [server.rssKb()];
    while (Date.now() < holdUntil) {
      await new Promise((r) => setTimeout(r, 1000));
      const h = await health();
      minHeld = Math.min(minHeld, h);
      samples.push(server.rssKb());
    }
    // Peak includes the churn when every hold ends and is re-issued; the median is the steady state.
    const rss = Math.max(...samples);
    const median = percentile(
      [...samples].sort((a, b) => a - b),
      50,
    );
    held = await health();
    log(
      `  server memory (MB): ${JSON.stringify((await callJson(agent, server.url, '/healthz', {})).memory_mb)}`,
    );
    const reports: LoadReport[] = await Promise.all(loads.map((l) => l.report()));
    const errors = reports.reduce((a, r) => a + r.errors, 0);
    const result: IdleResult = {
      held,
      baselineRssMb: baseline / 1024,
      heldRssMb: rss / 1024,
      kbPerObserve: (rss - baseline) / held,
      errors,
    };
    log(
      `idle: ${held} held observes (lowest during the hold ${minHeld}) over ${o.sessions} sessions, ${o.holdSeconds} s\n` +
        `  server RSS baseline ${fmt(result.baselineRssMb)} MB, holding ${fmt(result.heldRssMb)} MB\n` +
        `  ${fmt(result.kbPerObserve, 2)} KB per held observe above baseline at peak RSS ` +
        `(${fmt((median - baseline) / held, 2)} KB at median RSS), ${fmt(rss / held, 2)} KB total peak RSS per observe\n` +
        `  errors ${errors}${reports.find((r) => r.firstError)?.firstError ? ` (first: ${reports.find((r) => r.firstError)?.firstError})` : ''}`,
    );
    return result;
  } finally {
    for (const l of loads) l.kill();
    await server.stop();
  }
}
