import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/lingr.js', import.meta.url));
const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ServerUnderTest {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  dataDir: string;
  /** utime + stime in seconds so far. */
  cpuSeconds(): number;
  rssKb(): number;
  peakRssKb(): number;
  stop(): Promise<void>;
}

export function benchDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'lingr-bench-'));
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Starts `lingr serve` as its own process on a free port and waits until it listens. */
export function startServer(dataDir: string, args: string[] = []): Promise<ServerUnderTest> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LINGR_LOG_LEVEL: 'info' },
  });
  const pid = child.pid as number;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the server did not start within 20 s'));
    }, 20_000);
    child.once('exit', (code) => reject(new Error(`the server exited early (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('lingr is listening')) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        child,
        pid,
        port,
        url: `http://127.0.0.1:${port}`,
        dataDir,
        cpuSeconds() {
          const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
          return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
        },
        rssKb: () => statusKb(pid, 'VmRSS'),
        peakRssKb: () => statusKb(pid, 'VmHWM'),
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(kill);
              rmSync(dataDir, { recursive: true, force: true });
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
