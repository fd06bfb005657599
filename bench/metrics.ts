import { Agent } from 'node:http';
import { call } from './http.js';

/** Values of every series of one metric in Prometheus text whose labels include `where` (all when none). */
export function metricValues(text: string, name: string, where: Record<string, string> = {}): number[] {
  const values: number[] = [];
  const wanted = Object.entries(where).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (wanted.length > 0) {
      const labels = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')).split(',') : [];
      if (!wanted.every((w) => labels.includes(w))) continue;
    }
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) values.push(value);
  }
  return values;
}

/** Sum of every series of one metric in Prometheus text (all label sets). */
export function metricValue(text: string, name: string): number | undefined {
  const values = metricValues(text, name);
  return values.length > 0 ? values.reduce((a, v) => a + v, 0) : undefined;
}

/**
 * One metric of the whole server: with `--workers` any worker answers /metrics with every worker's
 * series summed (through the primary), so one scrape is enough.
 */
export async function scrapeMetric(url: string, name: string): Promise<number | undefined> {
  const text = await scrapeMetrics(url);
  return text === undefined ? undefined : metricValue(text, name);
}

/**
 * A server's whole /metrics text, or undefined when it does not serve one. `{ per: 'worker' }` asks for
 * each worker's series apart rather than their sums (what a maximum needs).
 */
export async function scrapeMetrics(
  url: string,
  params: Record<string, string> = {},
): Promise<string | undefined> {
  const agent = new Agent({ keepAlive: false, localAddress: '127.0.0.1' });
  try {
    const r = await call(agent, url, '/metrics', params, 'GET', 10_000);
    return r.status === 200 ? r.body : undefined;
  } finally {
    agent.destroy();
  }
}
