import { Agent } from 'node:http';
import { call } from './http.js';

/** Sum of every series of one metric in Prometheus text (all label sets). */
export function metricValue(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

/**
 * One metric of the whole server: with `--workers` any worker answers /metrics with every worker's
 * series summed (through the primary), so one scrape is enough.
 */
export async function scrapeMetric(url: string, name: string): Promise<number | undefined> {
  const agent = new Agent({ keepAlive: false, localAddress: '127.0.0.1' });
  try {
    const r = await call(agent, url, '/metrics', {}, 'GET', 10_000);
    return r.status === 200 ? metricValue(r.body, name) : undefined;
  } finally {
    agent.destroy();
  }
}
