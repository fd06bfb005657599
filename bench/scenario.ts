import type { Column, Log } from './report.js';

/** Command-line values as given (strings), read with a full-size and a smoke-size default. */
export interface BenchContext {
  smoke: boolean;
  log: Log;
  num(name: string, full: number, smoke: number): number;
  str(name: string, full: string, smoke: string): string;
}

export interface ScenarioOutcome {
  figures: Record<string, unknown>;
  /** Every line delivered once and no error (what a run of ours must achieve). */
  ok: boolean;
  /**
   * The run measured what it meant to: no abandoned say, no error, no stall in a paced-by-delivery run.
   * A peer may lose lines by design (no resume) and still be clean. Defaults to `ok`.
   */
  clean?: boolean;
}

/** One benchmark scenario, run once per target. */
export interface Scenario {
  name: string;
  usage: string;
  defaultTarget: string;
  /** Our targets under `--target lingr` and `--target all`. */
  ours: readonly string[];
  /** The available peers that can run it. */
  peers(available: readonly string[]): string[];
  /** Figures compared side by side when several targets run. */
  columns: readonly Column[];
  /** The figures `compare` reports as median and spread over rounds, with each peer's ratio to ours. */
  headline?: readonly Column[];
  run(target: string, ctx: BenchContext): Promise<ScenarioOutcome>;
}

export const roomOk = (f: { missing: number; duplicates: number; errors: number }): boolean =>
  f.missing === 0 && f.duplicates === 0 && f.errors === 0;

/** A clean run of a room: nothing failed in the harness, and (unless `mayLose`) every line arrived once. */
export const roomClean = (
  f: { missing: number; duplicates: number; errors: number; abandonedSays: number; stallSeconds: number },
  mayLose: boolean,
): boolean => f.errors === 0 && f.abandonedSays === 0 && (mayLose || (roomOk(f) && f.stallSeconds === 0));

const num = (key: string) => (f: Record<string, unknown>) => Number(f[key]);

/** Server CPU per delivery in microseconds: the cost figure of a rate-paced room. */
export const CPU_PER_DELIVERY: Column = {
  label: 'CPU µs/delivery',
  value: (f) => (Number(f.cpuSeconds) * 1e6) / Math.max(1, Number(f.deliveries)),
  lowerIsBetter: true,
};

/** The columns of a room scenario. */
export const ROOM_HEADLINE: readonly Column[] = [
  CPU_PER_DELIVERY,
  { label: 'p50 ms', value: num('p50'), lowerIsBetter: true },
  { label: 'p99 ms', value: num('p99'), lowerIsBetter: true },
  { label: 'peak RSS MB', value: num('peakRssMb'), lowerIsBetter: true },
];

export const ROOM_COLUMNS: readonly Column[] = [
  { label: 'p50 ms', value: num('p50') },
  { label: 'p99 ms', value: num('p99') },
  { label: 'max ms', value: num('max') },
  { label: 'deliveries/s', value: num('deliveriesPerSecond'), digits: 0 },
  { label: 'missing', value: num('missing'), digits: 0 },
  { label: 'dup', value: num('duplicates'), digits: 0 },
  { label: 'errors', value: num('errors'), digits: 0 },
  { label: 'CPU s/1k', value: num('cpuSecondsPer1000Deliveries'), digits: 3 },
  { label: 'peak RSS MB', value: num('peakRssMb') },
];
