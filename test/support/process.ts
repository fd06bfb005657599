import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const LINGR_BIN = fileURLToPath(new URL('../../../bin/lingr.js', import.meta.url));

/** Cheap hashes and no sign-in limits, except where a test sets them to see them work. */
const TEST_ENV = {
  LINGR_UNSAFE_SHORT_TIMEOUTS: '1',
  LINGR_PASSWORD_COST: '10',
  LINGR_LOG_LEVEL: 'info',
  LINGR_LOGIN_ATTEMPTS: '100000',
  LINGR_HASH_QUEUE: '10000',
};

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** What the process wrote to stderr so far (a crash's stack, say). */
  stderr(): string;
  /** The IRC port, when it serves IRC. */
  ircPort?: number;
}

/** Runs `lingr serve` as its own process and waits for it to listen. */
export function spawnServer(dataDir: string, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [LINGR_BIN, 'serve', '--port', '0', '--data', dataDir, ...args], {
    env: { ...process.env, ...TEST_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('server did not start in 10 s'));
    }, 10_000);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('lingr is listening')) return;
      clearTimeout(timer);
      const { port, ircPort } = JSON.parse(line) as { port: number; ircPort?: number };
      resolve({
        child,
        url: `http://127.0.0.1:${port}`,
        exited,
        stderr: () => stderr,
        ...(ircPort === undefined ? {} : { ircPort }),
      });
    });
  });
}

/** Runs one `lingr` command to completion; `input`, when given, is its standard input. */
export function runLingr(
  args: string[],
  input?: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [LINGR_BIN, ...args], {
    env: { ...process.env, ...TEST_ENV },
    encoding: 'utf8',
    timeout: 30_000,
    ...(input === undefined ? {} : { input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Prepares a data directory with `lingr` commands (user add, room add, ...); each must succeed. */
export function prepare(dataDir: string, commands: ReadonlyArray<readonly string[]>): void {
  for (const args of commands) {
    const r = runLingr([...args, '--data', dataDir]);
    if (r.status !== 0) throw new Error(`lingr ${args.join(' ')} failed: ${r.stderr}`);
  }
}

/** Stops a server process gracefully, then removes its data directory; resolves with its exit code. */
export async function stopServer(
  server: ServerProcess | undefined,
  dataDir: string,
): Promise<number | string | undefined> {
  server?.child.kill('SIGTERM');
  const exit = await server?.exited;
  rmSync(dataDir, { recursive: true, force: true });
  return exit;
}
