import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Private PostgreSQL and Redis servers for tests and benchmarks: each on a free loopback port, in a
 * temporary directory, gone when stopped. Never the system services.
 */

export interface PrivateServerOptions {
  /**
   * A `taskset -c` core list: the server starts on those cores, and every process it forks later (each
   * PostgreSQL backend) inherits them. The benchmarks pin the whole server side this way.
   */
  cpus?: string;
}

/** The command that runs `program` on the given cores: taskset execs it, so the pid stays the program's. */
const onCores = (cpus: string | undefined, program: string, args: string[]): [string, string[]] =>
  cpus === undefined ? [program, args] : ['taskset', ['-c', cpus, program, ...args]];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until something accepts connections on the port (or throws after `ms`). */
async function listening(port: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(50);
  }
}

/** The newest installed PostgreSQL's programs (Debian keeps them under /usr/lib/postgresql/N/bin). */
function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  }
  return name;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user. */
function asPostgres(program: string, args: string[], cpus?: string): void {
  const [bin, binArgs] = onCores(cpus, postgresBin(program), args);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...binArgs]] : [bin, binArgs];
  const run = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${program} failed: ${run.stderr || run.stdout}`);
}

export interface PrivatePostgres {
  /** postgres://lingr@127.0.0.1:PORT/lingr */
  url: string;
  port: number;
  /** A fresh database on the same server, for a test that wants its own. */
  database(name: string): Promise<string>;
  /** Stops the server (fast); `start` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  destroy(): Promise<void>;
  /** The postmaster's pid while it runs (every backend and helper is its child). */
  pid(): number | undefined;
}

export async function startPostgres(o: PrivateServerOptions = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'lingr-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()));
  }
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'lingr', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  // fsync off only spares the disk: a killed server still keeps every commit it acknowledged (the WAL is
  // written before the answer), as a stopped production server does.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const start = async () => {
    asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'], o.cpus);
    await listening(port);
  };
  const stop = async () => asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  await start();
  const admin = (sql: string) =>
    asPostgres('psql', ['-h', dir, '-p', String(port), '-U', 'lingr', '-d', 'postgres', '-qc', sql]);
  admin('CREATE DATABASE lingr');
  return {
    url: `postgres://lingr@127.0.0.1:${port}/lingr`,
    port,
    async database(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a database name: ${name}`);
      admin(`CREATE DATABASE ${name}`);
      return `postgres://lingr@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    pid() {
      // postmaster.pid's first line is the postmaster's pid; the file exists only while it runs.
      const pid = Number(readOr(join(data, 'postmaster.pid'), '').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    },
  };
}

export interface PrivateRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** redis-server's pid while it runs. */
  pid(): number | undefined;
}

export async function startRedis(o: PrivateServerOptions = {}): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'lingr-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      ...onCores(o.cpus, 'redis-server', [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ]),
      { stdio: 'ignore' },
    );
    await listening(port);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
  };
}
