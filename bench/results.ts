import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Committed figures of full-size runs; smoke runs write to a temporary folder instead. */
export const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
export const SMOKE_RESULTS_DIR = join(tmpdir(), 'lingr-bench-smoke');

/** NaN and Infinity are not JSON: they become null; other numbers keep 3 decimals (µs for latencies). */
const finite = (_key: string, v: unknown): unknown =>
  typeof v !== 'number' ? v : Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null;

/** Writes `<dir>/<name>.json`, formatted as prettier would (the results are committed and linted). */
export async function writeResult(dir: string, name: string, data: unknown): Promise<string> {
  mkdirSync(dir, { recursive: true });
  let text = `${JSON.stringify(data, finite, 2)}\n`;
  try {
    const prettier = await import('prettier');
    text = await prettier.format(text, { parser: 'json', printWidth: 110 });
  } catch {
    // prettier is a dev dependency; without it the plain JSON is still valid
  }
  const file = join(dir, `${name}.json`);
  writeFileSync(file, text);
  return file;
}

export function readResults(dir: string, prefix: string): Array<{ name: string; data: unknown }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && n.endsWith('.json'))
    .sort()
    .map((n) => ({ name: n.slice(0, -5), data: JSON.parse(readFileSync(join(dir, n), 'utf8')) as unknown }));
}
