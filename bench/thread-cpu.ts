import { parseArgs } from 'node:util';
import { processesMatching, threadCpu, type ThreadCpu } from './proc-tree.js';

/**
 * Where a server's CPU goes by thread, user and system time apart: every process whose command line
 * matches PATTERN, read at `--after` seconds and again `--for` seconds later (run it beside a benchmark).
 * The main thread's user time is JavaScript; system time is the kernel's share (system calls, loopback
 * TCP); the other threads are V8's GC helpers and libuv's pool.
 *
 *   node dist/bench/thread-cpu.js 'bin/lingr.js serve' --after 20 --for 25
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { after: { type: 'string', default: '20' }, for: { type: 'string', default: '25' } },
});
const pattern = positionals[0];
if (!pattern) {
  console.error('usage: thread-cpu PATTERN [--after SECONDS] [--for SECONDS]');
  process.exit(2);
}
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
await sleep(Number(values.after));
const pids = processesMatching(new RegExp(pattern));
if (pids.length === 0) {
  console.error(`no process matches ${pattern}`);
  process.exit(1);
}
const first = new Map(threadCpu(pids).map((t) => [t.tid, t]));
await sleep(Number(values.for));
const rows: Array<ThreadCpu & { main: boolean }> = [];
for (const t of threadCpu(pids)) {
  const before = first.get(t.tid);
  const user = t.user - (before?.user ?? 0);
  const system = t.system - (before?.system ?? 0);
  if (user + system > 0) rows.push({ ...t, user, system, main: t.tid === t.pid });
}
const sum = (list: typeof rows, f: (t: ThreadCpu) => number) => list.reduce((a, t) => a + f(t), 0);
console.log(`clock ticks (1/100 s) over ${values.for} s; processes ${pids.join(', ')}`);
for (const pid of pids) {
  const mine = rows.filter((t) => t.pid === pid);
  const main = mine.filter((t) => t.main);
  const helpers = mine.filter((t) => !t.main);
  console.log(
    `pid ${pid}: main thread user ${sum(main, (t) => t.user)} system ${sum(main, (t) => t.system)}; ` +
      `${helpers.length} other threads ${sum(helpers, (t) => t.user + t.system)}`,
  );
}
console.log(`total ${sum(rows, (t) => t.user + t.system)}`);
