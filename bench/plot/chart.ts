/** A line chart as SVG text: x = connections held, y = latency, two lines (p50, p99) per target. */
export interface Series {
  target: string;
  points: ReadonlyArray<{ x: number; p50: number; p99: number }>;
}

export const CHART_WIDTH = 1040;
export const CHART_HEIGHT = 560;
const W = CHART_WIDTH;
const H = CHART_HEIGHT;
const M = { left: 80, right: 260, top: 70, bottom: 70 };
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7e8c', '#57606a'];

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Round tick steps (1, 2, 5 × 10^k) giving about `count` ticks up to `max`. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = 0; v <= max + step / 2 && out.length < 50; v += step) out.push(v);
  return out;
}

const label = (v: number): string =>
  v >= 1000 && v % 1000 === 0 ? `${v / 1000}k` : Number.isInteger(v) ? String(v) : v.toFixed(1);

export function chart(series: readonly Series[], title: string, subtitle: string): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.p50, p.p99])).filter(Number.isFinite);
  const xTicks = ticks(Math.max(1, ...xs));
  const yTicks = ticks(Math.max(1, ...ys) * 1.05);
  const xMax = xTicks[xTicks.length - 1] as number;
  const yMax = yTicks[yTicks.length - 1] as number;
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number): number => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="32" font-size="20" font-weight="600" fill="#1f2328">${esc(title)}</text>`,
    `<text x="${M.left}" y="54" font-size="13" fill="#57606a">${esc(subtitle)}</text>`,
  ];
  for (const t of yTicks)
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${M.left - 10}" y="${py(t) + 4}" font-size="12" text-anchor="end" fill="#57606a">${label(t)}</text>`,
    );
  for (const t of xTicks)
    parts.push(
      `<line x1="${px(t)}" x2="${px(t)}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#57606a"/>`,
      `<text x="${px(t)}" y="${H - M.bottom + 20}" font-size="12" text-anchor="middle" fill="#57606a">${label(t)}</text>`,
    );
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#57606a"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#57606a"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 22}" font-size="14" text-anchor="middle" fill="#1f2328">idle connections held</text>`,
    `<text transform="translate(24 ${(M.top + H - M.bottom) / 2}) rotate(-90)" font-size="14" text-anchor="middle" fill="#1f2328">say-to-delivery latency (ms)</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    for (const [key, dash, width] of [
      ['p99', '', 2.5],
      ['p50', '6 4', 1.8],
    ] as const) {
      const pts = sorted.filter((p) => Number.isFinite(p[key])).map((p) => `${px(p.x)},${py(p[key])}`);
      parts.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="${width}" stroke-dasharray="${dash}"/>`,
        ...sorted
          .filter((p) => Number.isFinite(p[key]))
          .map((p) => `<circle cx="${px(p.x)}" cy="${py(p[key])}" r="3.5" fill="${color}"/>`),
      );
    }
    const ly = M.top + 10 + i * 44;
    const lx = W - M.right + 20;
    parts.push(
      `<text x="${lx}" y="${ly}" font-size="13" font-weight="600" fill="${color}">${esc(s.target)}</text>`,
      `<line x1="${lx}" x2="${lx + 28}" y1="${ly + 14}" y2="${ly + 14}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${lx + 34}" y="${ly + 18}" font-size="12" fill="#57606a">p99</text>`,
      `<line x1="${lx + 64}" x2="${lx + 92}" y1="${ly + 14}" y2="${ly + 14}" stroke="${color}" stroke-width="1.8" stroke-dasharray="6 4"/>`,
      `<text x="${lx + 98}" y="${ly + 18}" font-size="12" fill="#57606a">p50</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
