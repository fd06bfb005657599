/** Why a sign-in was not let in, or that it was. */
export type SignInOutcome = 'ok' | 'wrongCredentials' | 'rateLimited';

/** One sign-in as the admin page lists it. */
export interface SignInRecord {
  /** The username (or, for API 1.0, the email) that was tried; not necessarily an account's. */
  login: string;
  address: string;
  at: number;
  outcome: SignInOutcome;
}

/**
 * The last sign-ins of this process, newest first, for the admin page: a bounded ring in memory, so a flood
 * of guesses costs nothing to keep and nothing sensitive (never a password) outlives a restart.
 */
export class SignInLog {
  private readonly records: SignInRecord[] = [];

  constructor(private readonly capacity = 100) {}

  record(entry: SignInRecord): void {
    this.records.unshift(entry);
    if (this.records.length > this.capacity) this.records.length = this.capacity;
  }

  recent(): readonly SignInRecord[] {
    return [...this.records];
  }
}
