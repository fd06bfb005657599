import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { onServerCores } from './cpu-pinning.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { processTree } from './proc-tree.js';

const BIN = fileURLToPath(new URL('../../bin/lingr.js', import.meta.url));

export interface LingrServer {
  child: ChildProcess;
  /** The process started (the primary when there are workers). */
  pid: number;
  url: string;
  port: number;
  /** The IRC port, when started with `--irc-port` (0 there picks a free one, as `--port 0` does). */
  ircPort?: number;
  dataDir: string;
  stop(): Promise<void>;
}

export function benchDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'lingr-bench-'));
}

/** Servers still running: a scenario that ends abruptly (an exception, a signal) must not leave one. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

let workersFlag: boolean | undefined;

/** Whether this build's `lingr serve` takes `--workers N` (node:cluster). */
export function serverHasWorkers(): boolean {
  workersFlag ??= spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8' }).stdout.includes(
    '--workers',
  );
  return workersFlag;
}

const cmdline = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * SIGTERM, then SIGKILL after 15 s; workers a primary failed to stop are killed too (each recognised by
 * its unchanged command line, not a reused pid), so no server outlives its scenario.
 */
function stopServer(child: ChildProcess, dataDir: string): Promise<void> {
  const pid = child.pid as number;
  const workers = processTree([pid])
    .filter((p) => p !== pid)
    .map((p) => ({ pid: p, cmdline: cmdline(p) }));
  const finish = (): void => {
    for (const w of workers) {
      if (w.cmdline === undefined || cmdline(w.pid) !== w.cmdline) continue;
      try {
        process.kill(w.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      finish();
      done();
      return;
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      finish();
      done();
    });
    child.kill('SIGTERM');
  });
}

interface ListeningLine {
  port: number;
  ircPort?: number;
  pid?: number;
}

/**
 * Starts `lingr serve` as its own process on a free port and waits until it listens. With workers the
 * primary logs `lingr is listening` (with its own pid) once every worker listens; workers may log the
 * same words, so only the primary's line, or one line from each worker, counts.
 */
export function startServer(dataDir: string, args: string[] = [], workers = 1): Promise<LingrServer> {
  if (workers > 1 && !serverHasWorkers())
    return Promise.reject(new Error('this lingr serve has no --workers flag yet; run with --workers 1'));
  const extra = workers > 1 ? ['--workers', String(workers)] : [];
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [command, commandArgs] = onServerCores(process.execPath, [
    ...nodeArgs,
    BIN,
    'serve',
    '--port',
    '0',
    '--data',
    dataDir,
    ...extra,
    ...args,
  ]);
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Thousands of clients sign in from a few addresses at once: the benchmarks measure fan-out, not the
    // sign-in limits, which are lifted here.
    env: {
      ...process.env,
      LINGR_LOG_LEVEL: 'info',
      LINGR_LOGIN_ATTEMPTS: '1000000',
      LINGR_LOGIN_FAILURES_ADDRESS: '1000000',
      LINGR_HASH_QUEUE: '10000',
    },
  });
  const pid = child.pid as number;
  running.add(child);
  child.once('exit', () => running.delete(child));
  const workerLines = new Set<number>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the server did not start within 30 s'));
    }, 30_000);
    const early = (code: number | null): void => reject(new Error(`the server exited early (${code})`));
    child.once('exit', early);
    // Read every line to the end: a full pipe would stall the server's logging.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('lingr is listening')) return;
      const heard = JSON.parse(line) as ListeningLine;
      if (workers > 1 && heard.pid !== pid) {
        workerLines.add(heard.pid ?? workerLines.size);
        if (workerLines.size < workers) return;
      }
      clearTimeout(timer);
      child.removeListener('exit', early);
      resolve({
        child,
        pid,
        port: heard.port,
        ...(heard.ircPort === undefined ? {} : { ircPort: heard.ircPort }),
        url: `http://127.0.0.1:${heard.port}`,
        dataDir,
        stop: () => stopServer(child, dataDir),
      });
    });
  });
}
