import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadSettings, type RawSettings, type Settings } from '../config/settings.js';
import { databaseFile } from '../main.js';
import {
  backupDatabase,
  BackupRefused,
  checkDatabase,
  restoreDatabase,
  type DatabaseSummary,
} from '../storage/sqlite/backup-file.js';
import { SCHEMA_VERSION } from '../storage/sqlite/database.js';
import { openElsewhere, serverPids } from '../storage/sqlite/in-use.js';
import { terminalProgress } from './arguments.js';
import { parse, str, UsageError } from './output.js';

const BACKUP_USAGE = `Usage: lingr backup FILE [--data DIR] [--force] [--json]

Writes a consistent copy of DIR/lingr.db to FILE while the server runs, without stopping it: SQLite's
online backup copies one snapshot page by page, and the server goes on writing meanwhile. The copy is made
beside FILE and renamed into place once it is whole and on disk. FILE must not exist, unless --force is
given. Progress shows on a terminal. With --database postgres://… it says how to use pg_dump instead.

Example:
  lingr backup /var/backups/lingr-$(date +%F).db --data /var/lib/lingr`;

const RESTORE_USAGE = `Usage: lingr restore FILE [--data DIR] [--force] [--json]

Puts the backup FILE in place of DIR/lingr.db. FILE is checked first: a whole SQLite database (its
integrity check passes) with Lingr's tables and a schema this version knows (an older one is migrated when
the server starts). A database that a server is using is refused: stop the server, restore, start it.
--force replaces it even so (the server goes on with the data it had until it stops: stop it before
starting another). The replaced database is gone, its WAL included. Progress shows on a terminal.

Example:
  systemctl stop lingr
  lingr restore /var/backups/lingr-2024-05-01.db --data /var/lib/lingr
  systemctl start lingr`;

/** A store URL with its password left out: pg_dump then reads it from ~/.pgpass or PGPASSWORD. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
  }
}

const shellQuoted = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** The settings `serve` would use for where the data is: flags, then the environment. */
function storeSettings(values: Record<string, string | boolean | undefined>): Settings {
  const raw: RawSettings = {};
  const data = str(values.data);
  const database = str(values.database);
  if (data !== undefined) raw.data = data;
  if (database !== undefined) raw.database = database;
  return loadSettings(raw);
}

