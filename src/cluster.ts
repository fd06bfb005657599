import cluster, { type Worker } from 'node:cluster';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from './core/ports.js';
import type { Settings } from './config/settings.js';
import { isToPrimary, type MetricsJson, type ToPrimary, type ToWorker } from './bus/cluster-protocol.js';
import { ConnectionHandoff } from './bus/connection-handoff.js';
import { ClusterRelay, type RelayMember } from './bus/cluster-relay.js';
import { IRC_LISTENER, openStore } from './main.js';

/** Environment variable that tells a worker its slot (1..N), stable across restarts. */
export const WORKER_SLOT_ENV = 'LINGR_WORKER_SLOT';
/** Environment variable that tells a worker the port the primary listens on for every worker. */
export const WORKER_PORT_ENV = 'LINGR_WORKER_PORT';
const GATHER_TIMEOUT_MS = 5_000;
/** A worker that dies this soon after starting, this many times in a row, means something is broken. */
const QUICK_DEATH_MS = 5_000;
const QUICK_DEATHS_ALLOWED = 5;

export interface RunningCluster {
  port: number;
  ircPort: number | undefined;
  /** Stops every worker gracefully. */
  close(): Promise<void>;
}

interface Gather {
  pending: Set<number>;
  results: Array<{ slot: number; metrics: MetricsJson }>;
  done: () => void;
}

const dropped = (): void => undefined;

/** Listens for the workers: connections are accepted paused, so nothing is read before a worker has them. */
function listenFor(port: number, host: string, take: (socket: Socket) => void): Promise<NetServer> {
  return new Promise((resolve, reject) => {
    const server = createNetServer({ pauseOnConnect: true }, take);
    server.once('error', reject);
    server.listen({ port, host, backlog: 4096 }, () => resolve(server));
  });
}

/**
 * The primary of `lingr serve --workers N`: prepares the store, listens, forks N workers and hands each
 * connection to one of them in turn, relays the bus between them, keeps the presence ledger, gathers
 * metrics, and restarts a worker that dies.
 */
