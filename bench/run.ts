import { parseArgs } from 'node:util';
import { idle } from './scenarios/idle.js';
import { room2007 } from './scenarios/room2007.js';

const USAGE = `Usage: npm run bench -- SCENARIO [options]
  room2007  [--clients 300] [--seconds 60] [--rate 3] [--processes 1]
  idle      [--connections 19000] [--sessions 100] [--processes 4] [--hold 60] [--ramp 2000]
  --smoke   a few seconds at tiny size, to check that the scenario still works`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    processes: { type: 'string' },
    connections: { type: 'string' },
    sessions: { type: 'string' },
    hold: { type: 'string' },
    ramp: { type: 'string' },
    smoke: { type: 'boolean' },
  },
});
const num = (v: string | undefined, fallback: number): number => (v === undefined ? fallback : Number(v));
const smoke = values.smoke === true;

async function main(): Promise<void> {
  const scenario = positionals[0];
  console.log(
    `machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`,
  );
  if (scenario === 'room2007') {
    const r = await room2007({
      clients: num(values.clients, smoke ? 20 : 300),
      seconds: num(values.seconds, smoke ? 3 : 60),
      rate: num(values.rate, 3),
      processes: num(values.processes, 1),
    });
    process.exitCode = r.errors > 0 || r.missing !== 0 || r.duplicates > 0 ? 1 : 0;
  } else if (scenario === 'idle') {
    const r = await idle({
      connections: num(values.connections, smoke ? 200 : 19_000),
      sessions: num(values.sessions, smoke ? 10 : 100),
      processes: num(values.processes, smoke ? 2 : 4),
      holdSeconds: num(values.hold, smoke ? 2 : 60),
      rampPerSecond: num(values.ramp, 2000),
    });
    process.exitCode = r.errors > 0 ? 1 : 0;
  } else {
    console.error(USAGE);
    process.exitCode = 2;
  }
}

await main();
