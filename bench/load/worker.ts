import { Histogram } from '../histogram.js';
import { nowMs } from '../stats.js';
import { subscriberUrl, type FromLoad, type LoadConfig, type LoadReport, type ToLoad } from './protocol.js';
import { LineRecord } from './recorder.js';
import type { Subscriber, Target } from './target.js';
import { resolveTarget } from './targets.js';

/**
 * A load-generator process: opens its share of subscribers through a Target at a paced rate, records
 * say-to-delivery latency of bench lines, and obeys the scenario over IPC (pause some, drop all at once,
 * report). It never outlives its parent or its deadline.
 */
const send = (m: FromLoad): void => void process.send?.(m);

/** Subscribes in flight at once, so a slow server is not buried under sign-ins. */
const MAX_PENDING = 500;

let config: LoadConfig;
let target: Target;
const latency = new Histogram();
const reconnectMs = new Histogram();
const firstLineMs = new Histogram();
const records: LineRecord[] = [];
const subscribers: Array<Subscriber | undefined> = [];
let errors = 0;
let firstError: string | undefined;
let opened = 0;
let stormDropped = 0;
let stormReconnected = 0;
let stormed = false;
let replies = 0;

function fail(err: unknown): void {
  errors++;
  firstError ??= err instanceof Error ? err.message : String(err);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function openAll(): Promise<void> {
  const started = Date.now();
  const gapMs = 1000 / Math.max(1, config.rampPerSecond);
  let pending = 0;
  let failed = 0;
  const done: Array<Promise<void>> = [];
  for (let i = 0; i < config.count && Date.now() < config.deadline; i++) {
    // Bounded by the deadline: waits for the server while too many subscribes are in flight.
    while (pending >= MAX_PENDING && Date.now() < config.deadline) await sleep(5);
    const record = new LineRecord(latency, firstLineMs);
    records[i] = record;
    pending++;
    done.push(
      target
        .subscribe({
          url: subscriberUrl(config, config.first + i),
          localAddress: config.localAddresses[i % config.localAddresses.length] as string,
          room: config.room,
          index: config.first + i,
          onLine: (text) => {
            arrived++;
            received++;
            record.onLine(text);
          },
          onReply: () => replies++,
          onError: fail,
        })
        .then(
          (s) => {
            subscribers[i] = s;
            opened++;
          },
          (err: unknown) => {
            failed++;
            fail(err);
          },
        )
        .finally(() => pending--),
    );
    const wait = started + (i + 1) * gapMs - Date.now();
    if (wait > 1) await sleep(wait);
  }
  await Promise.all(done);
  send({ type: 'opened', opened, failed });
}

/** Pauses every k-th subscriber so the paused ones are spread over sessions and addresses. */
function pause(fraction: number): void {
  const count = Math.round(records.length * fraction);
  const every = count > 0 ? records.length / count : Infinity;
  let n = 0;
  for (let k = 0; k < count; k++) {
    const i = Math.floor(k * every);
    const record = records[i];
    if (!record || record.paused) continue;
    record.paused = true;
    subscribers[i]?.pause();
    n++;
  }
  send({ type: 'paused', count: n });
}

/** Drops every active subscriber at the same moment; each resumes by itself. */
function storm(): void {
  stormed = true;
  let n = 0;
  for (let i = 0; i < records.length; i++) {
    const s = subscribers[i];
    const record = records[i];
    if (!s || !record || record.paused) continue;
    const droppedAt = nowMs();
    record.droppedAt = droppedAt;
    n++;
    s.reconnect().then(
      () => {
        reconnectMs.record(nowMs() - droppedAt);
        stormReconnected++;
      },
      (err: unknown) => fail(err),
    );
  }
  stormDropped += n;
  send({ type: 'stormed', count: n });
}

/** Lines received since the last progress message: no need to scan subscribers when nothing came. */
let arrived = 0;
/** Lines received in all, so the scenario can tell a slow crowd (lines still arriving) from a stall. */
let received = 0;
let lastLow = -1;

function progress(): void {
  if (arrived === 0 && lastLow >= 0) return;
  arrived = 0;
  const now = low();
  send({ type: 'progress', low: now, received });
  lastLow = now;
}

/** The lowest line every active subscriber has: how far the slowest one got. */
function low(): number {
  let min = Infinity;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as LineRecord;
    if (!r.paused && subscribers[i] && r.next < min) min = r.next;
  }
  return Number.isFinite(min) ? min : 0;
}

function report(lines: number, retried: ReadonlySet<number>): LoadReport {
  let deliveries = 0;
  let distinct = 0;
  let duplicates = 0;
  let retryDuplicates = 0;
  let missing = 0;
  let subscribersMissing = 0;
  let paused = 0;
  for (const r of records) {
    if (r.paused) {
      paused++;
      continue;
    }
    deliveries += r.deliveries;
    distinct += r.distinct;
    for (const seq of r.duplicateSeqs ?? []) {
      if (retried.has(seq)) retryDuplicates++;
      else duplicates++;
    }
    const lost = Math.max(0, lines - r.distinct);
    missing += lost;
    if (lost > 0) subscribersMissing++;
  }
  return {
    subscribers: records.length,
    opened,
    paused,
    latency: latency.toJSON(),
    deliveries,
    distinct,
    duplicates,
    retryDuplicates,
    replies,
    missing,
    subscribersMissing,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    ...(stormed
      ? {
          storm: {
            dropped: stormDropped,
            reconnected: stormReconnected,
            reconnectMs: reconnectMs.toJSON(),
            firstLineMs: firstLineMs.toJSON(),
          },
        }
      : {}),
  };
}

function closeAll(): void {
  for (const s of subscribers) s?.close();
}

process.on('message', (m: ToLoad) => {
  if (m.type === 'start') {
    config = m.config;
    resolveTarget(config.target, config.targetOptions).then(
      (t) => {
        target = t;
        if (config.progressMs > 0) setInterval(progress, config.progressMs).unref();
        setTimeout(closeAll, Math.max(0, config.deadline - Date.now())).unref();
        send({ type: 'ready' });
      },
      (err: unknown) => send({ type: 'failed', error: String(err) }),
    );
  } else if (m.type === 'open') void openAll();
  else if (m.type === 'pause') pause(m.fraction);
  else if (m.type === 'storm') storm();
  else if (m.type === 'report') send({ type: 'report', report: report(m.lines, new Set(m.retried)) });
  else if (m.type === 'close') {
    closeAll();
    send({ type: 'closed' });
  }
});

// Never outlive the scenario: the parent going away, or the deadline passing, ends this process.
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  if (config && Date.now() > config.deadline + 30_000) process.exit(0);
}, 5000).unref();
