import { isLingrTarget } from '../load/lingr/index.js';
import { errorsLine, printRoom } from '../report.js';
import { roomOk, type Scenario } from '../scenario.js';
import { fmt } from '../stats.js';
import { startSut } from '../sut.js';
import { idleAlive, openIdle } from './idle-group.js';
import { s1Run, s1Size, S1_ROOM } from './s1.js';

export const IDLE_ROOM = 'idle';

/** Idle connections of ours come over all three transports; a peer's over its own. */
export const idleTargetFor = (target: string): string => (isLingrTarget(target) ? 'lingr-mixed' : target);

const n = (key: string) => (f: Record<string, unknown>) => Number(f[key]);

/** The server of s2 and the sweep: the 2007 room, and a room of `users` for the idle connections. */
export const startWithIdleRoom = (target: string, clients: number, users: number, workers: number) =>
  startSut({
    target,
    rooms: [
      { id: S1_ROOM, firstUser: 0, users: clients },
      { id: IDLE_ROOM, firstUser: clients, users },
    ],
    workers,
    // Idle long polls are re-issued every 50 s, the longest hold allowed.
    serverArgs: ['--observe-hold', '50'],
  });

/** Lingr's load: N idle connections held on another room while the 2007 room runs. */
export const s2: Scenario = {
  name: 's2',
  usage: "s2  Lingr's load  [--connections 53000] [--users 100] [--workers 4] [--ramp 2000] + s1's options",
  defaultTarget: 'lingr-longpoll',
  ours: ['lingr-longpoll', 'lingr-sse', 'lingr-ws'],
  peers: (available) => [...available],
  columns: [
    { label: 'p99 alone ms', value: n('aloneP99') },
    { label: 'p99 loaded ms', value: n('p99') },
    { label: 'p50 loaded ms', value: n('p50') },
    { label: 'held', value: n('held'), digits: 0 },
    { label: 'missing', value: n('missing'), digits: 0 },
    { label: 'errors', value: n('errors'), digits: 0 },
    { label: 'CPU s/1k', value: n('cpuSecondsPer1000Deliveries'), digits: 3 },
    { label: 'peak RSS MB', value: n('peakRssMb') },
  ],
  async run(target, ctx) {
    const size = s1Size(ctx);
    const connections = ctx.num('connections', 53_000, 200);
    const users = ctx.num('users', 100, 10);
    const workers = isLingrTarget(target) ? ctx.num('workers', 4, 1) : 1;
    const sut = await startWithIdleRoom(target, size.clients, users, workers);
    try {
      const alone = await s1Run(sut, target, size);
      printRoom('s2 alone', alone, ctx.log);
      const filesBefore = sut.openFiles();
      const idleTarget = idleTargetFor(target);
      const idle = await openIdle({
        sut,
        target: idleTarget,
        room: IDLE_ROOM,
        firstUser: size.clients,
        users,
        first: 0,
        connections,
        minProcesses: 1,
        rampPerSecond: ctx.num('ramp', 2000, 1000),
        holdSeconds: size.seconds * 3,
      });
      try {
        const held = sut.openFiles() - filesBefore;
        ctx.log(
          `s2: ${idle.opened}/${connections} idle ${idleTarget} connections opened in ${fmt(idle.rampSeconds)} s; ` +
            `server holds ${held} more open files, ${workers} worker(s)`,
        );
        const loaded = await s1Run(sut, target, size);
        printRoom(`s2 under ${connections} idle`, loaded, ctx.log);
        const check = await idleAlive(sut, [idle.group], idleTarget, IDLE_ROOM);
        ctx.log(
          `s2 idle connections: a line to all of them: missing ${check.missing}; ${errorsLine(check.errors, check.firstError)}`,
        );
        const missing = alone.missing + loaded.missing + check.missing;
        const errors = alone.errors + loaded.errors + check.errors;
        ctx.log(
          `s2: S1 p99 alone ${fmt(alone.p99)} ms, under ${connections} idle connections ${fmt(loaded.p99)} ms ` +
            `(p50 ${fmt(alone.p50)} -> ${fmt(loaded.p50)} ms)`,
        );
        ctx.log(
          `s2 total: missing ${missing}, duplicates ${alone.duplicates + loaded.duplicates}, errors ${errors}`,
        );
        return {
          figures: {
            ...loaded,
            missing,
            errors,
            duplicates: alone.duplicates + loaded.duplicates,
            workers,
            connections,
            idleOpened: idle.opened,
            held,
            aloneP50: alone.p50,
            aloneP99: alone.p99,
            aloneMax: alone.max,
            alone,
            idleCheck: check,
          },
          ok: roomOk(alone) && roomOk(loaded) && check.missing === 0 && check.errors === 0,
        };
      } finally {
        await idle.group.close();
      }
    } finally {
      await sut.stop();
    }
  },
};
