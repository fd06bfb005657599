import { Outbox } from './outbox.js';
import type { Bus, BusMessage } from '../core/ports.js';
import {
  decodeBus,
  encodeBus,
  isToWorker,
  type MetricsJson,
  type ToPrimary,
  type ToWorker,
} from './cluster-protocol.js';

const REPLY_TIMEOUT_MS = 10_000;

/**
 * A worker's end of the cluster bus: messages go to the primary, which relays them to every other worker.
 * What one loop turn publishes goes out as one IPC message, events of consecutive writes merged.
 */
export class WorkerBus implements Bus {
  // Only this node's workers hear it; other nodes on the same store do not.
  readonly reachesEveryProcess = false;
  private readonly handlers: Array<(m: BusMessage) => void> = [];
  // One string per turn: cheap to copy through the primary, parsed once by each receiver.
  private readonly outbox = new Outbox((messages) =>
    this.send({ lingr: 'bus', messages: encodeBus(messages) }),
  );
  private nextId = 1;
  private readonly waiting = new Map<number, (value: boolean | string) => void>();
  private metricsSource: (() => Promise<MetricsJson>) | undefined;

  constructor(private readonly send: (m: ToPrimary) => void) {}

  /** Feeds what the primary sends; returns false for messages that are not ours. */
  receive(m: unknown): boolean {
    if (!isToWorker(m)) return false;
    this.handle(m);
    return true;
  }

  publish(message: BusMessage): void {
    this.outbox.push(message);
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  async presence(userId: number, online: boolean): Promise<boolean> {
    return (await this.request((id) => ({ lingr: 'presence', id, userId, online }))) === true;
  }

  /** Where this worker's own metrics come from, when the primary gathers them. */
  provideMetrics(source: () => Promise<MetricsJson>): void {
    this.metricsSource = source;
  }

  /** Every worker's metrics, summed or one series per worker, in Prometheus text format. */
  async clusterMetrics(perWorker: boolean): Promise<string> {
    return String(await this.request((id) => ({ lingr: 'metrics', id, perWorker })));
  }

  private request(make: (id: number) => ToPrimary): Promise<boolean | string> {
    const id = this.nextId++;
    // Ours go first: the primary must see what we published before what we ask.
    this.outbox.flush();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, REPLY_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      this.send(make(id));
    });
  }

  private handle(m: ToWorker): void {
    switch (m.lingr) {
      case 'bus':
        for (const message of decodeBus(m.messages)) for (const h of this.handlers) h(message);
        break;
      case 'reply': {
        const resolve = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        resolve?.(m.value);
        break;
      }
      case 'gather-metrics':
        void (this.metricsSource?.() ?? Promise.resolve([])).then(
          (metrics) => this.send({ lingr: 'metrics-json', id: m.id, metrics }),
          () => this.send({ lingr: 'metrics-json', id: m.id, metrics: [] }),
        );
        break;
    }
  }
}
