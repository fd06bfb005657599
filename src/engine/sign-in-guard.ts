import { rateLimited } from '../core/chat-error.js';
import { RateLimiter } from './rate-limit.js';

const MINUTE = 60_000;

export interface SignInLimits {
  /** Failed sign-ins to one account from one address per window before that address is refused. */
  failuresPerAccountAndAddress: number;
  /** Failed sign-ins from one address, any account, per window. */
  failuresPerAddress: number;
  /**
   * Failed sign-ins to one account from anywhere per window. Past it, only addresses that have not failed
   * against the account may still try: guessing slows to one try per address, the owner is never refused.
   */
  failuresPerAccount: number;
  windowMs: number;
  /** Sign-in attempts from one address per minute, successful ones included. */
  attemptsPerAddress: number;
}

/** One sign-in under way: against its account and address it counts as a failure until it says otherwise. */
export interface SignInAttempt {
  /** The password was right: the provisional failure is taken back, and the pair starts afresh. */
  succeeded(): void;
  /** The password was wrong: it counts against the address and the account as a whole too. */
  failed(): void;
  /** It never got to check the password (the server was busy): it counts as no guess at all. */
  abandoned(): void;
}

/**
 * Limits sign-ins so that guessing is slow and nobody can lock anyone else out. For one account from one
 * address, checking and counting are one synchronous step: concurrent guesses cannot all pass a check
 * before any of them is counted. Failures per address and per account are counted when known, so people
 * signing in at once behind one address (an office) are not refused for attempts still under way; what
 * is under way is bounded by the hashing queue.
 */
export class SignInGuard {
  private readonly attempts: RateLimiter;
  private readonly byPair: RateLimiter;
  private readonly byAddress: RateLimiter;
  private readonly byAccount: RateLimiter;

  constructor(limits: SignInLimits) {
    this.attempts = new RateLimiter(limits.attemptsPerAddress, MINUTE);
    this.byPair = new RateLimiter(limits.failuresPerAccountAndAddress, limits.windowMs);
    this.byAddress = new RateLimiter(limits.failuresPerAddress, limits.windowMs);
    this.byAccount = new RateLimiter(limits.failuresPerAccount, limits.windowMs);
  }

  /** Counts a sign-in that checks no password (right after signing up), refusing it past the limit. */
  countAttempt(address: string, now: number): void {
    if (!this.attempts.hit(address, now))
      throw rateLimited('Too many sign-ins from your address; wait a minute before trying again.');
  }

  /** Counts an attempt, or throws rate_limited when this address may not try this account now. */
  begin(username: string, address: string, now: number): SignInAttempt {
    const pair = `${address}\n${username}`;
    this.countAttempt(address, now);
    const underAttack = this.byAccount.exhausted(username, now) && this.byPair.count(pair, now) > 0;
    if (this.byPair.exhausted(pair, now) || this.byAddress.exhausted(address, now) || underAttack)
      throw rateLimited('Too many failed sign-ins; wait a few minutes before trying again.');
    this.byPair.hit(pair, now);
    return {
      succeeded: () => this.byPair.reset(pair),
      failed: () => {
        this.byAddress.hit(address, now);
        this.byAccount.hit(username, now);
      },
      abandoned: () => this.byPair.refund(pair, now),
    };
  }

  sweep(now: number): void {
    for (const l of [this.attempts, this.byPair, this.byAddress, this.byAccount]) l.sweep(now);
  }
}
