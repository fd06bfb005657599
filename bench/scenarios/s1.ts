import { printRoom } from '../report.js';
import {
  roomClean,
  roomOk,
  ROOM_COLUMNS,
  ROOM_HEADLINE,
  type BenchContext,
  type Scenario,
} from '../scenario.js';
import { startSut, type SystemUnderTest } from '../sut.js';
import { roomRun, type RoomFigures } from './room-run.js';

export interface S1Size {
  clients: number;
  seconds: number;
  rate: number;
  processes: number;
}

export const s1Size = (ctx: BenchContext): S1Size => ({
  clients: ctx.num('clients', 300, 20),
  seconds: ctx.num('seconds', 60, 3),
  rate: ctx.num('rate', 3, 3),
  processes: ctx.num('processes', 1, 1),
});

export const S1_ROOM = 'lingr2007';

/** S1 on a server that is already running: subscribers are distinct users u0.., as in 2007. */
export function s1Run(sut: SystemUnderTest, target: string, size: S1Size): Promise<RoomFigures> {
  return roomRun({
    sut,
    target,
    room: S1_ROOM,
    firstUser: 0,
    users: size.clients,
    clients: size.clients,
    processes: size.processes,
    rampPerSecond: 1000,
    seconds: size.seconds,
    pacing: { rate: size.rate },
    lineBytes: 0,
  });
}

/** Lingr's 2007 figure: a line to 300 people in one room, 3 lines a second. */
export const s1: Scenario = {
  name: 's1',
  usage: 's1  the 2007 room  [--clients 300] [--seconds 60] [--rate 3] [--processes 1] [--workers 1]',
  defaultTarget: 'lingr-longpoll',
  ours: ['lingr-longpoll', 'lingr-sse', 'lingr-ws'],
  peers: (available) => [...available],
  columns: ROOM_COLUMNS,
  headline: ROOM_HEADLINE,
  async run(target, ctx) {
    const size = s1Size(ctx);
    const workers = ctx.num('workers', 1, 1);
    const sut = await startSut({
      target,
      rooms: [{ id: S1_ROOM, firstUser: 0, users: size.clients }],
      workers,
    });
    try {
      const f = await s1Run(sut, target, size);
      printRoom(`s1 (${size.rate} lines/s)`, f, ctx.log);
      return {
        figures: { ...f, workers: sut.workers, rate: size.rate },
        ok: roomOk(f),
        clean: roomClean(f, false),
      };
    } finally {
      await sut.stop();
    }
  },
};
