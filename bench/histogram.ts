/**
 * A latency histogram with 1% relative precision, small enough to send over IPC whatever the count:
 * millions of deliveries cannot travel as raw arrays.
 */
export interface HistogramData {
  /** Bucket index -> count, only the buckets used. */
  buckets: Record<string, number>;
  count: number;
  sum: number;
  max: number;
}

const STEP = Math.log(1.01);
/** Below 1 ms, buckets are 0.01 ms wide; above, each is 1% wider than the last. */
const LINEAR = 100;

function bucketOf(ms: number): number {
  if (ms < 1) return Math.max(0, Math.floor(ms * LINEAR));
  return LINEAR + Math.floor(Math.log(ms) / STEP);
}

/** The upper edge of a bucket, so percentiles never understate. */
function valueOf(bucket: number): number {
  return bucket < LINEAR ? (bucket + 1) / LINEAR : Math.exp((bucket - LINEAR + 1) * STEP);
}

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    const b = bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  merge(d: HistogramData): this {
    for (const [k, n] of Object.entries(d.buckets))
      this.counts.set(Number(k), (this.counts.get(Number(k)) ?? 0) + n);
    this.count += d.count;
    this.sum += d.sum;
    this.max = Math.max(this.max, d.max);
    return this;
  }

  /** Nearest-rank percentile, capped by the exact maximum. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b) as number;
      if (seen >= rank) return Math.min(valueOf(b), this.max);
    }
    return this.max;
  }

  summary(): { p50: number; p99: number; max: number; count: number } {
    return {
      p50: this.percentile(50),
      p99: this.percentile(99),
      max: this.count ? this.max : NaN,
      count: this.count,
    };
  }

  toJSON(): HistogramData {
    return { buckets: Object.fromEntries(this.counts), count: this.count, sum: this.sum, max: this.max };
  }
}

export const mergeAll = (all: readonly HistogramData[]): Histogram =>
  all.reduce((h, d) => h.merge(d), new Histogram());
