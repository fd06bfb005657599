import type { HistogramData } from '../histogram.js';

/** How our targets sign in; peers ignore it. */
export interface LingrTargetOptions {
  /** Subscriber i signs in as bench user u{firstUser + i % users}; many subscribers share a session. */
  users: number;
  firstUser: number;
  password: string;
}

/** What one load-generator process is asked to do. */
export interface LoadConfig {
  target: string;
  targetOptions: LingrTargetOptions;
  url: string;
  /**
   * Several nodes: subscriber i goes to `urls[i % urls.length]` (round-robin over the whole scenario, not
   * per process), so each node holds its share. Without it, every subscriber goes to `url`.
   */
  urls?: readonly string[];
  room: string;
  /** Subscribers first .. first + count - 1 (the index a target maps to a user or a client id). */
  first: number;
  count: number;
  /** Source addresses, used in turn (each reaches only ~28,000 ports to one destination). */
  localAddresses: string[];
  /** Subscribers opened per second by this process. */
  rampPerSecond: number;
  /** Epoch ms: every subscriber is closed then, and the process exits soon after. */
  deadline: number;
  /** How often to send the lowest line every active subscriber has (0 = never). */
  progressMs: number;
}

export type ToLoad =
  | { type: 'start'; config: LoadConfig }
  | { type: 'open' }
  | { type: 'pause'; fraction: number }
  | { type: 'storm' }
  | { type: 'report'; lines: number; retried: number[] }
  | { type: 'close' };

export interface StormReport {
  /** Subscribers dropped at once. */
  dropped: number;
  /** Of those, how many were connected again. */
  reconnected: number;
  /** From the drop to the new connection being established (resubscribed). */
  reconnectMs: HistogramData;
  /** From the drop to the first line received after it. */
  firstLineMs: HistogramData;
}

export interface LoadReport {
  subscribers: number;
  /** Subscribers whose subscribe succeeded. */
  opened: number;
  paused: number;
  /** Say-to-delivery of the first copy each active subscriber got of each line. */
  latency: HistogramData;
  /** Bench lines received by active subscribers, duplicates included. */
  deliveries: number;
  distinct: number;
  /** Lines received twice, except lines said twice after a failed say (those are `retryDuplicates`). */
  duplicates: number;
  retryDuplicates: number;
  /** Long poll: replies that carried lines. */
  replies: number;
  /** Lines an active subscriber should have and did not get. */
  missing: number;
  subscribersMissing: number;
  errors: number;
  firstError?: string;
  storm?: StormReport;
}

export type FromLoad =
  | { type: 'ready' }
  | { type: 'opened'; opened: number; failed: number }
  | { type: 'paused'; count: number }
  | { type: 'stormed'; count: number }
  | { type: 'progress'; low: number; received: number }
  | { type: 'report'; report: LoadReport }
  | { type: 'closed' }
  | { type: 'failed'; error: string };

/** The server subscriber `index` connects to: its node when there are several, else the one URL. */
export const subscriberUrl = (config: Pick<LoadConfig, 'url' | 'urls'>, index: number): string =>
  config.urls && config.urls.length > 0 ? (config.urls[index % config.urls.length] as string) : config.url;

/**
 * Bench lines carry their sequence number and send time, then optional padding:
 * `bench:<seq>:<epoch ms>[:<padding>]`.
 */
export const benchLine = (seq: number, sentAt: number, padTo = 0): string => {
  const line = `bench:${seq}:${sentAt.toFixed(3)}`;
  return padTo > line.length + 1 ? `${line}:${'x'.repeat(padTo - line.length - 1)}` : line;
};

export function parseBenchLine(text: string): { seq: number; sentAt: number } | undefined {
  const m = /^bench:(\d+):([\d.]+)(?::x*)?$/.exec(text);
  return m ? { seq: Number(m[1]), sentAt: Number(m[2]) } : undefined;
}
