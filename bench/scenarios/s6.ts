import { isLingrTarget } from '../load/lingr/index.js';
import { LONG_POLL_PEERS } from '../peer-list.js';
import { printRoom } from '../report.js';
import { roomOk, type Scenario } from '../scenario.js';
import { fmt } from '../stats.js';
import { startSut } from '../sut.js';
import { roomRun, type RoomRunOptions } from './room-run.js';

const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);
/** RSS samples kept in the results: enough for a plot, small enough to commit. */
const MAX_KEPT_SAMPLES = 120;
const SLOW_READER_CLOSES = 'lingr_slow_reader_closes_total';

/** Every k-th sample so at most `max` remain. */
const thin = (samples: readonly number[], max: number): number[] =>
  samples.filter((_, i) => i % Math.ceil(samples.length / max) === 0);

/** Slow readers: some WebSocket subscribers stop reading; the others must not notice. */
export const s6: Scenario = {
  name: 's6',
  usage:
    's6  slow readers  [--clients 1000] [--pause 0.01] [--seconds 60] [--rate 10] [--line-bytes 8000] [--outbox-limit 65536]',
  defaultTarget: 'lingr-ws',
  ours: ['lingr-ws', 'lingr-sse'],
  peers: (available) => available.filter((p) => !LONG_POLL_PEERS.includes(p)),
  columns: [
    { label: 'p99 none paused', value: n('baselineP99') },
    { label: 'p99 others', value: n('p99') },
    { label: 'max others', value: n('max') },
    { label: 'missing', value: n('missing'), digits: 0 },
    { label: 'errors', value: n('errors'), digits: 0 },
    { label: 'slow closes', value: n('slowReaderCloses'), digits: 0 },
    { label: 'peak RSS MB', value: n('peakRssMb') },
  ],
  async run(target, ctx) {
    const clients = ctx.num('clients', 1000, 20);
    const fraction = ctx.num('pause', 0.01, 0.1);
    const outboxLimit = ctx.num('outbox-limit', 65_536, 65_536);
    const users = ctx.num('users', 100, 10);
    const workers = isLingrTarget(target) ? ctx.num('workers', 1, 1) : 1;
    const sut = await startSut({
      target,
      rooms: [{ id: 'slow', firstUser: 0, users }],
      workers,
      serverArgs: ['--outbox-limit', String(outboxLimit)],
    });
    try {
      const rss: number[] = [];
      const run: RoomRunOptions = {
        sut,
        target,
        room: 'slow',
        firstUser: 0,
        users,
        clients,
        processes: ctx.num('processes', 1, 1),
        rampPerSecond: 1000,
        seconds: ctx.num('seconds', 60, 3),
        // A stopped reader is closed only once the kernel's buffers (about 4 MB on this loopback) and its
        // outbox are full: S1's small lines would take hours, so these are bigger and faster.
        pacing: { rate: ctx.num('rate', 10, 10) },
        lineBytes: ctx.num('line-bytes', 8000, 1000),
        onSecond: () => {
          if (rss.length < 3600) rss.push(sut.rssKb() / 1024);
        },
      };
      const baseline = await roomRun(run);
      printRoom('s6 none paused', baseline, ctx.log);
      rss.length = 0;
      const closesBefore = await sut.metric(SLOW_READER_CLOSES);
      const slow = await roomRun({ ...run, pauseFraction: fraction });
      printRoom(`s6 ${fmt(fraction * 100)}% paused (others' figures)`, slow, ctx.log);
      const closesAfter = await sut.metric(SLOW_READER_CLOSES);
      const closes =
        closesBefore === undefined || closesAfter === undefined ? null : closesAfter - closesBefore;
      ctx.log(
        `s6: others' p99 ${fmt(slow.p99)} ms with ${slow.paused} paused vs ${fmt(baseline.p99)} ms with none; ` +
          `slow-reader closes ${closes ?? 'n/a'} (each paused reader was sent ${fmt((slow.lines * run.lineBytes) / 1e6)} MB ` +
          `for ${fmt(outboxLimit / 1024, 0)} KiB of outbox plus the kernel's buffers); server RSS during the paused run ` +
          `${fmt(Math.min(...rss))}..${fmt(Math.max(...rss))} MB`,
      );
      ctx.log(
        `s6 total: missing ${baseline.missing + slow.missing}, duplicates ${baseline.duplicates + slow.duplicates}, ` +
          `errors ${baseline.errors + slow.errors}`,
      );
      return {
        figures: {
          ...slow,
          missing: baseline.missing + slow.missing,
          duplicates: baseline.duplicates + slow.duplicates,
          errors: baseline.errors + slow.errors,
          workers,
          pauseFraction: fraction,
          outboxLimit,
          baselineP50: baseline.p50,
          baselineP99: baseline.p99,
          baselineMax: baseline.max,
          baseline,
          slowReaderCloses: closes,
          rssMbEverySecond: thin(rss, MAX_KEPT_SAMPLES),
          rssSampleSeconds: Math.ceil(rss.length / MAX_KEPT_SAMPLES),
        },
        ok: roomOk(baseline) && roomOk(slow),
      };
    } finally {
      await sut.stop();
    }
  },
};
