import type { BusMessage } from '../core/ports.js';

/** One process's metrics as prom-client's `getMetricsAsJSON()` gives them. */
export type MetricsJson = object[];

/** What a worker sends the primary over the cluster's IPC channel. */
export type ToPrimary =
  /** `messages` is BusMessage[] as JSON: the primary passes it on without looking inside. */
  | { lingr: 'bus'; messages: string }
  | { lingr: 'presence'; id: number; userId: number; online: boolean }
  /** A scrape of /metrics on this worker: the primary gathers every worker's and answers. */
  | { lingr: 'metrics'; id: number; perWorker: boolean }
  /** This worker's own metrics, for a gather the primary started. */
  | { lingr: 'metrics-json'; id: number; metrics: MetricsJson }
  /** The worker serves requests now: the primary may hand it connections. */
  | { lingr: 'ready' }
  /** The worker took connection `id`: the primary lets go of its copy. */
  | { lingr: 'accepted'; id: number };

/** What the primary sends a worker. */
export type ToWorker =
  | { lingr: 'bus'; messages: string }
  | { lingr: 'reply'; id: number; value: boolean | string }
  | { lingr: 'gather-metrics'; id: number }
  /** A client connection the primary accepted on listener `listener` (0: the main port), sent with its socket. */
  | { lingr: 'connection'; id: number; listener: number };

export const isToPrimary = (m: unknown): m is ToPrimary =>
  typeof m === 'object' && m !== null && typeof (m as { lingr?: unknown }).lingr === 'string';

export const encodeBus = (messages: BusMessage[]): string => JSON.stringify(messages);
export const decodeBus = (messages: string): BusMessage[] => JSON.parse(messages) as BusMessage[];

export const isToWorker = isToPrimary as (m: unknown) => m is ToWorker;
