import type { Column } from '../report.js';
import type { Scenario } from '../scenario.js';
import { LONG_POLL_PEERS } from '../peer-list.js';
import { fanout } from './fanout.js';

const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);

/** Deliveries per server CPU second lead: what a delivery costs, whoever limits the pace. */
export const FANOUT_COLUMNS: readonly Column[] = [
  { label: 'per CPU s', value: n('deliveriesPerCpuSecond'), digits: 0 },
  { label: 'deliveries/s', value: n('deliveriesPerSecond'), digits: 0 },
  { label: 'per process/s', value: n('deliveriesPerSecondPerProcess'), digits: 0 },
  { label: 'server CPU %', value: (f) => 100 * Number(f.serverCpuShare), digits: 0 },
  { label: 'load CPU %', value: (f) => 100 * Number(f.loadCpuShare), digits: 0 },
  { label: 'p50 ms', value: n('p50') },
  { label: 'p99 ms', value: n('p99') },
  { label: 'missing', value: n('missing'), digits: 0 },
  { label: 'errors', value: n('errors'), digits: 0 },
  { label: 'peak RSS MB', value: n('peakRssMb') },
];

/** What S4 and S5 lead with: the cost of a delivery, then the pace and its tail. */
export const FANOUT_HEADLINE: readonly Column[] = [
  { label: 'per CPU s', value: n('deliveriesPerCpuSecond'), digits: 0 },
  { label: 'deliveries/s', value: n('deliveriesPerSecond'), digits: 0 },
  { label: 'p99 ms', value: n('p99'), lowerIsBetter: true },
  { label: 'server CPU %', value: (f) => 100 * Number(f.serverCpuShare), digits: 0 },
  { label: 'peak RSS MB', value: n('peakRssMb'), lowerIsBetter: true },
];

/** The big room: 10,000 WebSocket subscribers, lines as fast as they are delivered. */
export const s4: Scenario = {
  name: 's4',
  usage:
    's4  big room  [--clients 10000] [--seconds 30] [--window 16] [--processes 2] [--users 100] [--workers 1]',
  defaultTarget: 'lingr-ws',
  ours: ['lingr-ws', 'lingr-sse'],
  peers: (available) => available.filter((p) => !LONG_POLL_PEERS.includes(p)),
  columns: FANOUT_COLUMNS,
  headline: FANOUT_HEADLINE,
  run: (target, ctx) =>
    fanout(
      target,
      {
        label: 's4',
        room: 'big',
        clients: ctx.num('clients', 10_000, 20),
        seconds: ctx.num('seconds', 30, 3),
        window: ctx.num('window', 16, 4),
        processes: ctx.num('processes', 2, 1),
        users: ctx.num('users', 100, 10),
        workers: ctx.num('workers', 1, 1),
      },
      ctx,
    ),
};
