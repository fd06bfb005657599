import { rateLimited } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import type { LimitCounters } from '../core/ports.js';
import { Limiter } from './limiter.js';

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
  succeeded(): Promise<void>;
  /** The password was wrong: it counts against the address and the account as a whole too. */
  failed(): Promise<void>;
  /** It never got to check the password (the server was busy): it counts as no guess at all. */
  abandoned(): Promise<void>;
}

/**
 * Limits sign-ins so that guessing is slow and nobody can lock anyone else out. For one account from one
 * address, counting an attempt and checking it are one atomic step (the count after adding decides), so
 * concurrent guesses cannot all pass a check before any of them is counted, in one process or across
 * nodes. Failures per address and per account are counted when known, so people signing in at once behind
 * one address (an office) are not refused for attempts still under way; what is under way is bounded by
 * the hashing queue.
 */
export class SignInGuard {
  private readonly attempts: Limiter;
  private readonly byPair: Limiter;
  private readonly byAddress: Limiter;
  private readonly byAccount: Limiter;

  constructor(limits: SignInLimits, shared?: LimitCounters) {
    this.attempts = new Limiter('sign-ins', limits.attemptsPerAddress, MINUTE, shared);
    this.byPair = new Limiter('failures-pair', limits.failuresPerAccountAndAddress, limits.windowMs, shared);
    this.byAddress = new Limiter('failures-address', limits.failuresPerAddress, limits.windowMs, shared);
    this.byAccount = new Limiter('failures-account', limits.failuresPerAccount, limits.windowMs, shared);
  }

  /** Counts a sign-in that checks no password (right after signing up), refusing it past the limit. */
  async countAttempt(address: string, now: number): Promise<void> {
    if (!(await this.attempts.hit(address, now))) throw rateLimited(phrase('tooManySignIns'));
  }

  /** Counts an attempt, or throws rate_limited when this address may not try this account now. */
  async begin(username: string, address: string, now: number): Promise<SignInAttempt> {
    const pair = `${address}\n${username}`;
    await this.countAttempt(address, now);
    const [pairCount, addressExhausted, accountExhausted] = await Promise.all([
      this.byPair.add(pair, now),
      this.byAddress.exhausted(address, now),
      this.byAccount.exhausted(username, now),
    ]);
    // Counted first: the count after this attempt was added says whether it may go on.
    const underAttack = accountExhausted && pairCount > 1;
    if (pairCount > this.byPair.limit || addressExhausted || underAttack) {
      await this.byPair.refund(pair, now);
      throw rateLimited(phrase('tooManyFailedSignIns'));
    }
    return {
      succeeded: () => this.byPair.reset(pair, now),
      failed: async () => {
        await Promise.all([this.byAddress.add(address, now), this.byAccount.add(username, now)]);
      },
      abandoned: () => this.byPair.refund(pair, now),
    };
  }

  sweep(now: number): void {
    for (const l of [this.attempts, this.byPair, this.byAddress, this.byAccount]) l.sweep(now);
  }
}
