import { addresses } from '../addresses.js';
import { mergeAll } from '../histogram.js';
import { LoadGroup } from '../load/pool.js';
import { benchLine, type LoadReport } from '../load/protocol.js';
import { resolveTarget } from '../load/targets.js';
import { nowMs } from '../stats.js';
import { subscriberUrls, type SystemUnderTest } from '../sut.js';
import { BENCH_PASSWORD } from '../users.js';

/** Most sockets one load process opens: under the 20,000 open files each process may hold. */
export const PER_PROCESS = 15_000;

export interface IdleOptions {
  sut: SystemUnderTest;
  target: string;
  room: string;
  firstUser: number;
  users: number;
  /** First subscriber index (groups added later continue the numbering). */
  first: number;
  connections: number;
  /** At least this many load processes (more when connections need them). */
  minProcesses: number;
  rampPerSecond: number;
  /** How long the connections must last, in seconds, beyond the ramp. */
  holdSeconds: number;
}

/** Opens `connections` subscribers that only wait, spread over load processes and source addresses. */
export async function openIdle(
  o: IdleOptions,
): Promise<{ group: LoadGroup; opened: number; rampSeconds: number }> {
  const processes = Math.max(o.minProcesses, Math.ceil(o.connections / PER_PROCESS));
  const rampSeconds = o.connections / Math.max(1, o.rampPerSecond);
  const group = new LoadGroup(
    {
      target: o.target,
      targetOptions: { users: o.users, firstUser: o.firstUser, password: BENCH_PASSWORD },
      url: o.sut.url,
      urls: subscriberUrls(o.sut, o.target),
      room: o.room,
      first: o.first,
      count: o.connections,
      processes,
      // Two addresses each: a connection closed by either side may hold its port a minute (TIME_WAIT).
      addressesPerProcess: 2,
      rampPerSecond: o.rampPerSecond,
      deadline: Date.now() + (300 + rampSeconds * 3 + o.holdSeconds) * 1000,
      progressMs: 500,
    },
    addresses.take,
  );
  try {
    await group.ready();
    const started = Date.now();
    const { opened } = await group.open();
    return { group, opened, rampSeconds: (Date.now() - started) / 1000 };
  } catch (err) {
    group.kill();
    throw err;
  }
}

export interface IdleCheck {
  missing: number;
  errors: number;
  firstError?: string;
  /** Say-to-delivery of that one line to every connection. */
  p50: number;
  p99: number;
  max: number;
}

/**
 * Says one line into the idle room and waits until every idle connection has it: proof the connections
 * are alive, not merely open. Then reports errors since they opened.
 */
export async function idleAlive(
  sut: SystemUnderTest,
  groups: readonly LoadGroup[],
  target: string,
  room: string,
): Promise<IdleCheck> {
  const t = await resolveTarget(target, { users: 1, firstUser: 0, password: BENCH_PASSWORD });
  const say = await t.publisher(sut.url, room, addresses.take());
  let sayError: string | undefined;
  await say(benchLine(0, nowMs())).catch((err: unknown) => (sayError = `say: ${String(err)}`));
  const total = groups.reduce((a, g) => a + g.count, 0);
  // Bounded: a lost line must not hang the run.
  const until = Date.now() + 30_000 + total;
  while (groups.some((g) => g.low() < 1) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  const reports: LoadReport[] = (await Promise.all(groups.map((g) => g.reports(1)))).flat();
  const firstError = sayError ?? reports.find((r) => r.firstError)?.firstError;
  const latency = mergeAll(reports.map((r) => r.latency)).summary();
  return {
    p50: latency.p50,
    p99: latency.p99,
    max: latency.max,
    missing: reports.reduce((a, r) => a + r.missing, 0),
    errors: (sayError ? 1 : 0) + reports.reduce((a, r) => a + r.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
