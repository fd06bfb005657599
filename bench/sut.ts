import { ircUrl } from './load/lingr/irc.js';
import { isIrcTarget, isLingrTarget, isNodesTarget } from './load/lingr/index.js';
import { startNodes } from './nodes.js';
import { peerServer, startPeer } from './peers/index.js';
import { scrapeMetric } from './metrics.js';
import { measuredTree } from './proc-tree.js';
import { benchDataDir, startServer } from './server-process.js';
import { seed, type RoomSeed } from './setup.js';

/** Figures only the server can give, read at the end of a run. */
export interface ServerFigures {
  /** Nodes sharing one store and one bus (several-node targets). */
  nodes?: number;
  /** The most any node saw of `lingr_bus_lag_seconds{which="max"}`: publish on Redis to arrival. */
  busLagMaxSeconds?: number;
  /** Several nodes: the server CPU of the lines phase, by part (sums to `cpuSeconds`, give or take a tick). */
  cpuByPart?: Record<string, number>;
}

/** The server a scenario measures, ours or a peer's, as a tree of processes. */
export interface SystemUnderTest {
  target: string;
  /** Where the speaker says its lines. */
  url: string;
  /** Where subscribers connect, round-robin: `[url]`, or every node's own URL for several nodes. */
  urls: readonly string[];
  /** `irc://HOST:PORT` when the server serves IRC (started for an IRC target). */
  ircUrl?: string;
  /** Server processes that serve connections (1 without workers; every node's for several nodes). */
  workers: number;
  pids(): number[];
  cpuSeconds(): number;
  /** Several nodes: the CPU seconds of each part (the nodes, PostgreSQL, Redis, nginx) so far. */
  cpuByPart?(): Record<string, number>;
  rssKb(): number;
  /** Sum of each process's peak RSS. */
  peakRssKb(): number;
  openFiles(): number;
  /** A Prometheus metric of the whole server (summed over nodes); undefined where there is none (peers). */
  metric(name: string): Promise<number | undefined>;
  serverFigures(): Promise<ServerFigures>;
  stop(): Promise<void>;
}

export interface SutOptions {
  target: string;
  rooms: readonly RoomSeed[];
  /** Per node for several nodes. */
  workers: number;
  /** Extra `lingr serve` flags. */
  serverArgs?: readonly string[];
}

/** Limits a real deployment keeps but a benchmark's one speaker and many shared sessions must not hit. */
const BENCH_SERVER_ARGS = ['--say-limit', '1000000', '--call-limit', '10000000'];

const none = (): Promise<ServerFigures> => Promise.resolve({});

export async function startSut(o: SutOptions): Promise<SystemUnderTest> {
  const serverArgs = [...BENCH_SERVER_ARGS, ...(o.serverArgs ?? [])];
  if (isNodesTarget(o.target)) return startNodes(o, serverArgs);
  if (isLingrTarget(o.target)) {
    const irc = isIrcTarget(o.target);
    const dataDir = benchDataDir();
    await seed({ dataDir }, o.rooms);
    const server = await startServer(
      dataDir,
      irc ? [...serverArgs, '--irc-port', '0'] : serverArgs,
      o.workers,
    );
    if (irc && !server.ircPort) {
      await server.stop();
      throw new Error(`${o.target}: the server did not say which IRC port it listens on`);
    }
    return {
      target: o.target,
      url: server.url,
      urls: [server.url],
      ...(server.ircPort ? { ircUrl: ircUrl('127.0.0.1', server.ircPort) } : {}),
      workers: o.workers,
      ...measuredTree(() => [server.pid]),
      metric: (name) => scrapeMetric(server.url, name),
      serverFigures: none,
      stop: () => server.stop(),
    };
  }
  const peer = await startPeer(o.target, o.workers);
  return {
    target: o.target,
    url: peer.url,
    urls: [peer.url],
    workers: peerServer(o.target) === 'nchan' ? o.workers : 1,
    ...measuredTree(() => peer.pids()),
    metric: () => Promise.resolve(undefined),
    serverFigures: none,
    stop: () => peer.stop(),
  };
}

/**
 * Where a target's subscribers connect: the IRC port for IRC, the server's HTTP URLs otherwise (the idle
 * connections that an IRC run of s2 or the sweep holds beside it are ours over HTTP).
 */
export function subscriberUrls(
  sut: Pick<SystemUnderTest, 'urls' | 'ircUrl'>,
  target: string,
): readonly string[] {
  if (!isIrcTarget(target)) return sut.urls;
  if (sut.ircUrl === undefined) throw new Error(`${target} needs a server that serves IRC (--irc-port)`);
  return [sut.ircUrl];
}
