import type { LimitCounters } from '../core/ports.js';
import { RateLimiter } from './rate-limit.js';

/**
 * A named rate limit: in this process's memory, or in counters every node shares (with several nodes).
 * Adding and reading back are one step either way, so concurrent requests never all pass one check.
 */
export class Limiter {
  private readonly local: RateLimiter;

  constructor(
    private readonly name: string,
    readonly limit: number,
    private readonly windowMs: number,
    private readonly shared?: LimitCounters,
  ) {
    this.local = new RateLimiter(limit, windowMs);
  }

  /**
   * Adds `weight` and returns the weighted count after it. While the shared counters are out of reach the
   * node counts on its own, so it goes on serving (each node then allows up to the limit by itself).
   */
  async add(key: string, now: number, weight = 1): Promise<number> {
    if (this.shared)
      try {
        return await this.shared.add(this.keyOf(key), this.windowMs, weight, now);
      } catch {
        // Counted here instead; the shared window resumes when the counters answer again.
      }
    return this.local.add(key, now, weight);
  }

  /** Counts one hit; false when that takes the key over `limit` (the hit is still counted). */
  async hit(key: string, now: number, limit = this.limit): Promise<boolean> {
    return (await this.add(key, now)) <= limit;
  }

  /** The weighted count, adding nothing. */
  count(key: string, now: number): Promise<number> {
    return this.add(key, now, 0);
  }

  async exhausted(key: string, now: number, limit = this.limit): Promise<boolean> {
    return (await this.count(key, now)) >= limit;
  }

  async refund(key: string, now: number, weight = 1): Promise<void> {
    await this.add(key, now, -weight);
  }

  async reset(key: string, now: number): Promise<void> {
    this.local.reset(key);
    await this.shared?.reset(this.keyOf(key), this.windowMs, now).catch(() => undefined);
  }

  /** Forgets stale keys kept in memory (shared counters expire by themselves). */
  sweep(now: number): void {
    this.local.sweep(now);
  }

  private keyOf(key: string): string {
    return `${this.name}:${key}`;
  }
}
