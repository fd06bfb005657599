import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { compare } from './compare.js';
import { describePinning, pinningFrom, usePinning } from './cpu-pinning.js';
import { baselineOf } from './load/lingr/index.js';
import { LONG_POLL_PEERS, availablePeers } from './peer-list.js';
import { printTable } from './report.js';
import { RESULTS_DIR, SMOKE_RESULTS_DIR, writeResult } from './results.js';
import type { BenchContext, Scenario } from './scenario.js';
import { plot } from './scenarios/plot.js';
import { s1 } from './scenarios/s1.js';
import { s2 } from './scenarios/s2.js';
import { s3 } from './scenarios/s3.js';
import { s4 } from './scenarios/s4.js';
import { s5 } from './scenarios/s5.js';
import { s6 } from './scenarios/s6.js';
import { s7 } from './scenarios/s7.js';
import { sweep } from './scenarios/sweep.js';

const SCENARIOS: readonly Scenario[] = [s1, s2, s3, s4, s5, s6, s7, sweep];
const PLOT_FILE = fileURLToPath(new URL('../../docs/bench/latency-vs-connections.png', import.meta.url));

/** Old names, kept so the commands in BENCHMARKS.md still work; their sizes give way to --smoke. */
const ALIASES: Record<string, { scenario: string; target: string; size: string[] }> = {
  room2007: { scenario: 's1', target: 'lingr-longpoll', size: [] },
  idle: {
    scenario: 's3',
    target: 'lingr-longpoll',
    size: ['--connections', '19000', '--hold', '60', '--workers', '1'],
  },
};

const USAGE = `Usage: npm run bench -- SCENARIO [--target NAME|lingr|all|a,b] [--smoke] [options]
${SCENARIOS.map((s) => `  ${s.usage}`).join('\n')}
  plot   draws ${PLOT_FILE} from bench/results/sweep-*.json  [--out FILE]
  compare SCENARIO  ours and the peers alternating, --rounds 3 (default) in one sitting: every run's figures
         and the median, spread and ratio table go to bench/results/SCENARIO/  [--target all] [--retries 1]
  room2007 = s1 --target lingr-longpoll;  idle = s3 --target lingr-longpoll --connections 19000 --hold 60
Targets: lingr-longpoll, lingr-sse, lingr-ws, lingr-mixed, the peers (ws, socketio, faye, nchan-ws,
nchan-longpoll) where installed; "lingr" = ours on each transport, "all" = ours and every available peer.
By name only: lingr-nodes-{ws,sse,longpoll} (three nodes on PostgreSQL + Redis, clients spread over them)
and lingr-nodes-nginx-{ws,sse,longpoll} (the same behind nginx); each is compared with one node (lingr-ws…);
lingr-v1-longpoll (API 1.0: a v1 session and ticket per subscriber, room/observe, lines said by v1 room/say),
compared with lingr-longpoll; lingr-irc (the server with --irc-port: a bare IRC client per subscriber, signed
in with PASS/NICK/USER, lines said over HTTP as for lingr-ws), compared with lingr-ws.
--smoke   tiny sizes, a few seconds; results go to ${SMOKE_RESULTS_DIR} (else bench/results/)
--results DIR   where to write (and, for plot, read) the JSON figures
--server-cpus LIST, --load-cpus LIST   cores for the server under test and for the load (taskset lists;
          default: the last core for the server, the others for the load; "none" does not pin)`;

type Values = Record<string, string | boolean | undefined>;

const FLAGS = [
  'target',
  'clients',
  'seconds',
  'rate',
  'processes',
  'connections',
  'users',
  'sessions',
  'hold',
  'ramp',
  'workers',
  'window',
  'line-bytes',
  'pause',
  'outbox-limit',
  'levels',
  'storm-at',
  'results',
  'out',
  'rounds',
  'retries',
  'server-cpus',
  'load-cpus',
] as const;

function parse(argv: string[]): {
  scenario: string | undefined;
  positionals: string[];
  values: Values;
} {
  const alias = argv[0] ? ALIASES[argv[0]] : undefined;
  const rest = argv.slice(1);
  const args = alias
    ? [alias.scenario, '--target', alias.target, ...(rest.includes('--smoke') ? [] : alias.size), ...rest]
    : argv;
  const options: NonNullable<ParseArgsConfig['options']> = { smoke: { type: 'boolean' } };
  for (const f of FLAGS) options[f] = { type: 'string' };
  const parsed = parseArgs({ args, allowPositionals: true, options });
  const values = parsed.values as Values;
  const positionals = parsed.positionals;
  // --sessions was the idle scenario's name for the number of users.
  if (values.sessions !== undefined && values.users === undefined) values.users = values.sessions;
  return { scenario: positionals[0], positionals, values };
}

