import { addresses } from '../addresses.js';
import { mergeAll } from '../histogram.js';
import { LoadGroup } from '../load/pool.js';
import { PER_PROCESS } from './idle-group.js';
import { benchLine, type LoadReport } from '../load/protocol.js';
import { resolveTarget } from '../load/targets.js';
import { nowMs } from '../stats.js';
import { cpuSeconds } from '../proc-tree.js';
import { subscriberUrls, type ServerFigures, type SystemUnderTest } from '../sut.js';
import { BENCH_PASSWORD } from '../users.js';

/** How fast lines are said: a fixed rate, or as fast as the slowest subscriber takes them. */
export type Pacing = { rate: number } | { window: number };

export interface RoomRunOptions {
  sut: SystemUnderTest;
  target: string;
  room: string;
  /** Subscribers sign in as u{firstUser} .. u{firstUser + users - 1}, shared in turn. */
  firstUser: number;
  users: number;
  clients: number;
  processes: number;
  rampPerSecond: number;
  seconds: number;
  pacing: Pacing;
  /** Pad each line to this many characters (0: no padding). */
  lineBytes: number;
  /** Fraction of subscribers that stop reading before the first line (slow readers). */
  pauseFraction?: number;
  /** Drop every subscriber at once this long after the first line (reconnect storm). */
  stormAfterSeconds?: number;
  /** Called each second while lines flow (e.g. to sample RSS). */
  onSecond?: () => void;
}

export interface StormFigures {
  dropped: number;
  reconnected: number;
  reconnectP50: number;
  reconnectP99: number;
  reconnectMax: number;
  firstLineP50: number;
  firstLineP99: number;
  firstLineMax: number;
}

/** What every room scenario reports (and, for several nodes, the bus lag). */
export interface RoomFigures extends ServerFigures {
  target: string;
  clients: number;
  opened: number;
  /** The server's CPU while the subscribers opened (their sign-ins, enters and first polls, paced by the ramp). */
  openCpuSeconds: number;
  paused: number;
  lines: number;
  expected: number;
  deliveries: number;
  missing: number;
  subscribersMissing: number;
  duplicates: number;
  /** Says that failed and were said again; a second copy of such a line is counted here, not as a duplicate. */
  retriedSays: number;
  retryDuplicates: number;
  /** Lines that could not be said even after retries: the run is not valid. */
  abandonedSays: number;
  errors: number;
  firstError?: string;
  p50: number;
  p99: number;
  max: number;
  /** Deliveries over the run's time minus its stalls. */
  deliveriesPerSecond: number;
  seconds: number;
  /** Gaps over STALL_MS with a line out and none arriving anywhere: never counted in a rate. */
  stallSeconds: number;
  cpuSeconds: number;
  /** Server CPU over the run's time, in cores (1 = one core busy throughout). */
  serverCpuShare: number;
  /** The load generators' CPU (their processes and the publisher), in cores. */
  loadCpuShare: number;
  /** Long poll: replies that carried lines, and lines per such reply. */
  replies: number;
  deliveriesPerReply: number;
  cpuSecondsPer1000Deliveries: number;
  peakRssMb: number;
  storm?: StormFigures;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Says in flight at most, so a stalled server cannot pile up requests without bound. */
const MAX_SAYS_IN_FLIGHT = 256;
/** A failed say (a reset connection) is said again this many times in all before the run is invalid. */
const SAY_ATTEMPTS = 3;
/**
 * Nothing arriving anywhere for longer than this while a line is out is a stall, not delivery time. Well
 * above any server's latency under load (Faye's p99 in S4 is about 2 s), and far below what a lost line
 * or a stuck publish costs (the rest of the run, or a 30 s timeout).
 */
export const STALL_MS = 5000;

/**
 * Adds up the stalls of a run: gaps longer than STALL_MS in which a line was out (the slowest subscriber
 * lacked one) and no line arrived anywhere. A lost line or a stuck publish stalls a run; a crowd that is
 * merely slow to take its lines does not, since lines keep arriving.
 */
export class StallWatch {
  stalledMs = 0;
  private received = 0;
  private since: number;

  constructor(now: number) {
    this.since = now;
  }

  sample(low: number, said: number, received: number, now: number): void {
    if (received === this.received && low < said) return;
    if (received !== this.received && now - this.since > STALL_MS) this.stalledMs += now - this.since;
    this.received = received;
    this.since = now;
  }

