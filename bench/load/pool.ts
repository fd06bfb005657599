import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromLoad, LoadReport, ObserverConfig } from './protocol.js';

const OBSERVERS = fileURLToPath(new URL('./observers.js', import.meta.url));

/** One load-generator process, driven over IPC. */
export class LoadProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (m: FromLoad) => void>();
  private failure: string | undefined;

  constructor(config: ObserverConfig) {
    this.child = fork(OBSERVERS, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromLoad) => {
      if (m.type === 'failed') this.failure = m.error;
      const resolve = this.waiting.get(m.type === 'failed' ? 'ready' : m.type);
      resolve?.(m);
    });
    this.child.send({ type: 'start', config });
  }

  private next(type: FromLoad['type'], timeoutMs: number): Promise<FromLoad> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`load process: no ${type} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(type, (m) => {
        clearTimeout(timer);
        this.waiting.delete(type);
        if (this.failure) reject(new Error(this.failure));
        else resolve(m);
      });
    });
  }

  ready(timeoutMs = 120_000): Promise<FromLoad> {
    return this.next('ready', timeoutMs);
  }

  go(timeoutMs = 120_000): Promise<FromLoad> {
    const ramped = this.next('ramped', timeoutMs);
    this.child.send({ type: 'go' });
    return ramped;
  }

  async report(): Promise<LoadReport> {
    const m = this.next('report', 30_000);
    this.child.send({ type: 'report' });
    return ((await m) as { report: LoadReport }).report;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
