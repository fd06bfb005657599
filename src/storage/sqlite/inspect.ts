import Database from 'better-sqlite3';

/** What a look at a database file finds, read through a read-only connection. */
export interface SqliteInspection {
  /** Which of SQLite's checks ran: the full one, or the quick one for a big file. */
  check: 'integrity_check' | 'quick_check';
  /** ['ok'], or what the check found (at most ten), or why it could not run. */
  problems: string[];
  events: number;
  /** When the oldest event in the log happened (ms since 1970); undefined when the log is empty. */
  oldestEventAt: number | undefined;
}

/** Problems beyond these add nothing to what an operator does about them. */
const MAX_PROBLEMS = 10;

/** Checks `file` (the full check, or the quick one that skips indexes' contents) and reads its event log. */
export function inspectDatabase(file: string, quick: boolean): SqliteInspection {
  const check = quick ? 'quick_check' : 'integrity_check';
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    let problems: string[];
    try {
      problems = (db.pragma(`${check}(${MAX_PROBLEMS})`) as Array<Record<string, string>>).map(
        (r) => Object.values(r)[0] ?? '',
      );
    } catch (err) {
      // Damage SQLite meets before it can list it fails the check all the same.
      return { check, problems: [(err as Error).message], events: 0, oldestEventAt: undefined };
    }
    const log = db.prepare('SELECT count(*) AS events, min(created_at) AS oldest FROM events').get() as {
      events: number;
      oldest: number | null;
    };
    return { check, problems, events: log.events, oldestEventAt: log.oldest ?? undefined };
  } finally {
    db.close();
  }
}
