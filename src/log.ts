import { pino, type Logger as Pino } from 'pino';
import { prettyStream } from './log-pretty.js';

/** How the server writes its log: JSON lines for machines, or readable lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Structured log lines on stdout (or the given stream); one logger per process. */
export function createLogger(
  level: string,
  destination?: NodeJS.WritableStream,
  format: LogFormat = 'json',
): Pino {
  const out = destination ?? process.stdout;
  const color = format === 'pretty' && (out as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    format === 'pretty' ? prettyStream(out, color) : out,
  );
}
