import type { Bus, BusMessage } from '../core/ports.js';

/** One process: nobody else to tell, and this process alone decides who is online. */
export class LocalBus implements Bus {
  private readonly online = new Set<number>();
  // Other processes on the same store (the command line, workers) do not hear this one.
  readonly reachesEveryProcess = false;

  publish(_message: BusMessage): void {}

  subscribe(_handler: (message: BusMessage) => void): void {}

  presence(userId: number, online: boolean): Promise<boolean> {
    const was = this.online.has(userId);
    if (online) this.online.add(userId);
    else this.online.delete(userId);
    return Promise.resolve(was !== online);
  }
}
