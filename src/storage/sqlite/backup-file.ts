import Database from 'better-sqlite3';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NewerSchema } from '../schema-version.js';
import { SCHEMA_VERSION, schemaVersionOf } from './database.js';

/** Why a backup or a restore was not made; the message says it in words. */
export class BackupRefused extends Error {}

export interface PageProgress {
  /** Pages copied so far, out of `total`. */
  done: number;
  total: number;
}

/** What a Lingr database file holds, in the figures an operator recognises. */
export interface DatabaseSummary {
  schema: number;
  users: number;
  rooms: number;
  /** The newest event id handed out: clients resume from counters up to it. */
  counter: number;
  bytes: number;
}

/** Pages per step of the online backup: 4 MiB at the default page size, a progress line each. */
const PAGES_PER_STEP = 1024;

/** Tables every Lingr database has had since its first schema step. */
const LINGR_TABLES = ['meta', 'users', 'rooms', 'memberships', 'sessions', 'messages', 'events'];

/** A file beside `file`, hidden, that a crash leaves recognisable (and never mistaken for the real one). */
const partialBeside = (file: string): string =>
  join(dirname(file), `.${basename(file)}.${process.pid}.partial`);

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function summary(db: Database.Database, file: string): DatabaseSummary {
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const counter = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as
    { seq: number } | undefined;
  return {
    schema: db.pragma('user_version', { simple: true }) as number,
    users: count('users'),
    rooms: count('rooms'),
    counter: counter?.seq ?? 0,
    bytes: statSync(file).size,
  };
}

/**
 * Copies `source` to `target` page by page with SQLite's online backup, from one read snapshot: in WAL mode
 * writers go on meanwhile (their commits wait in the WAL until the copy ends), and no step has to start
 * over because one of them wrote. The copy stands alone (no WAL beside it).
 */
async function copyPages(
  source: Database.Database,
  target: string,
  onProgress: ((p: PageProgress) => void) | undefined,
): Promise<void> {
  const progress = await source.backup(target, {
    progress: ({ totalPages, remainingPages }) => {
      onProgress?.({ done: totalPages - remainingPages, total: totalPages });
      return PAGES_PER_STEP;
    },
  });
  onProgress?.({ done: progress.totalPages, total: progress.totalPages });
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * Copies `source` from one read snapshot (taken by the first read, held until COMMIT, shared by every step of
 * the copy) into a file beside `target`, puts it on disk and renames it over `target`, so `target` is never
 * half a copy; `beforeRename` runs just before the rename and may refuse.
 */
async function copyIntoPlace(
  source: string,
  target: string,
  o: { onProgress?: ((p: PageProgress) => void) | undefined; beforeRename?: () => void },
): Promise<void> {
  const partial = partialBeside(target);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    await copyPages(db, partial, o.onProgress);
    db.exec('COMMIT');
    fsyncPath(partial);
    o.beforeRename?.();
    renameSync(partial, target);
    fsyncPath(dirname(target));
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

/** What a database file holds, read from the file itself. */
function summaryOf(file: string): DatabaseSummary {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return summary(db, file);
  } finally {
    db.close();
  }
}

/**
 * A consistent copy of the database `source` in `target`, taken while servers write to it: written beside
 * `target` and renamed into place once complete and on disk, so `target` is never half a copy. The source is
 * only read.
 */
export async function backupDatabase(
  source: string,
  target: string,
  onProgress?: (p: PageProgress) => void,
): Promise<DatabaseSummary> {
  const version = schemaVersionOf(source);
  if (version === undefined) throw new BackupRefused(`${source} is not a SQLite database.`);
  if (version > SCHEMA_VERSION) throw new NewerSchema(version, SCHEMA_VERSION);
  await copyIntoPlace(source, target, { onProgress });
  return summaryOf(target);
}

/**
 * What `file` holds, once it is known to be a whole Lingr database this version can run: SQLite's
 * integrity check passes, Lingr's tables are there, and its schema is not newer than this program's (an
 * older one is migrated when a server starts on it).
 */
export function checkDatabase(file: string): DatabaseSummary {
  const version = schemaVersionOf(file);
  if (version === undefined) throw new BackupRefused(`${file} is not a SQLite database.`);
  if (version > SCHEMA_VERSION)
    throw new BackupRefused(
      `${file} was written by a newer Lingr (schema ${version}, this version knows ${SCHEMA_VERSION}): ` +
        'upgrade Lingr to restore it.',
    );
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(
        (r) => r.integrity_check,
      );
    } catch (err) {
      // Damage SQLite meets before it can list it (a file cut short) fails the check all the same.
      problems = [(err as Error).message];
    }
    if (problems.join() !== 'ok')
      throw new BackupRefused(
        `${file} fails SQLite's integrity check (${problems[0] ?? 'no answer'}): it cannot be restored.`,
      );
    const tables = new Set(
      (
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>
      ).map((t) => t.name),
    );
    const missing = LINGR_TABLES.filter((t) => !tables.has(t));
    if (version === 0 || missing.length > 0)
      throw new BackupRefused(
        `${file} is a SQLite database but not Lingr's (it has no ${missing[0] ?? 'schema version'}).`,
      );
    return summary(db, file);
  } finally {
    db.close();
  }
}

/**
 * Puts a checked copy of `file` in place of `target`: copied beside it, put on disk, then the old WAL and
 * shared-memory files removed (their pages belong to the old database) and the copy renamed over `target`
 * in one step. `beforeSwap` runs just before anything of the old database is touched, and may refuse.
 */
export async function restoreDatabase(
  file: string,
  target: string,
  options: { onProgress?: (p: PageProgress) => void; beforeSwap?: () => void } = {},
): Promise<DatabaseSummary> {
  await copyIntoPlace(file, target, {
    onProgress: options.onProgress,
    // The old database's WAL and shared memory go with it: their pages are not the copy's.
    beforeRename: () => {
      options.beforeSwap?.();
      rmSync(`${target}-wal`, { force: true });
      rmSync(`${target}-shm`, { force: true });
    },
  });
  return summaryOf(target);
}
