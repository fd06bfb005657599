import type { Scenario } from '../scenario.js';
import { LONG_POLL_PEERS } from '../peer-list.js';
import { fanout } from './fanout.js';
import { FANOUT_COLUMNS } from './s4.js';

/** Long-poll fan-out: many long polls in one room, lines as fast as they are delivered. */
export const s5: Scenario = {
  name: 's5',
  usage:
    's5  long-poll fan-out  [--clients 2000] [--seconds 30] [--window 8] [--processes 1] [--users 100] [--workers 1]',
  defaultTarget: 'lingr-longpoll',
  ours: ['lingr-longpoll'],
  peers: (available) => available.filter((p) => LONG_POLL_PEERS.includes(p)),
  columns: FANOUT_COLUMNS,
  run: (target, ctx) =>
    fanout(
      target,
      {
        label: 's5',
        room: 'fanout',
        clients: ctx.num('clients', 2000, 20),
        seconds: ctx.num('seconds', 30, 3),
        window: ctx.num('window', 8, 4),
        processes: ctx.num('processes', 1, 1),
        users: ctx.num('users', 100, 10),
        workers: ctx.num('workers', 1, 1),
      },
      ctx,
    ),
};
