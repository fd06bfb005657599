import { printRoom } from '../report.js';
import { roomClean, roomOk, type BenchContext, type ScenarioOutcome } from '../scenario.js';
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
  const sut = await startSut({
    target,
    rooms: [{ id: size.room, firstUser: 0, users: size.users }],
    workers: size.workers,
  });
  const workers = sut.workers;
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
    const repliesPerCpuSecond = f.replies / Math.max(1e-9, f.cpuSeconds);
    ctx.log(
      `${size.label}: ${fmt(perCpuSecond, 0)} deliveries per server CPU second, ${fmt(f.deliveriesPerSecond, 0)} deliveries/s ` +
        `(${fmt(f.lines / Math.max(1e-3, f.seconds - f.stallSeconds))} lines/s to ${f.clients}), ` +
        `${fmt(perProcess, 0)} deliveries/s per server process, p99 ${fmt(f.p99)} ms; server at ` +
        `${fmt(100 * f.serverCpuShare, 0)}% of a core, load at ${fmt(100 * f.loadCpuShare, 0)}%` +
        (f.replies > 0
          ? `; ${fmt(repliesPerCpuSecond, 0)} replies per server CPU second, ${fmt(f.deliveriesPerReply, 2)} lines per reply`
          : '') +
        (f.stallSeconds > 0 ? `; stalled ${fmt(f.stallSeconds, 2)} s (not counted in the rate)` : ''),
    );
    return {
      figures: {
        ...f,
        workers,
        window: size.window,
        deliveriesPerCpuSecond: perCpuSecond,
        deliveriesPerSecondPerProcess: perProcess,
        repliesPerCpuSecond,
      },
      ok: roomOk(f),
      clean: roomClean(f, false),
    };
  } finally {
    await sut.stop();
  }
}
