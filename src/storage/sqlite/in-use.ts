import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The servers running on a data directory, one process id a line, kept by `lingr serve`. */
export const PID_FILE = 'lingr.pid';

/** Whether process `pid` is running and (where /proc tells) is a Lingr: a reused id of a crashed one is not. */
function isLingr(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, under another user (the service's while an operator runs the command).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lingr');
  } catch {
    return true;
  }
}

function listed(dataDir: string): number[] {
  let text: string;
  try {
    text = readFileSync(join(dataDir, PID_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => Number.isSafeInteger(pid) && pid > 0);
}

/** The servers running on `dataDir` now, as the pid file says; the ids of dead processes are left out. */
export function serverPids(dataDir: string): number[] {
  return listed(dataDir).filter((pid) => pid !== process.pid && isLingr(pid));
}

function writePids(dataDir: string, pids: number[]): void {
  const file = join(dataDir, PID_FILE);
  if (pids.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  // Whole or not at all: a reader never sees half a list.
  const temp = `${file}.${process.pid}`;
  writeFileSync(temp, pids.map((pid) => `${pid}\n`).join(''), { mode: 0o600 });
  renameSync(temp, file);
}

/**
 * Records this process as a server of `dataDir` until it exits (however it exits, short of SIGKILL, whose
 * stale entry the next reader drops). Returns the release, for a start that fails.
 */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writePids(dataDir, [...serverPids(dataDir), process.pid]);
  const release = () => {
    process.off('exit', release);
    try {
      writePids(
        dataDir,
        listed(dataDir).filter((pid) => pid !== process.pid && isLingr(pid)),
      );
    } catch {
      // The directory went away: nothing is left to mark.
    }
  };
  process.on('exit', release);
  return release;
}

/**
 * Whether another connection has `file` open (a server, or a command at work). A connection that opens a
 * WAL database in exclusive locking mode must be its only user, so asking for that lock, without waiting,
 * fails while any other is open, idle ones included. Only for a file about to be replaced: when the lock is
 * had, closing may checkpoint a WAL left by a crash into it.
 */
export function openElsewhere(file: string): boolean {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch {
    return false;
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (err) {
    // Any other failure (a damaged file, which a restore is there to replace) is not somebody else.
    return (err as { code?: string }).code?.startsWith('SQLITE_BUSY') === true;
  } finally {
    db.close();
  }
}
