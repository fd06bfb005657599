import type { ChatEvent } from '../core/model.js';
import type { EventRepository } from '../core/ports.js';

export type EventSink = (event: ChatEvent) => void;

/**
 * Hands events to the hub strictly in counter order, once each. Events can arrive out of order (two
 * writes finishing in either order, another process writing the same store); a gap is filled from the
 * store, which is the truth, before anything after it goes out.
 */
export class EventFeed {
  private last: number;
  private filling: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private queued: ChatEvent[] = [];
  /** The last read of the store failed: what it was to pick up may still be there, so read again. */
  private failed = false;
  /** Reads of the store to fill a gap or catch up, and the time events waited on them (for metrics). */
  readonly fills = { count: 0, waitedMs: 0 };

  constructor(
    private readonly events: EventRepository,
    startAfter: number,
    private readonly sink: EventSink,
    private readonly onError: (err: unknown) => void,
  ) {
    this.last = startAfter;
  }

  /** True when a read of the store failed and nothing has read it since: call `catchUp` again. */
  get stale(): boolean {
    return this.failed;
  }

  /** The highest counter handed out so far. */
  get lastId(): number {
    return this.last;
  }

  publish(events: readonly ChatEvent[]): void {
    if (this.filling) {
      this.queued.push(...events);
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as ChatEvent;
      if (e.id <= this.last) continue;
      if (e.id === this.last + 1) {
        this.dispatch(e);
        continue;
      }
      this.queued.push(...events.slice(i));
      void this.fill();
      return;
    }
  }

  /**
   * Reads whatever the store holds past our position: used when another process wrote events. A read
   * already under way may have started before the caller's event was written, so another one follows it.
   */
  catchUp(): Promise<void> {
    if (!this.filling) return this.fill();
    this.again ??= this.filling.then(() => {
      this.again = undefined;
      return this.catchUp();
    });
    return this.again;
  }

  private dispatch(e: ChatEvent): void {
    this.last = e.id;
    this.sink(e);
  }

  private fill(): Promise<void> {
    this.filling = this.runFill();
    return this.filling;
  }

  private async runFill(): Promise<void> {
    const started = Date.now();
    this.fills.count++;
    try {
      for (;;) {
        const batch = await this.events.after(this.last, 1000);
        for (const e of batch) if (e.id > this.last) this.dispatch(e);
        if (batch.length < 1000) break;
      }
      const queued = this.queued.sort((a, b) => a.id - b.id);
      this.queued = [];
      // Whatever is still ahead of a gap after the fill cannot be in the store: drop nothing silently.
      for (const e of queued) {
        if (e.id <= this.last) continue;
        if (e.id !== this.last + 1) {
          this.onError(new Error(`event ${e.id} published but ${this.last + 1} is missing from the store`));
        }
        this.dispatch(e);
      }
      this.failed = false;
    } catch (err) {
      // Never given up: the next tick reads again, so a gap cannot stay unfilled after one bad read.
      this.failed = true;
      this.onError(err);
    } finally {
      this.fills.waitedMs += Date.now() - started;
      this.filling = undefined;
    }
    // After a failed read the queue waits for the next catch-up, rather than spinning on a failing store.
    if (this.queued.length > 0 && !this.failed) this.publish(this.queued.splice(0));
  }
}
