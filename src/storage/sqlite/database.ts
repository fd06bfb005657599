import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { secretKey } from '../../core/ids.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** NORMAL survives a killed process (the WAL is in the OS cache); FULL also survives power loss. */
  synchronous: 'NORMAL' | 'FULL';
}

export function openDatabase(file: string, options: OpenOptions = { synchronous: 'NORMAL' }): Db {
  mkdirSync(dirname(file), { recursive: true });
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
  if (version > migrations.length)
    throw new Error(
      `Database schema version ${version} is newer than this program knows (${migrations.length}).`,
    );
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      const step = migrations[v];
      if (typeof step === 'function') step(db);
      else db.exec(step as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
