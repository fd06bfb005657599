// The reliability suites at full size (RELIABILITY.md): the same tests npm test runs, with bigger numbers.
import { spawnSync } from 'node:child_process';

const FULL = {
  LINGR_FUZZ_CASES: '20000',
  LINGR_KILL_RUNS: '20',
  LINGR_DEATH_RUNS: '20',
  LINGR_SIGTERM_HELD: '2000',
  LINGR_RESUME_DROPS: '20',
  LINGR_SLOW_CLIENTS: '1000',
};
const SUITES = [
  'security-xss',
  'security-csrf',
  'security-private',
  'room-closing',
  'fuzz',
  'kill-burst',
  'worker-death',
  'resume-ledger',
  'sign-in-limits',
  'say-flood',
  'slow-clients',
];
const only = process.argv.slice(2);
const files = SUITES.filter((s) => only.length === 0 || only.includes(s)).map(
  (s) => `dist/test/${s}.test.js`,
);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=3600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, ...FULL } },
);
process.exit(result.status ?? 1);
