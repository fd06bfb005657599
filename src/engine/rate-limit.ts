interface Window {
  start: number;
  count: number;
  previous: number;
}

/**
 * Sliding-window counter (two fixed windows, weighted): constant memory per key, no timers per key.
 * Stale keys are forgotten by `sweep`.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Adds `weight` (negative takes back) and returns the key's weighted count after it. */
  add(key: string, now: number, weight = 1): number {
    const w = this.window(key, now);
    w.count = Math.max(0, w.count + weight);
    return this.estimate(w, now);
  }

  /** Counts one hit; false when the key is over its limit (the hit is still counted). */
  hit(key: string, now: number, weight = 1, limit = this.limit): boolean {
    const w = this.window(key, now);
    w.count += weight;
    return this.estimate(w, now) <= limit;
  }

  /** Takes back hits counted earlier (an attempt that turned out not to count). */
  refund(key: string, now: number, weight = 1): void {
    const w = this.windows.get(key);
    if (!w) return;
    this.roll(w, now);
    w.count = Math.max(0, w.count - weight);
  }

  /** True when the key is already at or over its limit, without counting anything. */
  exhausted(key: string, now: number, limit = this.limit): boolean {
    return this.count(key, now) >= limit;
  }

  /** The key's weighted count over the last window. */
  count(key: string, now: number): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    this.roll(w, now);
    return this.estimate(w, now);
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= 2 * this.windowMs) this.windows.delete(key);
  }

  private window(key: string, now: number): Window {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { start: now - (now % this.windowMs), count: 0, previous: 0 }));
    this.roll(w, now);
    return w;
  }

  private roll(w: Window, now: number): void {
    const elapsed = Math.floor((now - w.start) / this.windowMs);
    if (elapsed <= 0) return;
    w.previous = elapsed === 1 ? w.count : 0;
    w.count = 0;
    w.start += elapsed * this.windowMs;
  }

  private estimate(w: Window, now: number): number {
    const weight = 1 - (now - w.start) / this.windowMs;
    return w.count + w.previous * Math.max(0, weight);
  }
}
