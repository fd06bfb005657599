import { isLingrTarget } from '../load/lingr/index.js';
import type { LoadGroup } from '../load/pool.js';
import { errorsLine, printRoom } from '../report.js';
import { roomOk, type Scenario } from '../scenario.js';
import { fmt } from '../stats.js';
import { idleAlive, openIdle } from './idle-group.js';
import { idleTargetFor, IDLE_ROOM, startWithIdleRoom } from './s2.js';
import { s1Run, s1Size } from './s1.js';

export interface SweepPoint {
  connections: number;
  held: number;
  p50: number;
  p99: number;
  max: number;
  missing: number;
  duplicates: number;
  errors: number;
}

const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);

/** S1's latency with more and more idle connections held: the points of the plot. */
export const sweep: Scenario = {
  name: 'sweep',
  usage:
    'sweep  S1 p99 vs connections held  [--levels 0,10000,25000,53000] [--seconds 30] [--workers 4] + s1/s2 options',
  defaultTarget: 'lingr-longpoll',
  ours: ['lingr-longpoll', 'lingr-sse', 'lingr-ws'],
  peers: (available) => [...available],
  columns: [
    { label: 'p99 at 0 ms', value: (f) => Number((f.points as SweepPoint[])[0]?.p99) },
    { label: 'p99 at most ms', value: (f) => Number((f.points as SweepPoint[]).at(-1)?.p99) },
    { label: 'missing', value: n('missing'), digits: 0 },
    { label: 'errors', value: n('errors'), digits: 0 },
  ],
  async run(target, ctx) {
    const levels = ctx
      .str('levels', '0,10000,25000,53000', '0,100,200')
      .split(',')
      .map(Number)
      .filter((x) => Number.isFinite(x) && x >= 0)
      .sort((a, b) => a - b);
    const size = { ...s1Size(ctx), seconds: ctx.num('seconds', 30, 2) };
    const users = ctx.num('users', 100, 10);
    const workers = isLingrTarget(target) ? ctx.num('workers', 4, 1) : 1;
    const idleTarget = idleTargetFor(target);
    const sut = await startWithIdleRoom(target, size.clients, users, workers);
    const groups: LoadGroup[] = [];
    try {
      const filesBefore = sut.openFiles();
      const points: SweepPoint[] = [];
      let holding = 0;
      for (const level of levels) {
        if (level > holding) {
          const idle = await openIdle({
            sut,
            target: idleTarget,
            room: IDLE_ROOM,
            firstUser: size.clients,
            users,
            first: holding,
            connections: level - holding,
            minProcesses: 1,
            rampPerSecond: ctx.num('ramp', 2000, 1000),
            holdSeconds: (size.seconds + 60) * levels.length,
          });
          groups.push(idle.group);
          holding = level;
        }
        const held = sut.openFiles() - filesBefore;
        const f = await s1Run(sut, target, size);
        printRoom(`sweep at ${level} idle connections`, f, ctx.log);
        points.push({
          connections: level,
          held,
          p50: f.p50,
          p99: f.p99,
          max: f.max,
          missing: f.missing,
          duplicates: f.duplicates,
          errors: f.errors,
        });
      }
      const check =
        groups.length > 0 ? await idleAlive(sut, groups, idleTarget, IDLE_ROOM) : { missing: 0, errors: 0 };
      const missing = points.reduce((a, p) => a + p.missing, 0) + check.missing;
      const errors = points.reduce((a, p) => a + p.errors, 0) + check.errors;
      const duplicates = points.reduce((a, p) => a + p.duplicates, 0);
      ctx.log(`sweep ${target}: ${points.map((p) => `${p.connections} -> p99 ${fmt(p.p99)} ms`).join(', ')}`);
      ctx.log(
        `sweep total: missing ${missing}, duplicates ${duplicates}, ${errorsLine(errors, 'firstError' in check ? check.firstError : undefined)}`,
      );
      return {
        figures: {
          target,
          workers,
          idleTarget,
          clients: size.clients,
          rate: size.rate,
          seconds: size.seconds,
          points,
          missing,
          errors,
          duplicates,
        },
        ok: missing === 0 && errors === 0 && points.every(roomOk),
      };
    } finally {
      for (const g of groups) await g.close();
      await sut.stop();
    }
  },
};
