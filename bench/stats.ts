/** Percentile by nearest rank over a sorted copy. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC, one clock for every process here), with
 * sub-millisecond precision: a line's send time in one process is compared with its arrival in another.
 * Not the wall clock: a process's `performance.timeOrigin` is read from it once, at start, so a step of
 * the clock between two processes' starts would show in every latency of a run.
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