  /** Ends the watch: a line still out with nothing arriving for STALL_MS is a stall to the end. */
  finish(low: number, said: number, now: number): number {
    if (low < said && now - this.since > STALL_MS) this.stalledMs += now - this.since;
    this.since = now;
    return this.stalledMs;
  }
}

const loadCpuNow = (group: LoadGroup): number => {
  const own = process.cpuUsage();
  return cpuSeconds(group.pids()) + (own.user + own.system) / 1e6;
};

/**
 * One room: open the subscribers, say lines (paced), wait until every active subscriber has every line
 * (bounded), then collect the figures from every load process.
 */
export async function roomRun(o: RoomRunOptions): Promise<RoomFigures> {
  const rampSeconds = o.clients / Math.max(1, o.rampPerSecond);
  const group = new LoadGroup(
    {
      target: o.target,
      targetOptions: { users: o.users, firstUser: o.firstUser, password: BENCH_PASSWORD },
      url: o.sut.url,
      urls: subscriberUrls(o.sut, o.target),
      room: o.room,
      first: 0,
      count: o.clients,
      // Never more sockets in one process than its open-file limit allows.
      processes: Math.max(o.processes, Math.ceil(o.clients / PER_PROCESS)),
      addressesPerProcess: 2,
      rampPerSecond: o.rampPerSecond,
      deadline: Date.now() + (120 + rampSeconds * 2 + o.seconds * 2) * 1000,
      // The window pacing waits on these: often enough that they are not what limits the rate.
      progressMs: 'window' in o.pacing ? 5 : 50,
    },
    addresses.take,
  );
  try {
    await group.ready();
    const openCpuBefore = o.sut.cpuSeconds();
    const { opened } = await group.open();
    const openCpuSeconds = o.sut.cpuSeconds() - openCpuBefore;
    const target = await resolveTarget(o.target, {
      users: o.users,
      firstUser: o.firstUser,
      password: BENCH_PASSWORD,
    });
    const say = await target.publisher(o.sut.url, o.room, addresses.take());
    // Let every subscriber's first poll or stream settle before timing anything.
    await sleep(500);
    const paused = o.pauseFraction ? await group.pause(o.pauseFraction) : 0;
    let abandoned = 0;
    let firstSayError: string | undefined;
    const retried: number[] = [];
    let inFlight = 0;
    const says = new Set<Promise<void>>();
    // The line keeps its first send time, so a retry's delay shows in the latency, not hidden.
    const sayWithRetries = async (seq: number, text: string): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await say(text);
          return;
        } catch (err) {
          firstSayError ??= `say: ${err instanceof Error ? err.message : String(err)}`;
          if (attempt >= SAY_ATTEMPTS) throw err;
          if (attempt === 1) retried.push(seq);
          await sleep(50 * attempt);
        }
      }
    };
    const sayOne = (seq: number): void => {
      inFlight++;
      const p: Promise<void> = sayWithRetries(seq, benchLine(seq, nowMs(), o.lineBytes))
        .catch(() => {
          abandoned++;
        })
        .finally(() => {
          inFlight--;
          says.delete(p);
        });
      says.add(p);
    };
    const cpuBefore = o.sut.cpuSeconds();
    const partsBefore = o.sut.cpuByPart?.();
    const loadCpuBefore = loadCpuNow(group);
    const started = Date.now();
    const stalls = new StallWatch(started);
    const until = started + o.seconds * 1000;
    let stormed = o.stormAfterSeconds === undefined;
    let nextSecond = started + 1000;
    let lines = 0;
    const maxLines = 'rate' in o.pacing ? Math.round(o.seconds * o.pacing.rate) : o.seconds * 100_000;
    // Bounded by the line count and the clock.
    while (lines < maxLines && Date.now() < until + 5000) {
      const now = Date.now();
      stalls.sample(group.low(), lines, group.received(), now);
      if (now >= nextSecond) {
        nextSecond += 1000;
        o.onSecond?.();
      }
      if (!stormed && now >= started + (o.stormAfterSeconds as number) * 1000) {
        stormed = true;
        await group.storm();
      }
      if ('rate' in o.pacing) {
        const due = started + (lines * 1000) / o.pacing.rate;
        if (due > now) await sleep(Math.min(due - now, nextSecond - now));
        else if (inFlight >= MAX_SAYS_IN_FLIGHT) await sleep(2);
        else sayOne(lines++);
      } else {
        if (now >= until) break;
        if (lines < group.low() + o.pacing.window && inFlight < o.pacing.window) sayOne(lines++);
        else await sleep(2);
      }
    }
    // Wait until the slowest active subscriber has every line: bounded, a lost line must not hang us.
    const drainUntil = Date.now() + 10_000 + o.clients;
    while ((says.size > 0 || group.low() < lines) && Date.now() < drainUntil) {
      stalls.sample(group.low(), lines, group.received(), Date.now());
      await sleep(says.size > 0 ? 2 : 20);
    }
    await Promise.all([...says]);
    const ended = Date.now();
    const seconds = (ended - started) / 1000;
    const stallSeconds = stalls.finish(group.low(), lines, ended) / 1000;
    const cpuSeconds = o.sut.cpuSeconds() - cpuBefore;
    const partsAfter = o.sut.cpuByPart?.();
    const cpuByPart =
      partsBefore && partsAfter
        ? Object.fromEntries(Object.entries(partsAfter).map(([k, v]) => [k, v - (partsBefore[k] ?? 0)]))
        : undefined;
    const loadCpuSeconds = loadCpuNow(group) - loadCpuBefore;
    await sleep(200);
    const reports = await group.reports(lines, retried);
    const server = { ...(await o.sut.serverFigures()), ...(cpuByPart ? { cpuByPart } : {}) };
    return figures(o, reports, server, {
      opened,
      openCpuSeconds,
      paused,
      lines,
      seconds,
      stallSeconds,
      cpuSeconds,
      loadCpuSeconds,
      retried: retried.length,
      abandoned,
      firstSayError,
    });
  } finally {
    await group.close();
  }
}

