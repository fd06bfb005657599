import { existsSync, statfsSync, statSync, type Stats } from 'node:fs';
import {
  loadSettings,
  OPTIONS,
  SettingsError,
  type OptionName,
  type RawSettings,
  type Settings,
} from '../config/settings.js';
import { databaseFile } from '../main.js';
import { maskPassword } from '../storage/copy-to-postgres.js';
import { inspectPostgres } from '../storage/postgres/inspect.js';
import { NewerSchema } from '../storage/schema-version.js';
import { SCHEMA_VERSION, schemaVersionOf } from '../storage/sqlite/database.js';
import { serverPids } from '../storage/sqlite/in-use.js';
import { inspectDatabase } from '../storage/sqlite/inspect.js';
import { givenSettings, settingsOptions, yesFlags } from './arguments.js';
import { parse, UsageError } from './output.js';

const USAGE = `Usage: lingr doctor [--data DIR] [--json] [any lingr serve option]

Checks a Lingr installation and says what to fix, one line each: the settings in force (from the flags
given here and the environment, as lingr serve would load them), the schema version, SQLite's integrity
check (the quick one for a file over 1 GB), the WAL's size, the event retention and the oldest event, the
free disk space and the permissions of the data directory. It changes nothing. Exit status 0 when all is well,
1 when something needs fixing. With --database postgres://… it checks the schema and the event log there.

Example:
  sudo -u lingr lingr doctor --data /var/lib/lingr`;

type Status = 'ok' | 'note' | 'fix';

export interface Finding {
  check: string;
  status: Status;
  /** What was found and, when it needs fixing, what to do: one line. */
  text: string;
}

/** Past this, the full check (every index entry against its table) takes minutes; the quick one does not. */
const QUICK_CHECK_ABOVE = 1024 ** 3;
/** SQLite checkpoints the WAL at about 4 MB; many times that means checkpoints cannot keep up. */
const WAL_LIMIT = 64 * 1024 ** 2;
/** Room to grow, and for a backup or restore beside the database: at least this, and twice the database. */
const MIN_FREE = 256 * 1024 ** 2;
/** A server prunes the log at least hourly: an event may outlive the retention by that long. */
const PRUNE_SLACK_MS = 70 * 60_000;

const finding = (check: string, status: Status, line: string): Finding => ({ check, status, text: line });

const megabytes = (bytes: number): string =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  return hours < 48 ? `${hours} h` : `${Math.round(ms / 86_400_000)} days`;
}

/** Where each setting comes from: a flag here, its environment variable, or its default; URLs masked. */
interface SettingSource {
  value: string;
  from: string;
}

function sources(raw: RawSettings, env: NodeJS.ProcessEnv): Record<string, SettingSource> {
  const out: Record<string, SettingSource> = {};
  for (const [name, o] of Object.entries(OPTIONS) as Array<[OptionName, (typeof OPTIONS)[OptionName]]>) {
    const given = raw[name];
    const fromEnv = env[o.env];
    const value = given ?? fromEnv ?? o.default;
    out[o.flag] = {
      value: name === 'database' || name === 'redis' ? maskPassword(value) : value,
      from: given !== undefined ? 'flag' : fromEnv !== undefined ? o.env : 'default',
    };
  }
  return out;
}

function settingsFinding(given: Record<string, SettingSource>): Finding {
  const chosen = Object.entries(given)
    .filter(([, s]) => s.from !== 'default')
    .map(([flag, s]) => `--${flag} ${s.value || '""'} (${s.from})`);
  return finding(
    'settings',
    'ok',
    chosen.length === 0 ? 'all default' : `${chosen.join(', ')}; the rest default`,
  );
}

/**
 * The settings `serve` would run with; when they are wrong, that is the first thing to fix, and the checks
 * go on with where the data is, as far as that is known.
 */
function settingsInForce(raw: RawSettings, findings: Finding[]): Settings {
  try {
    return loadSettings(raw);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    findings.push(finding('settings', 'fix', `${err.message} (lingr serve would not start)`));
    const where: RawSettings = {};
    const data = raw.data ?? process.env[OPTIONS.data.env];
    if (data !== undefined) where.data = data;
    return loadSettings(where, {});
  }
}