/** A flag's value when it was given as a string. */
const stringFlag = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

function context(values: Values): BenchContext {
  const smoke = values.smoke === true;
  const raw = (name: string): string | undefined => stringFlag(values, name);
  return {
    smoke,
    log: (line) => console.log(line),
    num(name, full, small) {
      const v = raw(name);
      if (v === undefined) return smoke ? small : full;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not "${v}"`);
      return n;
    },
    str: (name, full, small) => raw(name) ?? (smoke ? small : full),
  };
}

/** Which targets `--target` names for this scenario. */
async function targetsFor(scenario: Scenario, spec: string): Promise<string[]> {
  if (spec === 'lingr') return [...scenario.ours];
  if (spec === 'all') return [...scenario.ours, ...scenario.peers(await availablePeers())];
  return spec.split(',').filter(Boolean);
}

/**
 * The target of ours a peer is compared with: the same kind of transport. Three nodes are compared with
 * one node on the same transport (`lingr-nodes-ws` and `lingr-nodes-nginx-ws` with `lingr-ws`), API 1.0's
 * long poll with API 2.0's, IRC with WebSocket.
 */
const oursFor = (target: string): string | undefined =>
  baselineOf(target) ??
  (target.startsWith('lingr-')
    ? undefined
    : LONG_POLL_PEERS.includes(target)
      ? 'lingr-longpoll'
      : 'lingr-ws');

async function main(): Promise<number> {
  const { scenario: name, positionals, values } = parse(process.argv.slice(2));
  const ctx = context(values);
  const resultsDir =
    typeof values.results === 'string' ? values.results : ctx.smoke ? SMOKE_RESULTS_DIR : RESULTS_DIR;
  const raw = (name: string): string | undefined => stringFlag(values, name);
  const pinning = pinningFrom(raw('server-cpus'), raw('load-cpus'));
  usePinning(pinning);
  console.log(
    `machine: ${cpus().length} cores, node ${process.version}, ${new Date().toISOString()}; ${describePinning(pinning)}`,
  );
  if (name === 'plot') {
    const out =
      typeof values.out === 'string'
        ? values.out
        : ctx.smoke
          ? join(resultsDir, 'latency-vs-connections.png')
          : PLOT_FILE;
    await plot(resultsDir, out, ctx.log);
    return 0;
  }
  if (name === 'compare') {
    const scenario = SCENARIOS.find((s) => s.name === positionals[1]);
    if (!scenario) {
      console.error(USAGE);
      return 2;
    }
    const targets = await targetsFor(scenario, raw('target') ?? 'all');
    const summary = await compare({
      scenario,
      targets,
      rounds: ctx.num('rounds', 3, 2),
      retries: ctx.num('retries', 1, 0),
      dir: join(resultsDir, scenario.name),
      args: process.argv.slice(2),
      oursFor,
      ctx,
    });
    // Ours must be clean in every round; a peer's unclean runs are reported in the table.
    const ours = Object.entries(summary.targets).filter(([t]) => t.startsWith('lingr-'));
    return ours.every(([, t]) => t.clean === summary.rounds) ? 0 : 1;
  }
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) {
    console.error(USAGE);
    return 2;
  }
  const targets = await targetsFor(
    scenario,
    typeof values.target === 'string' ? values.target : scenario.defaultTarget,
  );
  const rows: Array<{ target: string; figures: Record<string, unknown> }> = [];
  let failed = false;
  for (const target of targets) {
    const ours = target.startsWith('lingr-');
    try {
      const outcome = await scenario.run(target, ctx);
      const file = await writeResult(resultsDir, `${scenario.name}-${target}`, {
        scenario: scenario.name,
        target,
        date: new Date().toISOString(),
        machine: { cores: cpus().length, node: process.version },
        smoke: ctx.smoke,
        ...outcome.figures,
      });
      console.log(
        `  -> ${file}${outcome.ok ? '' : ours ? '  (FAILED: lines lost, duplicated or errors)' : '  (peer: lines lost, duplicated or errors)'}`,
      );
      rows.push({ target, figures: outcome.figures });
      // A peer that loses lines is a finding about the peer; only ours must be perfect.
      if (!outcome.ok && ours) failed = true;
    } catch (err) {
      console.error(
        `${scenario.name} ${target} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      failed = true;
    }
  }
  if (rows.length > 1) {
    console.log(`\n${scenario.name}: ${rows.length} targets`);
    printTable(rows, scenario.columns, oursFor, ctx.log);
  }
  return failed ? 1 : 0;
}

// Exit through process.exit so the servers' exit handlers run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

process.exitCode = await main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  return 2;
});
// Whatever is left (a stuck socket, a timer) must not keep a finished run alive.
setTimeout(() => process.exit(), 2000).unref();
