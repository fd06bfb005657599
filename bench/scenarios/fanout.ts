import { isLingrTarget } from '../load/lingr/index.js';
import { printRoom } from '../report.js';
import { roomOk, type BenchContext, type ScenarioOutcome } from '../scenario.js';
import { fmt } from '../stats.js';
import { startSut } from '../sut.js';
import { roomRun } from './room-run.js';

export interface FanoutSize {
  label: string;
  room: string;
  clients: number;
  seconds: number;
  window: number;
  processes: number;
  users: number;
  workers: number;
}

/**
 * One big room with lines said as fast as the slowest subscriber takes them: the next line goes out only
 * while at most `window` lines are on their way to someone.
 */
export async function fanout(target: string, size: FanoutSize, ctx: BenchContext): Promise<ScenarioOutcome> {
  const workers = isLingrTarget(target) ? size.workers : 1;
  const sut = await startSut({
    target,
    rooms: [{ id: size.room, firstUser: 0, users: size.users }],
    workers,
  });
  try {
    const f = await roomRun({
      sut,
      target,
      room: size.room,
      firstUser: 0,
      users: size.users,
      clients: size.clients,
      processes: size.processes,
      rampPerSecond: ctx.num('ramp', 2000, 1000),
      seconds: size.seconds,
      pacing: { window: size.window },
      lineBytes: 0,
    });
    printRoom(`${size.label} (window ${size.window} lines)`, f, ctx.log);
    const perCpuSecond = f.deliveries / Math.max(1e-9, f.cpuSeconds);
    const perProcess = f.deliveriesPerSecond / workers;
    ctx.log(
      `${size.label}: ${fmt(f.deliveriesPerSecond, 0)} deliveries/s (${fmt(f.lines / f.seconds)} lines/s to ${f.clients}), ` +
        `${fmt(perCpuSecond, 0)} deliveries per server CPU second, ${fmt(perProcess, 0)} deliveries/s per server process, ` +
        `p99 ${fmt(f.p99)} ms`,
    );
    return {
      figures: {
        ...f,
        workers,
        window: size.window,
        deliveriesPerCpuSecond: perCpuSecond,
        deliveriesPerSecondPerProcess: perProcess,
      },
      ok: roomOk(f),
    };
  } finally {
    await sut.stop();
  }
}
