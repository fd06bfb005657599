import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { serverHasWorkers } from '../bench/server-process.js';

const RUN = fileURLToPath(new URL('../bench/run.js', import.meta.url));
const RESULTS = mkdtempSync(join(tmpdir(), 'lingr-bench-smoke-test-'));

/** Servers with workers are measured with two of them once `lingr serve --workers` exists. */
const WORKERS = serverHasWorkers() ? '2' : '1';

function bench(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [RUN, ...args, '--smoke', '--results', RESULTS], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** Every scenario at tiny size, so the suite keeps them working; their figures are not judged here. */
describe('benchmark smoke runs', () => {
  after(() => rmSync(RESULTS, { recursive: true, force: true }));

  const runs: Array<[string, string[]]> = [
    ['s1', ['--target', 'lingr']],
    ['s1', ['--target', 'lingr-v1-longpoll']],
    ['s1', ['--target', 'lingr-irc']],
    ['s2', ['--workers', WORKERS]],
    ['s3', ['--workers', WORKERS]],
    ['s4', []],
    ['s5', []],
    ['s6', []],
    ['s7', ['--target', 'lingr']],
    ['sweep', []],
  ];
  for (const [scenario, args] of runs) {
    it(`${scenario} ${args.join(' ')} runs to the end with every line delivered and no error`, () => {
      const { status, out } = bench([scenario, ...args]);
      assert.equal(status, 0, out);
      assert.match(out, /missing 0/);
      assert.match(out, /errors 0/);
      assert.doesNotMatch(out, /missing [1-9]|errors [1-9]|duplicates [1-9]/);
      if (scenario === 's7') assert.match(out, /lines recovered 100\.00%/);
    });
  }

  it('s1 and s4 run on three nodes (PostgreSQL + Redis), reached directly and through nginx', () => {
    for (const scenario of ['s1', 's4']) {
      const { status, out } = bench([scenario, '--target', 'lingr-nodes-ws,lingr-nodes-nginx-ws']);
      assert.equal(status, 0, out);
      assert.doesNotMatch(out, /missing [1-9]|errors [1-9]|duplicates [1-9]/);
      assert.match(out, /3 nodes \(nodes, PostgreSQL, Redis counted as the server\); bus lag max \d/);
      assert.match(out, /3 nodes \(nodes, PostgreSQL, Redis, nginx counted as the server\); bus lag max \d/);
    }
  });

  it('plot draws the sweep as a PNG', () => {
    const file = join(RESULTS, 'plot.png');
    const { status, out } = bench(['plot', '--out', file]);
    assert.equal(status, 0, out);
    const png = readFileSync(file);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 10_000, `${png.length} bytes`);
  });

  it('compare alternates ours and a peer over rounds and writes every run, the medians and the ratios', () => {
    const { status, out } = bench(['compare', 's1', '--target', 'lingr-ws,ws', '--rounds', '2']);
    assert.equal(status, 0, out);
    assert.match(
      out,
      /\[round 1\/2\] lingr-ws[\s\S]*\[round 1\/2\] ws[\s\S]*\[round 2\/2\] ws[\s\S]*\[round 2\/2\] lingr-ws/,
    );
    assert.match(out, /ws ÷ lingr-ws\s+\d+\.\d\d× \(/);
    const dir = join(RESULTS, 's1');
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [
      'round-1-lingr-ws.json',
      'round-1-ws.json',
      'round-2-lingr-ws.json',
      'round-2-ws.json',
      'summary.json',
    ]);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      rounds: number;
      targets: Record<string, { runs: number; clean: number; figures: Record<string, { median: number }> }>;
      ratios: Array<{ peer: string; ours: string; figures: Record<string, { ratio: number }> }>;
    };
    assert.equal(summary.rounds, 2);
    assert.deepEqual(summary.targets['lingr-ws']?.clean, 2);
    assert.ok((summary.targets['lingr-ws']?.figures['p99 ms']?.median ?? 0) > 0);
    const ratio = summary.ratios.find((r) => r.peer === 'ws');
    assert.equal(ratio?.ours, 'lingr-ws');
    assert.ok(Number.isFinite(ratio?.figures['p99 ms']?.ratio));
  });

  it('the cluster bus bench relays every event through the real primary', () => {
    const BUS = fileURLToPath(new URL('../bench/bus/bus-throughput.js', import.meta.url));
    const out = join(RESULTS, 'bus.json');
    const r = spawnSync(process.execPath, [BUS, '2000', '10', '3'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, BUS_BENCH_OUT: out },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /bus: 2000 events from 1 worker to 2, .* events\/s relayed to each/);
    const figures = JSON.parse(readFileSync(out, 'utf8')) as {
      events: number;
      perSecondSlowestReceiver: number;
    };
    assert.equal(figures.events, 2000);
    assert.ok(figures.perSecondSlowestReceiver > 0);
  });

  it('the old scenario names still run', () => {
    const { status, out } = bench(['room2007']);
    assert.equal(status, 0, out);
    assert.match(out, /missing 0, duplicates 0/);
  });
});
