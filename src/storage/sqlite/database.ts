import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { secretKey } from '../../core/ids.js';
import { refuseNewer } from '../schema-version.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** NORMAL survives a killed process (the WAL is in the OS cache); FULL also survives power loss. */
  synchronous: 'NORMAL' | 'FULL';
}

/** The schema steps this program knows: a file that ran more was written by a newer Lingr. */
export const SCHEMA_VERSION = migrations.length;

/** Where SQLite keeps PRAGMA user_version: four big-endian bytes at offset 60 of the file's header. */
const USER_VERSION_OFFSET = 60;
const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * The schema version of an existing file, read without writing to it or leaving files beside it: from the
 * header when no WAL holds newer pages, else through a read-only connection (which neither migrates, nor
 * checkpoints when it closes). Undefined when the file is not a SQLite database.
 */
export function schemaVersionOf(file: string): number | undefined {
  const header = Buffer.alloc(USER_VERSION_OFFSET + 4);
  const fd = openSync(file, 'r');
  try {
    if (readSync(fd, header, 0, header.length, 0) < header.length) return undefined;
  } finally {
    closeSync(fd);
  }
  if (!header.subarray(0, HEADER.length).equals(HEADER)) return undefined;
  const wal = statSync(`${file}-wal`, { throwIfNoEntry: false });
  if (!wal || wal.size === 0) return header.readUInt32BE(USER_VERSION_OFFSET);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

export function openDatabase(file: string, options: OpenOptions = { synchronous: 'NORMAL' }): Db {
  // A newer Lingr's file is refused before this connection could change a byte of it.
  if (existsSync(file)) refuseNewer(schemaVersionOf(file) ?? 0, SCHEMA_VERSION);
  // Only its owner may reach the database (password hashes, emails): others get nothing from a new directory.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma('foreign_keys = ON');
  // The admin command line and the server write the same file; wait for each other's locks.
  db.pragma('busy_timeout = 5000');
  db.function('lingr_secret_key', { deterministic: true }, (secret: unknown) => secretKey(String(secret)));
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  // Checked again here: a newer Lingr may have migrated the file since the read-only look.
  refuseNewer(version, SCHEMA_VERSION);
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      const step = migrations[v];
      if (typeof step === 'function') step(db);
      else db.exec(step as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
