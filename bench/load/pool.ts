import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromLoad, LoadConfig, LoadReport, ToLoad } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

type Reply<T extends FromLoad['type']> = Extract<FromLoad, { type: T }>;

/** One load-generator process, driven over IPC. */
export class LoadProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (m: FromLoad) => void>();
  private failure: string | undefined;
  /** The lowest line all its active subscribers have, as last reported. */
  low = 0;
  /** Lines its subscribers received in all, as last reported. */
  received = 0;

  constructor(readonly config: LoadConfig) {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromLoad) => {
      if (m.type === 'progress') {
        this.low = m.low;
        this.received = m.received;
        return;
      }
      if (m.type === 'failed') this.failure = m.error;
      this.waiting.get(m.type === 'failed' ? 'ready' : m.type)?.(m);
    });
    this.child.on('exit', (code) => {
      this.failure ??= `load process exited (${code})`;
      for (const resolve of [...this.waiting.values()]) resolve({ type: 'failed', error: this.failure });
    });
    this.send({ type: 'start', config });
  }

  private send(m: ToLoad): void {
    if (this.child.connected) this.child.send(m);
  }

  /** Sends `command` (if any) and waits for the reply of type `type`. */
  ask<T extends FromLoad['type']>(
    type: T,
    command: ToLoad | undefined,
    timeoutMs: number,
  ): Promise<Reply<T>> {
    const reply = new Promise<Reply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(type);
        reject(new Error(`load process: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(type, (m) => {
        clearTimeout(timer);
        this.waiting.delete(type);
        if (m.type === 'failed' || this.failure) reject(new Error(this.failure ?? 'load process failed'));
        else resolve(m as Reply<T>);
      });
    });
    if (command) this.send(command);
    return reply;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Where a group of subscribers goes: a room on a server, through a target, from some addresses. */
export interface GroupOptions extends Omit<
  LoadConfig,
  'first' | 'count' | 'localAddresses' | 'rampPerSecond'
> {
  first: number;
  count: number;
  /** Load processes; each gets its own source addresses. */
  processes: number;
  addressesPerProcess: number;
  /** Subscribers opened per second over the whole group. */
  rampPerSecond: number;
}

/** A group of subscribers spread over several load processes, commanded as one. */
export class LoadGroup {
  readonly processes: LoadProcess[] = [];

  constructor(
    readonly options: GroupOptions,
    nextAddress: () => string,
  ) {
    const share = Math.ceil(options.count / options.processes);
    for (let p = 0; p < options.processes; p++) {
      const first = p * share;
      const count = Math.min(share, options.count - first);
      if (count <= 0) break;
      this.processes.push(
        new LoadProcess({
          target: options.target,
          targetOptions: options.targetOptions,
          url: options.url,
          ...(options.urls ? { urls: options.urls } : {}),
          room: options.room,
          first: options.first + first,
          count,
          localAddresses: Array.from({ length: options.addressesPerProcess }, nextAddress),
          rampPerSecond: options.rampPerSecond / options.processes,
          deadline: options.deadline,
          progressMs: options.progressMs,
        }),
      );
    }
  }

  get count(): number {
    return this.options.count;
  }

  async ready(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.ask('ready', undefined, 60_000)));
  }

  /** Opens every subscriber at the group's ramp rate; resolves with how many opened. */
  async open(): Promise<{ opened: number; failed: number }> {
    // The paced ramp is a ceiling: on a loaded machine opening takes longer, so allow four times it.
    const budget = 60_000 + (this.options.count / Math.max(1, this.options.rampPerSecond)) * 4000;
    const all = await Promise.all(this.processes.map((p) => p.ask('opened', { type: 'open' }, budget)));
    return all.reduce((a, m) => ({ opened: a.opened + m.opened, failed: a.failed + m.failed }), {
      opened: 0,
      failed: 0,
    });
  }

  async pause(fraction: number): Promise<number> {
    const all = await Promise.all(
      this.processes.map((p) => p.ask('paused', { type: 'pause', fraction }, 30_000)),
    );
    return all.reduce((a, m) => a + m.count, 0);
  }

  /** Every process drops all its subscribers at once. */
  async storm(): Promise<number> {
    const all = await Promise.all(this.processes.map((p) => p.ask('stormed', { type: 'storm' }, 30_000)));
    return all.reduce((a, m) => a + m.count, 0);
  }

  /** Lines the group's subscribers received in all, as last reported. */
  received(): number {
    return this.processes.reduce((a, p) => a + p.received, 0);
  }

  /** The lowest line every active subscriber of the group has. */
  low(): number {
    return Math.min(...this.processes.map((p) => p.low));
  }

  /** The load processes, for their CPU time. */
  pids(): number[] {
    return this.processes.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  /** Each process's figures; `retried` lines were said more than once, so a second copy is no fault. */
  async reports(lines: number, retried: readonly number[] = []): Promise<LoadReport[]> {
    const all = await Promise.all(
      this.processes.map((p) => p.ask('report', { type: 'report', lines, retried: [...retried] }, 60_000)),
    );
    return all.map((m) => m.report);
  }

  /** Closes every subscriber, then ends the processes. */
  async close(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.ask('closed', { type: 'close' }, 10_000)));
    this.kill();
  }

  kill(): void {
    for (const p of this.processes) p.kill();
  }
}
