import { readdirSync, readFileSync } from 'node:fs';

/**
 * Figures of a whole process tree read from /proc: a server with workers (or a peer with helper
 * processes) is measured as the sum of its processes. This kernel has no /proc/PID/task/TID/children,
 * so children are found by each process's parent id.
 */
const CLOCK_TICKS = 100; // USER_HZ on Linux

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback; // the process ended between listing and reading
  }
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces). */
function statFields(pid: number): string[] {
  const stat = readOr(`/proc/${pid}/stat`, '');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `roots` and every descendant still running. */
export function processTree(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(Number(name))[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found = new Set<number>();
  const queue = roots.filter((pid) => statFields(pid).length > 1);
  // Bounded by the number of processes on the machine.
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found];
}

/** utime + stime of the processes, in seconds. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    const used = Number(f[11]) + Number(f[12]);
    if (Number.isFinite(used)) ticks += used;
  }
  return ticks / CLOCK_TICKS;
}

function statusKb(pids: readonly number[], field: string): number {
  const re = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm');
  let kb = 0;
  for (const pid of pids) {
    const m = re.exec(readOr(`/proc/${pid}/status`, ''));
    if (m) kb += Number(m[1]);
  }
  return kb;
}

export const rssKb = (pids: readonly number[]): number => statusKb(pids, 'VmRSS');
/** Sum of each process's own peak (VmHWM): an upper bound of the tree's peak. */
export const peakRssKb = (pids: readonly number[]): number => statusKb(pids, 'VmHWM');

/** Open file descriptors (almost all sockets under load): connections held, whatever the server. */
export function openFiles(pids: readonly number[]): number {
  let n = 0;
  for (const pid of pids) {
    try {
      n += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // ended meanwhile
    }
  }
  return n;
}