const OPTIONS = {
  data: { type: 'string' },
  database: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The one FILE a command takes, or a UsageError saying what is wrong. */
function oneFile(command: string, positionals: string[]): string {
  const [file] = positionals;
  if (positionals.length !== 1 || !file)
    throw new UsageError(`${command} needs exactly one FILE, got ${positionals.length}.`, command);
  return resolve(file);
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function said(summary: DatabaseSummary): string {
  const n = (count: number, one: string) =>
    `${count.toLocaleString('en-US')} ${one}${count === 1 ? '' : 's'}`;
  return `${megabytes(summary.bytes)}, schema ${summary.schema}, ${n(summary.users, 'user')}, ${n(summary.rooms, 'room')}, counter ${summary.counter}`;
}

export async function backup(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS, 'backup');
  if (values.help) {
    process.stdout.write(`${BACKUP_USAGE}\n`);
    return 0;
  }
  const file = oneFile('backup', positionals);
  const settings = storeSettings(values);
  if (settings.databaseUrl) {
    const url = shellQuoted(withoutPassword(settings.databaseUrl));
    throw new BackupRefused(
      `the store is PostgreSQL, which lingr backup does not copy: back it up with pg_dump, which takes a ` +
        `consistent snapshot while the servers run:\n` +
        `  pg_dump --format=custom --file=lingr-$(date +%F).dump ${url}\n` +
        `(the password is left out here: pg_dump reads it from ~/.pgpass or PGPASSWORD). docs/deploy.md, ` +
        `"Backups", says how to restore it.`,
    );
  }
  const source = databaseFile(settings.dataDir);
  if (!existsSync(source))
    throw new BackupRefused(
      `there is no lingr.db in ${settings.dataDir} (--data names the data directory of the server).`,
    );
  if (!existsSync(dirname(file))) throw new BackupRefused(`the directory ${dirname(file)} does not exist.`);
  if (existsSync(file)) {
    if (statSync(file).isDirectory())
      throw new BackupRefused(`${file} is a directory: name the file to write.`);
    if (realpathSync(file) === realpathSync(source))
      throw new BackupRefused(`${file} is the database itself: name another file.`);
    if (values.force !== true)
      throw new BackupRefused(`${file} exists: name another file, or give --force to replace it.`);
  }
  const progress = terminalProgress(`backing up ${source}`);
  const summary = await backupDatabase(
    source,
    file,
    progress && (({ done, total }) => progress(done, total)),
  );
  if (values.json === true) process.stdout.write(`${JSON.stringify({ file, ...summary })}\n`);
  else process.stdout.write(`backed up ${source} to ${file}: ${said(summary)}\n`);
  return 0;
}

/** Why `target` must not be replaced now, or undefined when nothing uses it. */
function liveReason(dataDir: string, target: string): string | undefined {
  const pids = serverPids(dataDir);
  if (pids.length > 0)
    return `a server (process ${pids.join(', ')}) is running on ${dataDir}: stop it, then restore`;
  if (existsSync(target) && openElsewhere(target))
    return `${target} is open in another process (a server, or a lingr command at work): stop it, then restore`;
  return undefined;
}

export async function restore(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS, 'restore');
  if (values.help) {
    process.stdout.write(`${RESTORE_USAGE}\n`);
    return 0;
  }
  const file = oneFile('restore', positionals);
  const settings = storeSettings(values);
  if (settings.databaseUrl)
    throw new BackupRefused(
      `the store is PostgreSQL, which lingr restore does not write: stop every server, then restore ` +
        `a pg_dump with pg_restore:\n` +
        `  pg_restore --clean --if-exists --no-owner --dbname=${shellQuoted(withoutPassword(settings.databaseUrl))} FILE.dump\n` +
        `(the password is left out here: pg_restore reads it from ~/.pgpass or PGPASSWORD). docs/deploy.md, ` +
        `"Backups", says more.`,
    );
  if (!existsSync(file) || !statSync(file).isFile())
    throw new BackupRefused(`there is no file ${file} to restore.`);
  const force = values.force === true;
  const target = databaseFile(settings.dataDir);
  const refusal = () => liveReason(settings.dataDir, target);
  // Said before the long work, and asked again just before the swap: a server may have started meanwhile.
  const early = refusal();
  if (early && !force) throw new BackupRefused(`${early} (or give --force to replace it anyway).`);

  const checking = terminalProgress(`checking ${file}`);
  checking?.(0, 1);
  const checked = checkDatabase(file);
  checking?.(1, 1);
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const progress = terminalProgress(`restoring ${target}`);
  let forcedPast: string | undefined;
  const restored = await restoreDatabase(file, target, {
    onProgress: progress && (({ done, total }) => progress(done, total)),
    beforeSwap: () => {
      const reason = refusal();
      if (reason && !force) throw new BackupRefused(`${reason} (or give --force to replace it anyway).`);
      forcedPast = reason;
    },
  });
  if (forcedPast)
    process.stderr.write(
      `lingr: replaced anyway (--force): ${forcedPast.replace(/: stop it, then restore$/, '')}; ` +
        'it goes on with the data it had until it stops: restart it now.\n',
    );
  const older = checked.schema < SCHEMA_VERSION;
  if (values.json === true) process.stdout.write(`${JSON.stringify({ file, target, ...restored })}\n`);
  else
    process.stdout.write(
      `restored ${target} from ${file}: ${said(restored)}` +
        (older ? `; the server migrates it to schema ${SCHEMA_VERSION} when it starts` : '') +
        '\n',
    );
  return 0;
}
