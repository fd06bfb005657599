import { throughNginx } from './load/lingr/index.js';
import type { RoomFigures } from './scenarios/room-run.js';
import { fmt } from './stats.js';

export type Log = (line: string) => void;

const thousands = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

export const errorsLine = (errors: number, firstError: string | undefined): string =>
  `errors ${errors}${firstError ? ` (first: ${firstError})` : ''}`;

/** The figures every room scenario prints, in the same words. */
export function printRoom(label: string, f: RoomFigures, log: Log): void {
  log(
    `${label}: ${f.target}, ${f.clients} subscribers (${f.opened} opened${f.paused ? `, ${f.paused} paused` : ''}), ` +
      `${f.lines} lines in ${fmt(f.seconds)} s`,
  );
  log(`  latency say->delivery ms  p50 ${fmt(f.p50)}  p99 ${fmt(f.p99)}  max ${fmt(f.max)}`);
  log(
    `  deliveries ${f.deliveries}/${f.expected} (missing ${f.missing}, duplicates ${f.duplicates}), ` +
      `${thousands(f.deliveriesPerSecond)}/s`,
  );
  log(`  ${errorsLine(f.errors, f.firstError)}`);
  if (f.retriedSays > 0 || f.stallSeconds > 0)
    log(
      `  says retried ${f.retriedSays} (abandoned ${f.abandonedSays}, second copies ${f.retryDuplicates}); ` +
        `stalled ${fmt(f.stallSeconds, 2)} s, not counted in rates`,
    );
  log(
    `  server CPU ${fmt(f.cpuSeconds, 2)} s (${fmt(f.cpuSecondsPer1000Deliveries, 3)} s per 1,000 deliveries), ` +
      `peak RSS ${fmt(f.peakRssMb)} MB; opening the subscribers took ${fmt(f.openCpuSeconds, 2)} s of server CPU`,
  );
  if (f.nodes !== undefined)
    log(
      `  ${f.nodes} nodes (nodes, PostgreSQL, Redis${throughNginx(f.target) ? ', nginx' : ''} counted as the server); ` +
        `bus lag max ${f.busLagMaxSeconds === undefined ? 'n/a' : `${fmt(f.busLagMaxSeconds * 1000)} ms`}`,
    );
  if (f.cpuByPart)
    log(
      `  server CPU by part: ${Object.entries(f.cpuByPart)
        .map(([part, s]) => `${part} ${fmt(s, 2)} s`)
        .join(', ')}`,
    );
  if (f.storm)
    log(
      `  storm: ${f.storm.reconnected}/${f.storm.dropped} reconnected; reconnect ms p50 ${fmt(f.storm.reconnectP50)} ` +
        `p99 ${fmt(f.storm.reconnectP99)} max ${fmt(f.storm.reconnectMax)}; first line after ms p50 ` +
        `${fmt(f.storm.firstLineP50)} p99 ${fmt(f.storm.firstLineP99)}; lines recovered ` +
        `${fmt(f.expected ? (100 * (f.expected - f.missing)) / f.expected : 100, 2)}%`,
    );
}

/** A column of the comparison table: a label and where its number is in a target's figures. */
export interface Column {
  label: string;
  value(figures: Record<string, unknown>): number;
  digits?: number;
  /** For reading ratios: a cost (CPU, latency, memory) rather than a throughput. */
  lowerIsBetter?: boolean;
}

/** Figures of each target side by side, then each peer's ratio to ours on the same kind of transport. */
export function printTable(
  rows: ReadonlyArray<{ target: string; figures: Record<string, unknown> }>,
  columns: readonly Column[],
  oursFor: (target: string) => string | undefined,
  log: Log,
): void {
  const cell = (v: number, digits = 1): string => fmt(v, digits);
  const header = ['target', ...columns.map((c) => c.label)];
  const body = rows.map((r) => [r.target, ...columns.map((c) => cell(c.value(r.figures), c.digits))]);
  const ratios = rows.flatMap((r) => {
    const ours = oursFor(r.target);
    const base = rows.find((x) => x.target === ours);
    if (!ours || !base || ours === r.target) return [];
    return [
      [
        `${r.target} / ${ours}`,
        ...columns.map((c) => {
          const b = c.value(base.figures);
          // A ratio to zero (no errors, nothing missing) says nothing.
          return b === 0 || !Number.isFinite(b) ? '-' : `${cell(c.value(r.figures) / b, 2)}×`;
        }),
      ],
    ];
  });
  const lines = alignRows([header, ...body, ...ratios]);
  for (const line of lines.slice(0, body.length + 1)) log(line);
  if (ratios.length > 0) {
    log('ratio to ours (same transport kind):');
    for (const line of lines.slice(body.length + 1)) log(line);
  }
}

/** Rows as lines of columns padded to a common width, two spaces apart; numbers align to the right. */
export function alignRows(rows: readonly string[][], firstColumn: 'left' | 'right' = 'right'): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((row) =>
    row
      .map((c, i) =>
        i === 0 && firstColumn === 'left' ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number),
      )
      .join('  '),
  );
}
