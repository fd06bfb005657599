import type { ChatEvent } from '../core/model.js';

/**
 * The newest events in counter order. Ids arrive gap-free (the feed guarantees it), so the event after
 * counter C sits at a computed index: no search on the observe path.
 */
export class RecentEvents {
  private events: ChatEvent[] = [];
  private start = 0;

  constructor(private readonly capacity: number) {}

  get firstId(): number | undefined {
    return this.events[this.start]?.id;
  }

  push(event: ChatEvent): void {
    const last = this.events[this.events.length - 1];
    if (last && event.id !== last.id + 1) this.clear();
    this.events.push(event);
    if (this.events.length - this.start > this.capacity) this.start++;
    // Compact now and then rather than shifting on every push.
    if (this.start > this.capacity) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }

  clear(): void {
    this.events = [];
    this.start = 0;
  }

  /** True when every event after `counter` is held here. */
  covers(counter: number): boolean {
    const first = this.firstId;
    return first !== undefined && counter >= first - 1;
  }

  /** Up to `limit` events after `counter` that pass `wanted`, oldest first. Call only when `covers`. */
  after(counter: number, limit: number, wanted: (e: ChatEvent) => boolean): ChatEvent[] {
    const first = this.firstId;
    if (first === undefined) return [];
    const out: ChatEvent[] = [];
    for (let i = this.start + Math.max(0, counter - first + 1); i < this.events.length; i++) {
      const e = this.events[i] as ChatEvent;
      if (wanted(e)) {
        out.push(e);
        if (out.length === limit) break;
      }
    }
    return out;
  }
}
