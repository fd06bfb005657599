import { cpus } from 'node:os';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { currentPinning, describePinning } from './cpu-pinning.js';
import { alignRows, type Column, type Log } from './report.js';
import { writeResult } from './results.js';
import type { BenchContext, Scenario } from './scenario.js';
import { fmt } from './stats.js';

/**
 * `compare`: ours and every peer, alternating, round after round in one sitting, each run on the same
 * pinned cores. This machine's speed drifts by a factor between days, so only figures taken side by side
 * mean anything: the result is each target's median and spread, and each peer's ratio to ours.
 */
export interface CompareOptions {
  scenario: Scenario;
  targets: readonly string[];
  rounds: number;
  /** A run that is not clean is run again, at most this many times per round. */
  retries: number;
  dir: string;
  /** The command line, kept in the summary so the sitting can be repeated. */
  args: readonly string[];
  /** The target of ours a peer is compared with, if any. */
  oursFor(target: string): string | undefined;
  ctx: BenchContext;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Half the range over the median, in percent: how far one run may sit from another. */
  spreadPercent: number;
}

export interface TargetSummary {
  runs: number;
  clean: number;
  figures: Record<string, Spread>;
}

export interface RatioSummary {
  peer: string;
  ours: string;
  /** Per headline figure: peer's median ÷ ours, and the range of the same ratio round by round. */
  figures: Record<string, { ratio: number; min: number; max: number }>;
}

export interface CompareSummary {
  scenario: string;
  date: string;
  machine: { cores: number; node: string };
  pinning: string;
  rounds: number;
  args: readonly string[];
  targets: Record<string, TargetSummary>;
  ratios: RatioSummary[];
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function spread(values: readonly number[]): Spread {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, spreadPercent: m ? (100 * (max - min)) / 2 / Math.abs(m) : 0 };
}

/** The same targets, each round starting one further along, so none always runs first or last. */
export const rotated = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, i) => items[(i + by) % items.length] as T);

interface Run {
  round: number;
  target: string;
  clean: boolean;
  figures: Record<string, unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the sitting, writes every run's figures and the summary to `dir`, prints the table. */
export async function compare(o: CompareOptions): Promise<CompareSummary> {
  const columns = o.scenario.headline ?? o.scenario.columns;
  const log = o.ctx.log;
  mkdirSync(o.dir, { recursive: true });
  // The directory holds one sitting: figures of an earlier one would mix days.
  for (const name of readdirSync(o.dir)) if (name.endsWith('.json')) rmSync(join(o.dir, name));
  const pinning = describePinning(currentPinning());
  log(`${o.scenario.name} compare: ${o.targets.join(', ')}; ${o.rounds} rounds; ${pinning}`);
  const runs: Run[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const target of rotated(o.targets, round - 1)) {
      for (let attempt = 0; attempt <= o.retries; attempt++) {
        log(
          `\n[round ${round}/${o.rounds}] ${target}${attempt ? ` (again: the last run was not clean)` : ''}`,
        );
        let run: Run;
        try {
          const outcome = await o.scenario.run(target, o.ctx);
          run = { round, target, clean: outcome.clean ?? outcome.ok, figures: outcome.figures };
        } catch (err) {
          log(`  failed: ${err instanceof Error ? err.message : String(err)}`);
          run = { round, target, clean: false, figures: { error: String(err) } };
        }
        await writeResult(o.dir, `round-${round}-${target}${attempt ? `-again-${attempt}` : ''}`, {
          scenario: o.scenario.name,
          target,
          round,
          clean: run.clean,
          date: new Date().toISOString(),
          machine: { cores: cpus().length, node: process.version },
          pinning,
          ...run.figures,
        });
        runs.push(run);
        // Let the last server's sockets close before the next one starts.
        await sleep(o.ctx.smoke ? 200 : 2000);
        if (run.clean) break;
      }
    }
  }
  const summary = summarize(o, columns, runs, pinning);
  await writeResult(o.dir, 'summary', summary);
  printSummary(summary, columns, log);
  return summary;
}

function summarize(o: CompareOptions, columns: readonly Column[], runs: readonly Run[], pinning: string) {
  const clean = (target: string) => runs.filter((r) => r.target === target && r.clean);
  const targets: Record<string, TargetSummary> = {};
  for (const target of o.targets) {
    const mine = clean(target);
    const figures: Record<string, Spread> = {};
    if (mine.length > 0)
      for (const c of columns) figures[c.label] = spread(mine.map((r) => c.value(r.figures)));
    targets[target] = { runs: runs.filter((r) => r.target === target).length, clean: mine.length, figures };
  }
  const ratios: RatioSummary[] = [];
  for (const peer of o.targets) {
    const ours = o.oursFor(peer);
    if (!ours || ours === peer || !o.targets.includes(ours)) continue;
    const figures: RatioSummary['figures'] = {};
    for (const c of columns) {
      const p = targets[peer]?.figures[c.label];
      const b = targets[ours]?.figures[c.label];
      if (!p || !b || !b.median) continue;
      // Paired by round: both runs of a round were taken minutes apart.
      const paired = clean(peer).flatMap((r) => {
        const base = clean(ours).find((x) => x.round === r.round);
        const v = base ? c.value(base.figures) : 0;
        return base && v ? [c.value(r.figures) / v] : [];
      });
      figures[c.label] = {
        ratio: p.median / b.median,
        min: paired.length ? Math.min(...paired) : NaN,
        max: paired.length ? Math.max(...paired) : NaN,
      };
    }
    ratios.push({ peer, ours, figures });
  }
  return {
    scenario: o.scenario.name,
    date: new Date().toISOString(),
    machine: { cores: cpus().length, node: process.version },
    pinning,
    rounds: o.rounds,
    args: o.args,
    targets,
    ratios,
  };
}

const table = (rows: string[][], log: Log): void => alignRows(rows, 'left').forEach((line) => log(line));

export function printSummary(s: CompareSummary, columns: readonly Column[], log: Log): void {
  log(`\n${s.scenario}: median (min–max, ±spread) of the clean runs; ${s.pinning}`);
  const rows = [['target', 'clean', ...columns.map((c) => c.label)]];
  for (const [target, t] of Object.entries(s.targets)) {
    rows.push([
      target,
      `${t.clean}/${t.runs}`,
      ...columns.map((c) => {
        const v = t.figures[c.label];
        const d = c.digits ?? 1;
        return v
          ? `${fmt(v.median, d)} (${fmt(v.min, d)}–${fmt(v.max, d)}, ±${fmt(v.spreadPercent, 0)}%)`
          : '-';
      }),
    ]);
  }
  table(rows, log);
  if (s.ratios.length === 0) return;
  log('\nratio, peer ÷ ours (of the medians; range of the same ratio round by round):');
  const ratioRows = [['peer ÷ ours', ...columns.map((c) => `${c.label}${c.lowerIsBetter ? ' (cost)' : ''}`)]];
  for (const r of s.ratios) {
    ratioRows.push([
      `${r.peer} ÷ ${r.ours}`,
      ...columns.map((c) => {
        const v = r.figures[c.label];
        return v ? `${fmt(v.ratio, 2)}× (${fmt(v.min, 2)}–${fmt(v.max, 2)})` : '-';
      }),
    ]);
  }
  table(ratioRows, log);
}
