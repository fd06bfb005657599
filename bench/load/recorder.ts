import { Histogram } from '../histogram.js';
import { nowMs } from '../stats.js';
import { parseBenchLine } from './protocol.js';

/**
 * The bench lines one subscriber received: lines arrive in order, so a count of the contiguous ones plus
 * a small set of any that came early is exact for missing and duplicates at a few bytes per subscriber.
 */
export class LineRecord {
  /** Lowest line not yet received (= contiguous lines received). */
  next = 0;
  private ahead: Set<number> | undefined;
  duplicates = 0;
  /** Which lines came twice (rare): a line said again after a failed say may rightly come twice. */
  duplicateSeqs: number[] | undefined;
  deliveries = 0;
  paused = false;
  /** When the storm dropped this subscriber, until its first line after. */
  droppedAt: number | undefined;

  constructor(
    private readonly latency: Histogram,
    private readonly firstLineMs: Histogram,
  ) {}

  onLine(text: string): void {
    const line = parseBenchLine(text);
    if (!line || this.paused) return;
    const now = nowMs();
    this.deliveries++;
    if (this.droppedAt !== undefined) {
      this.firstLineMs.record(now - this.droppedAt);
      this.droppedAt = undefined;
    }
    if (line.seq < this.next || this.ahead?.has(line.seq)) {
      this.duplicates++;
      (this.duplicateSeqs ??= []).push(line.seq);
      return;
    }
    this.latency.record(now - line.sentAt);
    if (line.seq > this.next) (this.ahead ??= new Set()).add(line.seq);
    else {
      this.next++;
      // Bounded by the lines that came early.
      while (this.ahead?.delete(this.next)) this.next++;
    }
  }

  get distinct(): number {
    return this.next + (this.ahead?.size ?? 0);
  }
}
