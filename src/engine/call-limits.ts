import { rateLimited } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { LimitCounters } from '../core/ports.js';
import { Limiter } from './limiter.js';
import type { EngineSettings } from './settings.js';

const MINUTE = 60_000;
/**
 * A session past its limit is told so after this long: a client that floods (waiting for each answer) slows
 * to one call a second per connection instead of keeping a core busy refusing it.
 */
const OVER_LIMIT_DELAY_MS = 1000;

/** Whoever a limit counts: a session of either API generation, by its (store) id and app key. */
export interface Caller {
  readonly id: string;
  readonly appKey: string | null;
}

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

  async call(s: Caller, now: number): Promise<void> {
    if (!(await this.calls.hit(s.id, now, this.limitFor(s, this.calls.limit))))
      throw rateLimited(phrase('tooManyCalls'), OVER_LIMIT_DELAY_MS);
  }

  async say(s: Caller, now: number): Promise<void> {
    if (!(await this.says.hit(s.id, now, this.limitFor(s, this.says.limit))))
      throw rateLimited(phrase('tooManyMessages'), OVER_LIMIT_DELAY_MS);
  }

  /**
   * Calls that need no session (API 1.0's directory and room info, its session.create), counted per client
   * address with the relaxed limit: they all carry an API key.
   */
  async anonymous(address: string, now: number): Promise<void> {
    if (!(await this.calls.hit(`address:${address}`, now, this.calls.limit * this.settings.appKeyFactor)))
      throw rateLimited(phrase('tooManyCallsFromAddress'), OVER_LIMIT_DELAY_MS);
  }

  sweep(now: number): void {
    this.says.sweep(now);
    this.calls.sweep(now);
  }

  private limitFor(s: Caller, base: number): number {
    return s.appKey ? base * this.settings.appKeyFactor : base;
  }
}
