import { cpus } from 'node:os';
import { join } from 'node:path';
import { chart, CHART_HEIGHT, CHART_WIDTH, type Series } from '../plot/chart.js';
import { renderPng } from '../plot/render.js';
import type { Log } from '../report.js';
import { readResults } from '../results.js';
import type { SweepPoint } from './sweep.js';

interface SweepResult {
  target: string;
  workers?: number;
  clients?: number;
  rate?: number;
  date?: string;
  points: SweepPoint[];
}

/** Renders every `sweep-*.json` in `dir` as one line chart PNG. */
export async function plot(dir: string, file: string, log: Log): Promise<void> {
  const sweeps = readResults(dir, 'sweep-').map((r) => r.data as SweepResult);
  if (sweeps.length === 0) throw new Error(`no sweep-*.json in ${dir}: run npm run bench -- sweep first`);
  const series: Series[] = sweeps.map((s) => ({
    target: s.workers && s.workers > 1 ? `${s.target} (${s.workers} workers)` : s.target,
    points: s.points.map((p) => ({ x: p.connections, p50: p.p50, p99: p.p99 })),
  }));
  const first = sweeps[0] as SweepResult;
  const svg = chart(
    series,
    'S1 latency while idle connections are held',
    `${first.clients ?? 300} subscribers, ${first.rate ?? 3} lines/s; ${cpus().length} cores shared by server and load` +
      (first.date ? `; ${first.date.slice(0, 10)}` : ''),
  );
  await renderPng(svg, CHART_WIDTH, CHART_HEIGHT, file);
  log(`plot: ${sweeps.length} target(s) from ${join(dir, 'sweep-*.json')} -> ${file}`);
}