function permissionFindings(dir: string, dirStat: Stats, files: Array<[string, Stats]>): Finding[] {
  const uid = process.getuid?.();
  if (uid === undefined) return [finding('permissions', 'ok', 'not checked on this system')];
  const out: Finding[] = [];
  const foreign = [[dir, dirStat] as [string, Stats], ...files].find(([, s]) => s.uid !== uid);
  if (foreign)
    out.push(
      finding(
        'permissions',
        'fix',
        `${foreign[0]} belongs to user ${foreign[1].uid}, not to user ${uid} who runs this check: run it as the ` +
          `user that runs lingr, and give that user the data (chown -R USER ${dir})`,
      ),
    );
  if (dirStat.mode & 0o002)
    out.push(
      finding('permissions', 'fix', `${dir} is writable by every user of this machine: chmod o-w ${dir}`),
    );
  // One line for each fix, naming every file it covers.
  const writable = files.filter(([, s]) => s.mode & 0o002).map(([f]) => f);
  if (writable.length > 0)
    out.push(
      finding(
        'permissions',
        'fix',
        `${writable.join(', ')} ${writable.length === 1 ? 'is' : 'are'} writable by every user of this machine: ` +
          `chmod o-rw ${writable.join(' ')}`,
      ),
    );
  const readable = files.filter(([, s]) => !(s.mode & 0o002) && s.mode & 0o004).map(([f]) => f);
  if (readable.length > 0 && dirStat.mode & 0o001)
    out.push(
      finding(
        'permissions',
        'fix',
        `${readable[0]} can be read by every user of this machine (password hashes, emails): chmod 700 ${dir}`,
      ),
    );
  if (out.length === 0)
    out.push(finding('permissions', 'ok', `${dir} and its files are yours, closed to other users`));
  return out;
}

function retentionFinding(
  settings: Settings,
  events: number,
  oldest: number | undefined,
  serving: boolean | undefined,
): Finding {
  const retention = duration(settings.engine.eventRetentionMs);
  if (oldest === undefined)
    return finding('retention', 'ok', `events are kept ${retention} (--event-retention); the log is empty`);
  const age = Date.now() - oldest;
  const overdue = age > settings.engine.eventRetentionMs + PRUNE_SLACK_MS;
  if (overdue && serving === true)
    return finding(
      'retention',
      'fix',
      `events are kept ${retention}, yet the oldest is ${duration(age)} old while a server runs: its pruning ` +
        `fails; look for "pruned old events" and errors in its log`,
    );
  return finding(
    'retention',
    overdue ? 'note' : 'ok',
    `events are kept ${retention} (--event-retention); ${events.toLocaleString('en-US')} in the log, ` +
      `the oldest ${duration(age)} old` +
      (overdue ? ': a server prunes the older ones when it runs' : ''),
  );
}

