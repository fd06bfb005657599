import type { Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import type { ToWorker } from './cluster-protocol.js';

/** Connections kept while no worker is ready (all starting or restarting); beyond this they are closed. */
const MAX_WAITING = 4096;

/**
 * The primary's side of sharing the port: it accepts each connection (paused, unread) and hands it to the
 * ready workers in turn. It keeps its own copy of the socket until the worker says it took it, and closes
 * that copy when the worker dies first: node:cluster's own round robin keeps such a socket open for good,
 * and its client hangs until its own timeout.
 */
export class ConnectionHandoff {
  private readonly ready: Worker[] = [];
  private turn = 0;
  private nextId = 1;
  private readonly inFlight = new Map<Worker, Map<number, Socket>>();
  private readonly waiting: Array<{ socket: Socket; listener: number }> = [];

  /** A connection accepted on listener `listener` (0: the main port). */
  offer(socket: Socket, listener: number): void {
    const w = this.ready.length > 0 ? this.ready[this.turn++ % this.ready.length] : undefined;
    if (!w) {
      if (this.waiting.length < MAX_WAITING) this.waiting.push({ socket, listener });
      else socket.destroy();
      return;
    }
    const id = this.nextId++;
    let held = this.inFlight.get(w);
    if (!held) this.inFlight.set(w, (held = new Map()));
    held.set(id, socket);
    const message: ToWorker = { lingr: 'connection', id, listener };
    w.send(message, socket, { keepOpen: true }, (err) => {
      if (!err) return;
      held.delete(id);
      socket.destroy();
    });
  }

  workerReady(w: Worker): void {
    if (!this.ready.includes(w)) this.ready.push(w);
    for (const { socket, listener } of this.waiting.splice(0)) this.offer(socket, listener);
  }

  /** The worker has its own copy of connection `id` now. */
  accepted(w: Worker, id: number): void {
    const held = this.inFlight.get(w);
    held?.get(id)?.destroy();
    held?.delete(id);
  }

  /** A worker went away: what was on its way to it is closed, so its clients know at once and retry. */
  workerGone(w: Worker): void {
    const at = this.ready.indexOf(w);
    if (at >= 0) this.ready.splice(at, 1);
    for (const socket of this.inFlight.get(w)?.values() ?? []) socket.destroy();
    this.inFlight.delete(w);
  }

  /** Stops handing out: connections still waiting for a worker are closed. */
  close(): void {
    for (const { socket } of this.waiting.splice(0)) socket.destroy();
  }
}
