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
  /** IRC clients, when the IRC port is served. */
  irc?(): number;
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

/** Per bot: lines delivered, replies said, failures, lines dropped from a full queue, and how long bots took. */
function countBots(registry: Registry, monitor: Monitor): void {
  const deliveries = new Counter({
    name: 'lingr_bot_deliveries_total',
    help: 'Lines delivered to a bot (a 2xx answer).',
    labelNames: ['bot'],
    registers: [registry],
  });
  const replies = new Counter({
    name: 'lingr_bot_replies_total',
    help: 'Answers that became the bot’s line in the room.',
    labelNames: ['bot'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'lingr_bot_failures_total',
    help: 'Deliveries that failed: refused, unreachable, timed out, redirected or not 2xx.',
    labelNames: ['bot'],
    registers: [registry],
  });
  const drops = new Counter({
    name: 'lingr_bot_drops_total',
    help: 'Lines dropped unsent because more than 100 were waiting for the bot in one room.',
    labelNames: ['bot'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lingr_bot_latency_seconds',
    help: 'From a webhook being sent to the bot’s answer (or failure).',
    labelNames: ['bot'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [registry],
  });
  monitor.onBotOutcome((bot, outcome) => {
    switch (outcome.kind) {
      case 'delivered':
        deliveries.inc({ bot });
        if (outcome.replied) replies.inc({ bot });
        latency.observe({ bot }, outcome.ms / 1000);
        break;
      case 'failed':
        failures.inc({ bot });
        latency.observe({ bot }, outcome.ms / 1000);
        break;
      case 'dropped':
        drops.inc({ bot }, outcome.count);
        break;
    }
  });
}

/** What a networked bus tells of itself (the Redis bus between nodes). */
export interface BusStats {
  published: number;
  received: number;
  dropped: number;
  lastLagMs: number;
  maxLagMs: number;
  connected: boolean;
}

/**
 * Prometheus metrics of one process: connections, events, deliveries, fan-out lag, slow readers, the
 * feed's reads of the store, the bus between nodes (when there is one), Node itself.
 */
export function createMetrics(
  monitor: Monitor,
  connections: StreamCounts,
  bus?: { stats(): BusStats },
): Registry {
  const registry = new Registry();
  // The loop-delay sampler wakes the process each period, and every node pays its wake-ups: once a second
  // still samples the stalls that matter (nodejs_eventloop_lag_seconds also measures at each scrape).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  new Gauge({
    name: 'lingr_connections',
    help: 'Open client connections by transport.',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.set({ transport: 'longpoll' }, monitor.read().heldObserves);
      this.set({ transport: 'sse' }, connections.sse());
      this.set({ transport: 'websocket' }, connections.websocket());
      if (connections.irc) this.set({ transport: 'irc' }, connections.irc());
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
  countBots(registry, monitor);
  mirror(registry, 'lingr_feed_fills_total', 'Reads of the store to fill a gap in the counter or catch up.', {
    '': () => monitor.read().feedFills,
  });
  mirror(registry, 'lingr_feed_fill_seconds_total', 'Time spent waiting on those reads, in all.', {
    '': () => monitor.read().feedFillMs / 1000,
  });
  if (bus) {
    mirror(
      registry,
      'lingr_bus_messages_total',
      'Messages on the bus between nodes, by direction (dropped: not sent while Redis was away).',
      {
        published: () => bus.stats().published,
        received: () => bus.stats().received,
        dropped: () => bus.stats().dropped,
      },
      'direction',
    );
    new Gauge({
      name: 'lingr_bus_lag_seconds',
      help: 'From a bus message being published to this node receiving it: the last one, and the most seen.',
      labelNames: ['which'],
      registers: [registry],
      collect() {
        const s = bus.stats();
        this.set({ which: 'last' }, s.lastLagMs / 1000);
        this.set({ which: 'max' }, s.maxLagMs / 1000);
      },
    });
    new Gauge({
      name: 'lingr_bus_connected',
      help: '1 while this node is connected to Redis.',
      registers: [registry],
      collect() {
        this.set(bus.stats().connected ? 1 : 0);
      },
    });
  }
  return registry;
}
