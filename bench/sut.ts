import { isLingrTarget } from './load/lingr/index.js';
import { peerServer, startPeer } from './peers/index.js';
import { scrapeMetric } from './metrics.js';
import { cpuSeconds, openFiles, peakRssKb, processTree, rssKb } from './proc-tree.js';
import { benchDataDir, startServer } from './server-process.js';
import { seed, type RoomSeed } from './setup.js';

/** The server a scenario measures, ours or a peer's, as a tree of processes. */
export interface SystemUnderTest {
  target: string;
  url: string;
  /** Server processes that serve connections (1 without workers). */
  workers: number;
  pids(): number[];
  cpuSeconds(): number;
  rssKb(): number;
  /** Sum of each process's peak RSS. */
  peakRssKb(): number;
  openFiles(): number;
  /** A Prometheus metric of the whole server; undefined where there is none (peers). */
  metric(name: string): Promise<number | undefined>;
  stop(): Promise<void>;
}

export interface SutOptions {
  target: string;
  rooms: readonly RoomSeed[];
  workers: number;
  /** Extra `lingr serve` flags. */
  serverArgs?: readonly string[];
}

/** Limits a real deployment keeps but a benchmark's one speaker and many shared sessions must not hit. */
const BENCH_SERVER_ARGS = ['--say-limit', '1000000', '--call-limit', '10000000'];

function measured(
  roots: () => number[],
): Pick<SystemUnderTest, 'pids' | 'cpuSeconds' | 'rssKb' | 'peakRssKb' | 'openFiles'> {
  const pids = () => processTree(roots());
  return {
    pids,
    cpuSeconds: () => cpuSeconds(pids()),
    rssKb: () => rssKb(pids()),
    peakRssKb: () => peakRssKb(pids()),
    openFiles: () => openFiles(pids()),
  };
}

export async function startSut(o: SutOptions): Promise<SystemUnderTest> {
  if (isLingrTarget(o.target)) {
    const dataDir = benchDataDir();
    await seed({ dataDir }, o.rooms);
    const server = await startServer(dataDir, [...BENCH_SERVER_ARGS, ...(o.serverArgs ?? [])], o.workers);
    return {
      target: o.target,
      url: server.url,
      workers: o.workers,
      ...measured(() => [server.pid]),
      metric: (name) => scrapeMetric(server.url, name),
      stop: () => server.stop(),
    };
  }
  const peer = await startPeer(o.target, o.workers);
  return {
    target: o.target,
    url: peer.url,
    workers: peerServer(o.target) === 'nchan' ? o.workers : 1,
    ...measured(() => peer.pids()),
    metric: () => Promise.resolve(undefined),
    stop: () => peer.stop(),
  };
}