function figures(
  o: RoomRunOptions,
  reports: LoadReport[],
  server: ServerFigures,
  run: {
    opened: number;
    openCpuSeconds: number;
    paused: number;
    lines: number;
    seconds: number;
    stallSeconds: number;
    cpuSeconds: number;
    loadCpuSeconds: number;
    retried: number;
    abandoned: number;
    firstSayError: string | undefined;
  },
): RoomFigures {
  const sum = (f: (r: LoadReport) => number): number => reports.reduce((a, r) => a + f(r), 0);
  const latency = mergeAll(reports.map((r) => r.latency)).summary();
  const deliveries = sum((r) => r.distinct);
  const firstError = reports.find((r) => r.firstError)?.firstError ?? run.firstSayError;
  const replies = sum((r) => r.replies);
  const activeSeconds = Math.max(1e-3, run.seconds - run.stallSeconds);
  const storms = reports.flatMap((r) => (r.storm ? [r.storm] : []));
  let storm: StormFigures | undefined;
  if (storms.length > 0) {
    const reconnect = mergeAll(storms.map((s) => s.reconnectMs)).summary();
    const firstLine = mergeAll(storms.map((s) => s.firstLineMs)).summary();
    storm = {
      dropped: storms.reduce((a, s) => a + s.dropped, 0),
      reconnected: storms.reduce((a, s) => a + s.reconnected, 0),
      reconnectP50: reconnect.p50,
      reconnectP99: reconnect.p99,
      reconnectMax: reconnect.max,
      firstLineP50: firstLine.p50,
      firstLineP99: firstLine.p99,
      firstLineMax: firstLine.max,
    };
  }
  return {
    target: o.target,
    clients: o.clients,
    opened: run.opened,
    openCpuSeconds: run.openCpuSeconds,
    paused: run.paused,
    lines: run.lines,
    expected: run.lines * (o.clients - run.paused),
    deliveries,
    missing: sum((r) => r.missing),
    subscribersMissing: sum((r) => r.subscribersMissing),
    duplicates: sum((r) => r.duplicates),
    retriedSays: run.retried,
    retryDuplicates: sum((r) => r.retryDuplicates),
    abandonedSays: run.abandoned,
    // A retried say that went through is not an error; one abandoned is.
    errors: run.abandoned + sum((r) => r.errors),
    ...(firstError === undefined ? {} : { firstError }),
    p50: latency.p50,
    p99: latency.p99,
    max: latency.max,
    deliveriesPerSecond: deliveries / activeSeconds,
    seconds: run.seconds,
    stallSeconds: run.stallSeconds,
    cpuSeconds: run.cpuSeconds,
    serverCpuShare: run.cpuSeconds / activeSeconds,
    loadCpuShare: run.loadCpuSeconds / activeSeconds,
    replies,
    deliveriesPerReply: replies > 0 ? deliveries / replies : 0,
    cpuSecondsPer1000Deliveries: run.cpuSeconds / Math.max(1, deliveries / 1000),
    peakRssMb: o.sut.peakRssKb() / 1024,
    ...(storm ? { storm } : {}),
    ...server,
  };
}
