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

/** Figures of the tree under `roots` (taken afresh each time: processes come and go). */
export function measuredTree(roots: () => number[]): {
  pids(): number[];
  cpuSeconds(): number;
  rssKb(): number;
  peakRssKb(): number;
  openFiles(): number;
} {
  const pids = () => processTree(roots());
  return {
    pids,
    cpuSeconds: () => cpuSeconds(pids()),
    rssKb: () => rssKb(pids()),
    peakRssKb: () => peakRssKb(pids()),
    openFiles: () => openFiles(pids()),
  };
}

/**
 * utime + stime of the processes, in seconds, with cutime + cstime: what their children that ended (and
 * were reaped) used. Without it a tree whose processes come and go (PostgreSQL's backends) loses the CPU
 * of every child that ended between two readings, and can even seem to use less than nothing.
 */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    const used = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
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

/** One thread's CPU so far, in clock ticks: its name, user and system time apart. */
export interface ThreadCpu {
  pid: number;
  tid: number;
  name: string;
  user: number;
  system: number;
}

/** Every thread of the processes (main loop, GC helpers, the thread pool), read once. */
export function threadCpu(pids: readonly number[]): ThreadCpu[] {
  const out: ThreadCpu[] = [];
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // ended meanwhile
    }
    for (const tid of tids) {
      const stat = readOr(`/proc/${pid}/task/${tid}/stat`, '');
      if (!stat) continue;
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid, tid: Number(tid), name, user: Number(f[11]), system: Number(f[12]) });
    }
  }
  return out;
}

/**
 * CPU time of every thread of the processes, in nanoseconds, from /proc/PID/task/TID/schedstat: exact
 * where clock ticks (10 ms) are too coarse for one short measure.
 */
export function cpuNanoseconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // ended meanwhile
    }
    for (const tid of tids) total += Number(readOr(`/proc/${pid}/task/${tid}/schedstat`, '0').split(' ')[0]);
  }
  return total;
}

/** Processes whose command line matches `pattern`, besides this one. */
export function processesMatching(pattern: RegExp): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    if (pattern.test(readOr(`/proc/${name}/cmdline`, '').replace(/\0/g, ' '))) found.push(Number(name));
  }
  return found;
}