function sqliteFindings(settings: Settings): Finding[] {
  const dir = settings.dataDir;
  const dirStat = statSync(dir, { throwIfNoEntry: false });
  if (!dirStat?.isDirectory())
    return [
      finding(
        'database',
        'fix',
        `there is no data directory ${dir}: --data (LINGR_DATA) names the one lingr serve uses`,
      ),
    ];
  const file = databaseFile(dir);
  const files = [file, `${file}-wal`, `${file}-shm`].flatMap((f): Array<[string, Stats]> => {
    const s = statSync(f, { throwIfNoEntry: false });
    return s ? [[f, s]] : [];
  });
  const pids = serverPids(dir);
  const out: Finding[] = [
    finding(
      'server',
      'ok',
      pids.length > 0 ? `running on it (process ${pids.join(', ')})` : 'none running on it',
    ),
    ...permissionFindings(dir, dirStat, files),
  ];
  const used = files.reduce((sum, [, s]) => sum + s.size, 0);
  const { bavail, bsize } = statfsSync(dir);
  const free = bavail * bsize;
  const need = Math.max(MIN_FREE, 2 * used);
  out.push(
    free < need
      ? finding(
          'disk',
          'fix',
          `only ${megabytes(free)} free on the disk of ${dir}: free some (the database takes ${megabytes(used)}, ` +
            `and a backup or a restore beside it as much again)`,
        )
      : finding('disk', 'ok', `${megabytes(free)} free on the disk of ${dir}`),
  );
  if (!existsSync(file)) {
    out.push(
      finding(
        'database',
        'fix',
        `there is no lingr.db in ${dir}: is --data right? (a new installation makes it when it first starts)`,
      ),
    );
    return out;
  }
  const version = schemaVersionOf(file);
  if (version === undefined) {
    out.push(
      finding('schema', 'fix', `${file} is not a SQLite database: restore a backup (lingr restore FILE)`),
    );
    return out;
  }
  // Not opened at all: even a read-only look leaves files beside a newer Lingr's database.
  if (version > SCHEMA_VERSION) {
    out.push(finding('schema', 'fix', new NewerSchema(version, SCHEMA_VERSION).message));
    return out;
  }
  out.push(
    version < SCHEMA_VERSION
      ? finding(
          'schema',
          'note',
          `${version}, older than this version's ${SCHEMA_VERSION}: lingr serve migrates it when it starts ` +
            '(take a backup first: lingr backup FILE)',
        )
      : finding('schema', 'ok', `${version}, this version's`),
  );
  const size = statSync(file).size;
  const seen = inspectDatabase(file, size > QUICK_CHECK_ABOVE);
  out.push(
    seen.problems.join() === 'ok'
      ? finding('integrity', 'ok', `${seen.check} passes (${megabytes(size)})`)
      : finding(
          'integrity',
          'fix',
          `${seen.check} finds damage (${seen.problems[0] ?? 'no answer'}): stop the server and restore the ` +
            'last good backup (lingr restore FILE)',
        ),
  );
  const wal = files.find(([f]) => f.endsWith('-wal'))?.[1].size ?? 0;
  out.push(
    wal > WAL_LIMIT
      ? finding(
          'wal',
          'fix',
          `the WAL is ${megabytes(wal)}: checkpoints cannot keep up (a long reader holds them back); restart ` +
            `the server, which checkpoints when it stops, or run sqlite3 ${file} 'PRAGMA wal_checkpoint(TRUNCATE)'`,
        )
      : finding('wal', 'ok', `the WAL is ${megabytes(wal)}`),
  );
  out.push(retentionFinding(settings, seen.events, seen.oldestEventAt, pids.length > 0));
  return out;
}

async function postgresFindings(settings: Settings, url: string): Promise<Finding[]> {
  const where = maskPassword(url);
  let seen;
  try {
    seen = await inspectPostgres(url);
  } catch (err) {
    return [
      finding(
        'database',
        'fix',
        `cannot read PostgreSQL at ${where} (${(err as Error).message}): check the URL, the server and pg_hba.conf`,
      ),
    ];
  }
  const out: Finding[] = [];
  if (seen.schema > seen.known)
    out.push(finding('schema', 'fix', new NewerSchema(seen.schema, seen.known).message));
  else if (seen.schema === 0)
    out.push(finding('schema', 'note', `${where} has no schema yet: the first server to start creates it`));
  else if (seen.schema < seen.known)
    out.push(
      finding(
        'schema',
        'note',
        `${seen.schema}, older than this version's ${seen.known}: the first server of this version to start ` +
          'migrates it (pg_dump it first)',
      ),
    );
  else out.push(finding('schema', 'ok', `${seen.schema}, this version's`));
  if (seen.schema > 0 && seen.schema <= seen.known)
    out.push(retentionFinding(settings, seen.events, seen.oldestEventAt, undefined));
  out.push(
    finding(
      'files',
      'note',
      `the data is in PostgreSQL at ${where}: its integrity, disk and permissions are its own to check`,
    ),
  );
  return out;
}

export async function doctor(args: string[]): Promise<number> {
  const options = settingsOptions({ json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const { values, positionals } = parse(yesFlags(args), options, 'doctor');
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`doctor takes no arguments, got "${positionals.join(' ')}".`, 'doctor');
  const raw = givenSettings(values);
  const given = sources(raw, process.env);
  const findings: Finding[] = [];
  const settings = settingsInForce(raw, findings);
  if (findings.length === 0) findings.push(settingsFinding(given));
  findings.push(
    ...(settings.databaseUrl
      ? await postgresFindings(settings, settings.databaseUrl)
      : sqliteFindings(settings)),
  );
  const fixes = findings.filter((f) => f.status === 'fix').length;
  if (values.json === true)
    process.stdout.write(`${JSON.stringify({ healthy: fixes === 0, findings, settings: given })}\n`);
  else
    process.stdout.write(
      findings.map((f) => `${f.status.padEnd(4)} ${f.check}: ${f.text}\n`).join('') +
        (fixes === 0 ? 'all is well\n' : `${fixes} thing${fixes === 1 ? '' : 's'} to fix\n`),
    );
  return fixes === 0 ? 0 : 1;
}
