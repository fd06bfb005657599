import { rateLimited } from '../core/chat-error.js';
import type { LiveSession } from './live-session.js';
import { RateLimiter } from './rate-limit.js';
import type { EngineSettings } from './settings.js';

const MINUTE = 60_000;
/**
 * A session past its limit is told so after this long: a client that floods (waiting for each answer) slows
 * to one call a second per connection instead of keeping a core busy refusing it.
 */
const OVER_LIMIT_DELAY_MS = 1000;

/** Says and other calls per session and minute (spec 10.20), relaxed for sessions with an app key. */
export class CallLimits {
  private readonly says: RateLimiter;
  private readonly calls: RateLimiter;

  constructor(private readonly settings: EngineSettings) {
    this.says = new RateLimiter(settings.sayPerMinute, MINUTE);
    this.calls = new RateLimiter(settings.callsPerMinute, MINUTE);
  }

  call(s: LiveSession, now: number): void {
    if (!this.calls.hit(s.id, now, 1, this.limitFor(s, this.calls.limit)))
      throw rateLimited('Too many calls; slow down.', OVER_LIMIT_DELAY_MS);
  }

  say(s: LiveSession, now: number): void {
    if (!this.says.hit(s.id, now, 1, this.limitFor(s, this.says.limit)))
      throw rateLimited('Too many messages; wait a moment before saying more.', OVER_LIMIT_DELAY_MS);
  }

  sweep(now: number): void {
    this.says.sweep(now);
    this.calls.sweep(now);
  }

  private limitFor(s: LiveSession, base: number): number {
    return s.appKey ? base * this.settings.appKeyFactor : base;
  }
}
