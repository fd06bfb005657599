import { pino, type Logger as Pino } from 'pino';

/** Structured JSON lines on stdout (or the given stream); one logger per process. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Pino {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? process.stdout,
  );
}
