import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Monitor } from '../engine/chat.js';

/** What /metrics serves: summed over every process, or (`perWorker`) one series per worker process. */
export interface MetricsSource {
  contentType: string;
  text(perWorker: boolean): Promise<string>;
}

/** Streams by transport, counted by the transports themselves. */
export interface StreamCounts {
  sse(): number;
  websocket(): number;
}

/**
 * A counter that mirrors running totals kept elsewhere: each scrape adds what changed since the last.
 * `series` maps a label value (or '' for an unlabelled counter) to its total.
 */
function mirror(
  registry: Registry,
  name: string,
  help: string,
  series: Record<string, () => number>,
  label?: string,
): void {
  const reported = new Map<string, number>();
  const counter: Counter = new Counter({
    name,
    help,
    registers: [registry],
    labelNames: label ? [label] : [],
    collect() {
      for (const [value, read] of Object.entries(series)) {
        const now = read();
        const delta = now - (reported.get(value) ?? 0);
        reported.set(value, now);
        if (label) counter.inc({ [label]: value }, delta);
        else counter.inc(delta);
      }
    },
  });
}

/** Prometheus metrics of one process: connections, events, deliveries, fan-out lag, slow readers, Node itself. */
export function createMetrics(monitor: Monitor, connections: StreamCounts): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  new Gauge({
    name: 'lingr_connections',
    help: 'Open client connections by transport.',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.set({ transport: 'longpoll' }, monitor.read().heldObserves);
      this.set({ transport: 'sse' }, connections.sse());
      this.set({ transport: 'websocket' }, connections.websocket());
    },
  });
  new Gauge({
    name: 'lingr_password_hashes',
    help: 'Password hashes running or waiting (bounded: beyond it sign-ins are refused at once).',
    registers: [registry],
    collect() {
      this.set(monitor.read().passwordHashes);
    },
  });
  new Gauge({
    name: 'lingr_sessions',
    help: 'Live sessions in this process.',
    registers: [registry],
    collect() {
      this.set(monitor.read().sessions);
    },
  });
  new Gauge({
    name: 'lingr_online_users',
    help: 'Users online now.',
    registers: [registry],
    collect() {
      this.set(monitor.read().onlineUsers);
    },
  });
  mirror(registry, 'lingr_events_total', 'Events handed out, in counter order.', {
    '': () => monitor.read().events,
  });
  mirror(
    registry,
    'lingr_deliveries_total',
    'Events delivered to connections.',
    { longpoll: () => monitor.read().observeDeliveries, stream: () => monitor.read().streamDeliveries },
    'transport',
  );
  mirror(registry, 'lingr_slow_reader_closes_total', 'Streams closed because their outbox was full.', {
    '': () => monitor.read().slowReaderCloses,
  });
  const lag = new Histogram({
    name: 'lingr_fanout_lag_seconds',
    help: 'From an event being stored to its fan-out being written, once per fan-out.',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
    registers: [registry],
  });
  monitor.onFanOutLag((ms) => lag.observe(ms / 1000));
  return registry;
}
