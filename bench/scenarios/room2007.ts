import { agentFor, callJson } from '../http.js';
import { LoadProcess } from '../load/pool.js';
import { benchLine, type LoadReport } from '../load/protocol.js';
import { benchDataDir, startServer } from '../server-process.js';
import { BENCH_PASSWORD, seed } from '../setup.js';
import { fmt, nowMs, summarize } from '../stats.js';

export interface Room2007Options {
  clients: number;
  seconds: number;
  rate: number;
  /** Load-generator processes. */
  processes: number;
}

export interface Room2007Result {
  p50: number;
  p99: number;
  max: number;
  lines: number;
  expected: number;
  deliveries: number;
  missing: number;
  duplicates: number;
  errors: number;
  deliveriesPerSecond: number;
  cpuSeconds: number;
  peakRssMb: number;
}

/** Lingr's 2007 figure: a line to 300 people in one room, 3 lines a second, each long-polling. */
export async function room2007(o: Room2007Options, log = console.log): Promise<Room2007Result> {
  const room = 'lingr2007';
  const dataDir = benchDataDir();
  const users = await seed(dataDir, room, o.clients + 1);
  const speakerName = users.pop() as string;
  const server = await startServer(dataDir, ['--observe-hold', '40', '--say-limit', '1000000']);
  const loads: LoadProcess[] = [];
  try {
    const deadline = Date.now() + 120_000 + o.seconds * 1000;
    const share = Math.ceil(users.length / o.processes);
    for (let i = 0; i < o.processes; i++) {
      loads.push(
        new LoadProcess({
          url: server.url,
          room,
          users: users.slice(i * share, (i + 1) * share),
          password: BENCH_PASSWORD,
          observesPerSession: 1,
          localAddress: `127.0.0.${2 + i}`,
          rampPerSecond: 1000,
          deadline,
        }),
      );
    }
    await Promise.all(loads.map((l) => l.ready()));
    await Promise.all(loads.map((l) => l.go()));
    const agent = agentFor('127.0.0.1');
    const { session } = await callJson(agent, server.url, '/api/session/create', {
      user: speakerName,
      password: BENCH_PASSWORD,
    });
    // Let every observer's first poll settle before timing anything.
    await new Promise((r) => setTimeout(r, 1000));
    const cpuBefore = server.cpuSeconds();
    const started = Date.now();
    const lines = Math.round(o.seconds * o.rate);
    let sayErrors = 0;
    const says: Array<Promise<unknown>> = [];
    for (let seq = 0; seq < lines; seq++) {
      const due = started + (seq * 1000) / o.rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      says.push(
        callJson(
          agent,
          server.url,
          '/api/room/say',
          { session: session as string, room, text: benchLine(seq, nowMs()) },
          'POST',
        ).catch(() => sayErrors++),
      );
    }
    await Promise.all(says);
    const elapsed = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const cpuSeconds = server.cpuSeconds() - cpuBefore;
    const reports: LoadReport[] = await Promise.all(loads.map((l) => l.report()));
    const latencies = reports.flatMap((r) => r.latencies);
    const distinct = reports.flatMap((r) => r.distinctPerLoop);
    const expected = lines * users.length;
    const got = distinct.reduce((a, b) => a + b, 0);
    const s = summarize(latencies);
    const result: Room2007Result = {
      ...s,
      lines,
      expected,
      deliveries: got,
      missing: expected - got,
      duplicates: reports.reduce((a, r) => a + r.duplicates, 0),
      errors: sayErrors + reports.reduce((a, r) => a + r.errors, 0),
      deliveriesPerSecond: got / elapsed,
      cpuSeconds,
      peakRssMb: server.peakRssKb() / 1024,
    };
    log(
      `room2007: ${users.length} long-polling clients, ${o.rate} lines/s for ${o.seconds} s (${lines} lines)\n` +
        `  latency say->delivery ms  p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}\n` +
        `  deliveries ${got}/${expected} (missing ${result.missing}, duplicates ${result.duplicates}), ${fmt(result.deliveriesPerSecond, 0)}/s\n` +
        `  errors ${result.errors}${reports.find((r) => r.firstError)?.firstError ? ` (first: ${reports.find((r) => r.firstError)?.firstError})` : ''}\n` +
        `  server CPU ${fmt(cpuSeconds, 2)} s during the run (${fmt((cpuSeconds * 1000) / Math.max(1, got / 1000), 1)} ms per 1,000 deliveries), peak RSS ${fmt(result.peakRssMb)} MB`,
    );
    return result;
  } finally {
    for (const l of loads) l.kill();
    await server.stop();
  }
}
