import type { Scenario } from '../scenario.js';
import { LONG_POLL_PEERS } from '../peer-list.js';
import { fanout } from './fanout.js';
import { FANOUT_COLUMNS, FANOUT_HEADLINE } from './s4.js';

const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);

/** Long-poll fan-out: many long polls in one room, lines as fast as they are delivered. */
export const s5: Scenario = {
  name: 's5',
  usage:
    's5  long-poll fan-out  [--clients 2000] [--seconds 30] [--window 8] [--processes 2] [--users 100] [--workers 1]',
  defaultTarget: 'lingr-longpoll',
  ours: ['lingr-longpoll'],
  peers: (available) => available.filter((p) => LONG_POLL_PEERS.includes(p)),
  columns: [
    ...FANOUT_COLUMNS.slice(0, 1),
    { label: 'replies/CPU s', value: n('repliesPerCpuSecond'), digits: 0 },
    { label: 'lines/reply', value: n('deliveriesPerReply'), digits: 2 },
    ...FANOUT_COLUMNS.slice(1),
  ],
  headline: [
    ...FANOUT_HEADLINE.slice(0, 1),
    { label: 'replies/CPU s', value: n('repliesPerCpuSecond'), digits: 0 },
    { label: 'lines/reply', value: n('deliveriesPerReply'), digits: 2 },
    ...FANOUT_HEADLINE.slice(1, 4),
    { label: 'load CPU %', value: (f) => 100 * Number(f.loadCpuShare), digits: 0 },
  ],
  run: (target, ctx) =>
    fanout(
      target,
      {
        label: 's5',
        room: 'fanout',
        clients: ctx.num('clients', 2000, 20),
        seconds: ctx.num('seconds', 30, 3),
        window: ctx.num('window', 8, 4),
        processes: ctx.num('processes', 2, 1),
        users: ctx.num('users', 100, 10),
        workers: ctx.num('workers', 1, 1),
      },
      ctx,
    ),
};
