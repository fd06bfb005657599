/** Messages between a scenario (parent) and its load-generator processes. */
export interface ObserverConfig {
  url: string;
  room: string;
  users: string[];
  password: string;
  /** Concurrent observe loops per session. */
  observesPerSession: number;
  localAddress: string;
  /** Observe loops started per second (ramp). */
  rampPerSecond: number;
  /** Hard stop for every loop, epoch ms. */
  deadline: number;
}

export type ToLoad = { type: 'start'; config: ObserverConfig } | { type: 'go' } | { type: 'report' };

export interface LoadReport {
  latencies: number[];
  deliveries: number;
  duplicates: number;
  /** Distinct bench lines each loop received. */
  distinctPerLoop: number[];
  errors: number;
  firstError?: string;
  inFlight: number;
  loops: number;
}

export type FromLoad =
  | { type: 'ready' }
  | { type: 'ramped' }
  | { type: 'report'; report: LoadReport }
  | { type: 'failed'; error: string };

/** Bench lines carry their sequence number and send time: `bench:<seq>:<epoch ms>`. */
export const benchLine = (seq: number, sentAt: number): string => `bench:${seq}:${sentAt.toFixed(3)}`;

export function parseBenchLine(text: string): { seq: number; sentAt: number } | undefined {
  const m = /^bench:(\d+):([\d.]+)$/.exec(text);
  return m ? { seq: Number(m[1]), sentAt: Number(m[2]) } : undefined;
}
