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
 * One metric summed over every server process. Each scrape is answered by whichever worker accepts the
 * connection, so scrape on fresh connections until each worker (told apart by its start time) was seen.
 */
export async function metricAcrossWorkers(
  url: string,
  name: string,
  workers: number,
): Promise<number | undefined> {
  const byProcess = new Map<string, number>();
  const agent = new Agent({ keepAlive: false, localAddress: '127.0.0.1' });
  try {
    // Bounded: workers are picked round-robin, so a few rounds see each of them.
    for (let i = 0; i < workers * 8 && byProcess.size < workers; i++) {
      const r = await call(agent, url, '/metrics', {}, 'GET', 10_000);
      if (r.status !== 200) return undefined;
      const value = metricValue(r.body, name);
      if (value === undefined) return undefined;
      byProcess.set(String(metricValue(r.body, 'process_start_time_seconds')), value);
    }
  } finally {
    agent.destroy();
  }
  return [...byProcess.values()].reduce((a, b) => a + b, 0);
}