export async function runPrimary(settings: Settings, log: Logger): Promise<RunningCluster> {
  // Migrations run once, here, before any worker opens the store.
  await (await openStore(settings)).close();
  cluster.setupPrimary({ serialization: 'advanced' });

  const slots = new Map<Worker, number>();
  const gathers = new Map<number, Gather>();
  let nextGather = 1;
  let stopping = false;
  let quickDeaths = 0;
  const handoff = new ConnectionHandoff();
  const listeners: NetServer[] = [];
  try {
    for (const [i, port] of [settings.port, settings.secondPort].entries())
      if (i === 0 || port > 0)
        listeners.push(await listenFor(port, settings.host, (s) => handoff.offer(s, i)));
    // IRC sockets go to the workers too, as their own listener; each worker does the TLS of its own.
    if (settings.ircPort !== undefined)
      listeners.push(await listenFor(settings.ircPort, settings.host, (s) => handoff.offer(s, IRC_LISTENER)));
  } catch (err) {
    for (const l of listeners) l.close();
    throw err;
  }
  const port = (listeners[0]?.address() as AddressInfo).port;
  const ircListener = settings.ircPort === undefined ? undefined : listeners[listeners.length - 1];
  const ircPort = (ircListener?.address() as AddressInfo | undefined)?.port;
  const readyWaiters = new Map<Worker, () => void>();

  const workers = (): Worker[] => [...slots.keys()].filter((w) => w.isConnected());
  // A worker that just died may still look connected: what is sent to it then fails, and is dropped
  // (it is restarted, and its successor reads the store).
  const tell = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m, undefined, undefined, dropped);
  };

  const gatherMetrics = (perWorker: boolean): Promise<string> =>
    new Promise<Array<{ slot: number; metrics: MetricsJson }>>((resolve) => {
      const id = nextGather++;
      const targets = workers();
      const gather: Gather = {
        pending: new Set(targets.map((w) => w.id)),
        results: [],
        done: () => {
          gathers.delete(id);
          resolve(gather.results);
        },
      };
      gathers.set(id, gather);
      // A worker that does not answer (stuck or dying) leaves its series out rather than the scrape.
      setTimeout(gather.done, GATHER_TIMEOUT_MS).unref();
      for (const w of targets) tell(w, { lingr: 'gather-metrics', id });
      if (targets.length === 0) gather.done();
    }).then((results) => {
      const labelled = results.map(({ slot, metrics }) =>
        perWorker ? metrics.map((m) => withLabel(m, 'worker', String(slot))) : metrics,
      );
      return AggregatorRegistry.aggregate(labelled).metrics();
    });

  // One relay member per worker, made once: the relay runs for every bus message.
  const members = new Map<Worker, RelayMember>();
  const member = (w: Worker): RelayMember => {
    let m = members.get(w);
    if (!m) members.set(w, (m = { id: w.id, send: (message) => tell(w, message) }));
    return m;
  };
  const relay = new ClusterRelay(() => workers().map(member));

  const receive = (w: Worker, m: ToPrimary): void => {
    if (relay.receive(member(w), m)) return;
    switch (m.lingr) {
      case 'metrics':
        void gatherMetrics(m.perWorker).then(
          (text) => tell(w, { lingr: 'reply', id: m.id, value: text }),
          (err: unknown) => {
            log.error({ err }, 'gathering metrics');
            tell(w, { lingr: 'reply', id: m.id, value: '' });
          },
        );
        break;
      case 'metrics-json': {
        const gather = gathers.get(m.id);
        if (!gather || !gather.pending.delete(w.id)) break;
        gather.results.push({ slot: slots.get(w) ?? 0, metrics: m.metrics });
        if (gather.pending.size === 0) gather.done();
        break;
      }
      case 'ready':
        if (!stopping) handoff.workerReady(w);
        readyWaiters.get(w)?.();
        break;
      case 'accepted':
        handoff.accepted(w, m.id);
        break;
    }
  };

  const fork = (slot: number): Worker => {
    const w = cluster.fork({ [WORKER_SLOT_ENV]: String(slot), [WORKER_PORT_ENV]: String(port) });
    const startedAt = Date.now();
    slots.set(w, slot);
    w.on('message', (m: unknown) => {
      if (isToPrimary(m)) receive(w, m);
    });
    // Its channel breaking is its death, which 'exit' handles; unheard, the error would take us down too.
    w.on('error', (err) => log.warn({ err, slot }, 'a worker channel failed'));
    w.on('exit', (code, signal) => {
      handoff.workerGone(w);
      slots.delete(w);
      relay.gone(member(w));
      members.delete(w);
      for (const gather of gathers.values())
        if (gather.pending.delete(w.id) && gather.pending.size === 0) gather.done();
      if (stopping) return;
      quickDeaths = Date.now() - startedAt < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
      if (quickDeaths > QUICK_DEATHS_ALLOWED) {
        log.error({ slot, code, signal }, 'workers keep dying at start; giving up');
        process.exitCode = 1;
        void close();
        return;
      }
      // Its clients reconnect to the others and resume by counter; the new worker takes new connections.
      log.warn({ slot, workerPid: w.process.pid, code, signal }, 'worker died; starting another');
      fork(slot);
    });
    return w;
  };

  const ready = (w: Worker): Promise<void> =>
    new Promise((resolve, reject) => {
      readyWaiters.set(w, resolve);
      w.once('exit', (code) => reject(new Error(`a worker exited while starting (code ${code})`)));
    });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      stopping = true;
      for (const l of listeners) l.close();
      handoff.close();
      const exits = workers().map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
      for (const w of workers()) w.process.kill('SIGTERM');
      await Promise.all(exits);
      log.info({}, 'lingr stopped');
    })());

  const first = Array.from({ length: settings.workers }, (_, i) => fork(i + 1));
  try {
    await Promise.all(first.map(ready));
  } catch (err) {
    await close();
    throw err;
  }
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  log.info(
    {
      url: `${settings.publicUrlGiven ? settings.engine.publicUrl : `http://${host}:${port}`}/`,
      port,
      host: settings.host,
      data: settings.dataDir,
      workers: settings.workers,
      ...(ircPort === undefined ? {} : { ircPort }),
    },
    'lingr is listening',
  );
  return { port, ircPort, close };
}

/** prom-client's JSON for one metric, with one more label on every value. */
function withLabel(metric: object, name: string, value: string): object {
  const m = metric as { values?: Array<{ labels?: Record<string, string | number> }> };
  return {
    ...metric,
    values: (m.values ?? []).map((v) => ({ ...v, labels: { ...v.labels, [name]: value } })),
  };
}
