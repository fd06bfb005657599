import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

/** The processes whose parent is `pid`, from /proc. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** A private nginx (not a daemon) in a temporary prefix of its own, which `stop` removes. */
export interface NginxProcess {
  /** The master and its workers (none once it has exited). */
  pids(): number[];
  stop(): Promise<void>;
}

export interface NginxStart {
  command: string;
  args: readonly string[];
  prefix: string;
  errorLog: string;
  /** What the failure message calls it, and the port it should answer on. */
  name: string;
  port: number;
  /** True once it answers as it should. */
  ready(): Promise<boolean>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts nginx and waits until `ready`; if it exits or does not answer in 15 s, stops it and says why. */
export async function runNginx(o: NginxStart): Promise<NginxProcess> {
  const child = spawn(o.command, o.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const master = child.pid as number;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    const workers = childPids(master);
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
    // The master ends its workers before it exits; make sure of it after a SIGKILL too.
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(o.prefix, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await o.ready())) {
    if (exited || Date.now() > deadline) {
      const log = `${stderr}${existsSync(o.errorLog) ? readFileSync(o.errorLog, 'utf8') : ''}`.trim();
      await stop();
      throw new Error(`${o.name} did not start on port ${o.port}: ${log || 'no output'}`);
    }
    await sleep(50);
  }
  return { pids: () => (exited ? [] : [master, ...childPids(master)]), stop };
}
