/** ISO 8601 UTC with a literal Z and whole seconds: some clients parse exactly `%Y-%m-%dT%H:%M:%SZ`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
