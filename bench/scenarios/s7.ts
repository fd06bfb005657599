import { printRoom } from '../report.js';
import { CPU_PER_DELIVERY, roomClean, roomOk, type Scenario } from '../scenario.js';
import { isLingrTarget } from '../load/lingr/index.js';
import { startSut } from '../sut.js';
import { roomRun } from './room-run.js';

const storm = (key: string) => (f: Record<string, unknown>) =>
  Number((f.storm as Record<string, unknown> | undefined)?.[key]);
const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);

/** Reconnect storm: lines flowing, every subscriber drops at once and resumes. */
export const s7: Scenario = {
  name: 's7',
  usage: 's7  reconnect storm  [--clients 1000] [--seconds 20] [--rate 3] [--storm-at SECONDS] [--users 100]',
  defaultTarget: 'lingr',
  ours: ['lingr-longpoll', 'lingr-sse', 'lingr-ws'],
  peers: (available) => [...available],
  columns: [
    { label: 'reconnect p50 ms', value: storm('reconnectP50') },
    { label: 'reconnect p99 ms', value: storm('reconnectP99') },
    { label: 'first line p99 ms', value: storm('firstLineP99') },
    { label: 'recovered %', value: n('recoveredPercent'), digits: 2 },
    { label: 'missing', value: n('missing'), digits: 0 },
    { label: 'dup', value: n('duplicates'), digits: 0 },
    { label: 'errors', value: n('errors'), digits: 0 },
  ],
  headline: [
    { label: 'reconnect p99 ms', value: storm('reconnectP99'), lowerIsBetter: true },
    { label: 'first line p99 ms', value: storm('firstLineP99'), lowerIsBetter: true },
    { label: 'recovered %', value: n('recoveredPercent'), digits: 2 },
    CPU_PER_DELIVERY,
  ],
  async run(target, ctx) {
    const clients = ctx.num('clients', 1000, 20);
    const seconds = ctx.num('seconds', 20, 4);
    const users = ctx.num('users', 100, 10);
    const sut = await startSut({
      target,
      rooms: [{ id: 'storm', firstUser: 0, users }],
      workers: ctx.num('workers', 1, 1),
    });
    const workers = sut.workers;
    try {
      const f = await roomRun({
        sut,
        target,
        room: 'storm',
        firstUser: 0,
        users,
        clients,
        processes: ctx.num('processes', 1, 1),
        rampPerSecond: 1000,
        seconds,
        pacing: { rate: ctx.num('rate', 3, 3) },
        lineBytes: 0,
        stormAfterSeconds: ctx.num('storm-at', seconds / 3, seconds / 3),
      });
      printRoom('s7 reconnect storm', f, ctx.log);
      const recoveredPercent = f.expected ? (100 * (f.expected - f.missing)) / f.expected : 100;
      const everyone =
        f.storm !== undefined && f.storm.reconnected === f.storm.dropped && f.storm.dropped > 0;
      return {
        figures: { ...f, workers, recoveredPercent },
        ok: roomOk(f) && everyone,
        // Peers without resume lose the lines said while they reconnect: that is their result, not a fault.
        clean: roomClean(f, !isLingrTarget(target)) && everyone,
      };
    } finally {
      await sut.stop();
    }
  },
};
