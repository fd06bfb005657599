import { rmSync } from 'node:fs';
import { startPostgres, startRedis } from '../scripts/databases.js';
import { currentPinning } from './cpu-pinning.js';
import { throughNginx } from './load/lingr/index.js';
import { metricValues, scrapeMetric, scrapeMetrics } from './metrics.js';
import { startNginxFront, type NginxFront } from './nginx-front.js';
import { benchDataDir, startServer, type LingrServer } from './server-process.js';
import { seed } from './setup.js';
import { cpuSeconds, measuredTree, processTree } from './proc-tree.js';
import type { ServerFigures, SutOptions, SystemUnderTest } from './sut.js';

/** Nodes of the `lingr-nodes-*` targets: the three deploy/nginx.conf is written for. */
export const NODES = 3;

interface Daemon {
  pid(): number | undefined;
  signal: NodeJS.Signals;
}

/**
 * Postmasters and Redis servers still running: a run that ends abruptly (an exception, a signal) must not
 * leave one behind. The nodes are ended by server-process.ts the same way; their temp dirs may stay.
 */
const daemons = new Set<Daemon>();
process.on('exit', () => {
  for (const daemon of daemons) {
    const pid = daemon.pid();
    if (pid === undefined) continue;
    try {
      process.kill(pid, daemon.signal);
    } catch {
      // already gone
    }
  }
});

/**
 * Our server as three `lingr serve --database … --redis …` nodes on a private PostgreSQL and a private
 * Redis, seeded like one node, optionally behind a private nginx (`lingr-nodes-nginx-*`). Every one of
 * those processes is the server: its CPU and memory are counted, and all of them run on the server's cores.
 * Subscribers are spread round-robin over the nodes (`urls`), or all go through nginx; the speaker says
 * its lines to the first node, or through nginx.
 */
export async function startNodes(o: SutOptions, serverArgs: readonly string[]): Promise<SystemUnderTest> {
  const cpus = currentPinning().server;
  const undo: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    const [pgStarted, redisStarted] = await Promise.allSettled([
      startPostgres({ cpus }),
      startRedis({ cpus }),
    ]);
    // PostgreSQL's immediate shutdown; Redis keeps nothing worth a clean stop.
    for (const [r, signal] of [
      [pgStarted, 'SIGQUIT'],
      [redisStarted, 'SIGKILL'],
    ] as const) {
      if (r.status === 'rejected') continue;
      const daemon: Daemon = { pid: () => r.value.pid(), signal };
      daemons.add(daemon);
      undo.push(async () => {
        daemons.delete(daemon);
        await r.value.destroy();
      });
    }
    if (pgStarted.status === 'rejected') throw pgStarted.reason;
    if (redisStarted.status === 'rejected') throw redisStarted.reason;
    const pg = pgStarted.value;
    const redis = redisStarted.value;

    const seedDir = benchDataDir();
    try {
      await seed({ dataDir: seedDir, database: pg.url }, o.rooms);
    } finally {
      rmSync(seedDir, { recursive: true, force: true });
    }

    const shared = ['--database', pg.url, '--redis', redis.url];
    const started = await Promise.allSettled(
      Array.from({ length: NODES }, () => startServer(benchDataDir(), [...serverArgs, ...shared], o.workers)),
    );
    const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    undo.push(() => Promise.all(nodes.map((n) => n.stop())).then(() => undefined));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    let nginx: NginxFront | undefined;
    if (throughNginx(o.target)) {
      // 10,000 clients cost nginx 20,000 connections: more than one worker may hold within its open files.
      nginx = await startNginxFront(
        nodes.map((n) => `127.0.0.1:${n.port}`),
        Math.max(2, o.workers),
      );
      undo.push((nginx as NginxFront).stop);
    }
    const nodeUrls = nodes.map((n) => n.url);
    const front = nginx;
    return {
      target: o.target,
      url: front?.url ?? (nodeUrls[0] as string),
      urls: front ? [front.url] : nodeUrls,
      workers: NODES * o.workers,
      ...measuredTree(() => [
        ...nodes.map((n) => n.pid),
        ...[pg.pid(), redis.pid()].filter((p): p is number => p !== undefined),
        ...(front?.pids() ?? []),
      ]),
      cpuByPart: () => {
        const of = (roots: ReadonlyArray<number | undefined>) =>
          cpuSeconds(processTree(roots.filter((p): p is number => p !== undefined)));
        return {
          nodes: of(nodes.map((n) => n.pid)),
          postgres: of([pg.pid()]),
          redis: of([redis.pid()]),
          ...(front ? { nginx: of(front.pids()) } : {}),
        };
      },
      metric: (name) => sumOverNodes(nodes, name),
      serverFigures: () => nodesFigures(nodes),
      stop: cleanUp,
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** A metric summed over the nodes (each node sums its own workers); undefined if no node has it. */
async function sumOverNodes(nodes: readonly LingrServer[], name: string): Promise<number | undefined> {
  const values = await Promise.all(nodes.map((n) => scrapeMetric(n.url, name)));
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? known.reduce((a, v) => a + v, 0) : undefined;
}

/**
 * What several nodes add to a run's figures: the bus lag, the most any node (any worker) saw from a
 * message published on Redis to its arrival, since the nodes started (the ramp included).
 */
async function nodesFigures(nodes: readonly LingrServer[]): Promise<ServerFigures> {
  const texts = await Promise.all(nodes.map((n) => scrapeMetrics(n.url, { per: 'worker' })));
  const lags = texts.flatMap((t) =>
    t === undefined ? [] : metricValues(t, 'lingr_bus_lag_seconds', { which: 'max' }),
  );
  return { nodes: nodes.length, ...(lags.length > 0 ? { busLagMaxSeconds: Math.max(...lags) } : {}) };
}
