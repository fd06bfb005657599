/** The engine's limits, validated and frozen by config/ before the engine starts. */
export interface EngineSettings {
  /** Base of absolute URLs in API objects (icons). */
  publicUrl: string;
  /** How long an observe is held without events (spec 5.2: default 40 s, at most 50 s). */
  observeHoldMs: number;
  /** How long a session stays online after its last observe (spec 5.7). */
  presenceGraceMs: number;
  /** How long a session lives without any call (spec 5.6). */
  sessionIdleMs: number;
  /** API 1.0 (spec 7.1): a ticket neither observed nor read this long expires; a session without a call dies. */
  v1TicketIdleMs: number;
  v1SessionIdleMs: number;
  /** How long events are kept for resuming (spec 5.1: at least 24 hours). */
  eventRetentionMs: number;
  /** Recent events kept in memory so most observes never touch the store. */
  recentEvents: number;
  /** Says per session per minute, and other calls per minute (spec 10.20); ×appKeyFactor with an app key. */
  sayPerMinute: number;
  callsPerMinute: number;
  appKeyFactor: number;
  /** Sign-in limits: failures per account and address, per address, per account anywhere; attempts. */
  loginFailuresPerAccount: number;
  loginFailuresPerAddress: number;
  loginFailuresAccountTotal: number;
  loginWindowMs: number;
  loginAttemptsPerAddress: number;
  /** Password hashes computed at once, and waiting; beyond them sign-ins get rate_limited at once. */
  hashConcurrency: number;
  hashQueue: number;
  /** log2 of scrypt's cost parameter N for new password hashes. */
  passwordCost: number;
}
