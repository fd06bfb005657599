import { rateLimited } from '../core/chat-error.js';
import type { LiveSession } from './live-session.js';
import type { LimitCounters } from '../core/ports.js';
import { Limiter } from './limiter.js';
import type { EngineSettings } from './settings.js';

const MINUTE = 60_000;
/**
 * A session past its limit is told so after this long: a client that floods (waiting for each answer) slows
 * to one call a second per connection instead of keeping a core busy refusing it.
 */
const OVER_LIMIT_DELAY_MS = 1000;

/** Says and other calls per session and minute (spec 10.20), relaxed for sessions with an app key. */
export class CallLimits {
  private readonly says: Limiter;
  private readonly calls: Limiter;

  constructor(
    private readonly settings: EngineSettings,
    shared?: LimitCounters,
  ) {
    this.says = new Limiter('says', settings.sayPerMinute, MINUTE, shared);
    this.calls = new Limiter('calls', settings.callsPerMinute, MINUTE, shared);
  }

  async call(s: LiveSession, now: number): Promise<void> {
    if (!(await this.calls.hit(s.id, now, this.limitFor(s, this.calls.limit))))
      throw rateLimited('Too many calls; slow down.', OVER_LIMIT_DELAY_MS);
  }

  async say(s: LiveSession, now: number): Promise<void> {
    if (!(await this.says.hit(s.id, now, this.limitFor(s, this.says.limit))))
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
