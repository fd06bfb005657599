import { isLingrTarget } from '../load/lingr/index.js';
import { errorsLine } from '../report.js';
import type { Scenario } from '../scenario.js';
import { fmt, percentile } from '../stats.js';
import { startSut } from '../sut.js';
import { idleAlive, openIdle } from './idle-group.js';
import { IDLE_ROOM } from './s2.js';

const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Samples kept during a hold: one a second for an hour at most. */
const MAX_SAMPLES = 3600;

/** Idle: N connections held for a while; memory per connection and whether any dropped. */
export const s3: Scenario = {
  name: 's3',
  usage:
    's3  idle  [--connections 100000] [--hold 600] [--users 100] [--workers 6] [--ramp 2000] [--processes N]',
  defaultTarget: 'lingr-mixed',
  ours: ['lingr-longpoll', 'lingr-sse', 'lingr-ws', 'lingr-mixed'],
  peers: (available) => [...available],
  columns: [
    { label: 'held (min)', value: n('heldMin'), digits: 0 },
    { label: 'KB/conn (median)', value: n('kbPerConnection'), digits: 2 },
    { label: 'KB/conn (peak)', value: n('kbPerConnectionAtPeak'), digits: 2 },
    { label: 'RSS MB', value: n('rssHoldingMb') },
    { label: 'missing', value: n('missing'), digits: 0 },
    { label: 'errors', value: n('errors'), digits: 0 },
  ],
  async run(target, ctx) {
    const connections = ctx.num('connections', 100_000, 200);
    const holdSeconds = ctx.num('hold', 600, 2);
    const users = ctx.num('users', 100, 10);
    const workers = isLingrTarget(target) ? ctx.num('workers', 6, 1) : 1;
    const sut = await startSut({
      target,
      rooms: [{ id: IDLE_ROOM, firstUser: 0, users }],
      workers,
      serverArgs: ['--observe-hold', '50'],
    });
    try {
      await sleep(1000);
      const rssBefore = sut.rssKb();
      const filesBefore = sut.openFiles();
      const idle = await openIdle({
        sut,
        target,
        room: IDLE_ROOM,
        firstUser: 0,
        users,
        first: 0,
        connections,
        minProcesses: ctx.num('processes', 1, 2),
        rampPerSecond: ctx.num('ramp', 2000, 1000),
        holdSeconds,
      });
      try {
        ctx.log(
          `s3: ${idle.opened}/${connections} ${target} connections opened in ${fmt(idle.rampSeconds)} s`,
        );
        const held: number[] = [];
        const rss: number[] = [];
        const until = Date.now() + holdSeconds * 1000;
        // Bounded by the hold and by the sample count.
        do {
          held.push(sut.openFiles() - filesBefore);
          rss.push(sut.rssKb());
          await sleep(Math.min(1000, Math.max(0, until - Date.now())));
        } while (Date.now() < until && held.length < MAX_SAMPLES);
        const heldEnd = sut.openFiles() - filesBefore;
        // The server's own count, by transport (summed over workers); peers have none.
        const reported = await sut.metric('lingr_connections');
        const check = await idleAlive(sut, [idle.group], target, IDLE_ROOM);
        const sorted = [...rss].sort((a, b) => a - b);
        const median = percentile(sorted, 50);
        const peak = sorted[sorted.length - 1] as number;
        const figures = {
          target,
          workers,
          connections,
          opened: idle.opened,
          rampSeconds: idle.rampSeconds,
          holdSeconds,
          heldMin: Math.min(...held),
          heldEnd,
          serverReportedConnections: reported ?? null,
          rssBeforeMb: rssBefore / 1024,
          rssHoldingMb: median / 1024,
          rssPeakMb: peak / 1024,
          kbPerConnection: (median - rssBefore) / connections,
          kbPerConnectionAtPeak: (peak - rssBefore) / connections,
          peakRssMb: sut.peakRssKb() / 1024,
          lineP50: check.p50,
          lineP99: check.p99,
          lineMax: check.max,
          missing: check.missing,
          duplicates: 0,
          errors: check.errors,
          ...(check.firstError === undefined ? {} : { firstError: check.firstError }),
        };
        ctx.log(
          `s3: ${connections} ${target} connections held ${holdSeconds} s by ${workers} server process(es); ` +
            `server holds ${heldEnd} more open files at the end (lowest during the hold ${figures.heldMin})` +
            `${reported === undefined ? '' : `, reports ${reported} connections in /metrics`}\n` +
            `  server RSS before ${fmt(figures.rssBeforeMb)} MB, holding ${fmt(figures.rssHoldingMb)} MB (median), ` +
            `${fmt(figures.rssPeakMb)} MB (peak)\n` +
            `  RSS per connection ${fmt(figures.kbPerConnection, 2)} KB (median), ${fmt(figures.kbPerConnectionAtPeak, 2)} KB (peak)\n` +
            `  a line to every connection at the end: missing ${check.missing}, latency ms p50 ${fmt(check.p50)} ` +
            `p99 ${fmt(check.p99)} max ${fmt(check.max)}\n` +
            `  ${errorsLine(check.errors, check.firstError)}`,
        );
        return {
          figures,
          ok: check.errors === 0 && check.missing === 0 && idle.opened === connections,
        };
      } finally {
        await idle.group.close();
      }
    } finally {
      await sut.stop();
    }
  },
};
