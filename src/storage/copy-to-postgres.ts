import Database from 'better-sqlite3';
import pg from 'pg';
import type { Logger } from '../core/ports.js';
import { connectionConfig } from './postgres/database.js';
import { EVENT_LOCK } from './postgres/events.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { refuseNewer } from './schema-version.js';
import { schemaVersionOf } from './sqlite/database.js';
import { migrations as sqliteMigrations } from './sqlite/migrations.js';

/** Why a copy was not made (the source or the target is not fit for it); the message says it in words. */
export class CopyRefused extends Error {}

export interface CopyProgress {
  table: string;
  /** Rows of this table copied so far, out of `total`. */
  done: number;
  total: number;
}

export interface CopyOptions {
  /** Called after every batch, and once for each table when it is done (`done === total`). */
  onProgress?: (progress: CopyProgress) => void;
  /** For the target's migrations (default: warnings to stderr). */
  log?: Logger;
}

export interface CopySummary {
  /** Rows copied, by table, in the order they were copied. */
  rows: Map<string, number>;
  /** The event counter the copy carries: the next event in PostgreSQL gets a higher id. */
  counter: number;
}

/** Where SQLite's counter starts, and PostgreSQL's: some clients adopt a new counter only when it is truthy. */
const COUNTER_FLOOR = 1000;

/** Rows per INSERT, within PostgreSQL's 65,535 parameters per statement. */
const BATCH_ROWS = 1000;
const MAX_PARAMETERS = 60_000;

interface Column {
  name: string;
  /** PostgreSQL keeps it as BOOLEAN where SQLite has 0 and 1. */
  flag: boolean;
}

interface TablePlan {
  name: string;
  columns: Column[];
  /** Tables whose rows this one's foreign keys point at: they are copied first. */
  needs: string[];
}

type Row = unknown[];

/**
 * Columns left behind, each taking its default in PostgreSQL: they name running processes of the old
 * installation, not data. A bot's delivery lease is one; its cursor comes along, so it hears no line twice.
 */
const LEFT_BEHIND: Readonly<Record<string, readonly string[]>> = {
  room_bots: ['holder', 'lease_until'],
};

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Copies a whole SQLite installation into an empty PostgreSQL database, as it is: every row of every table
 * (ids, password hashes, keys of session ids, deleted lines, event payloads as the same JSON text, bots'
 * cursors; only what LEFT_BEHIND names stays), then the sequences past the copied ids, so that new users,
 * lines and events are numbered above them and clients resume with the counters they had.
 *
 * The tables are SQLite's own, read from the file: a table PostgreSQL lacks (or a column of one) stops the
 * copy before anything is written, so nothing is silently left behind. Derived tables (the full-text index,
 * SQLite's bookkeeping) are not copied; PostgreSQL builds its own.
 *
 * The source is opened read-only and read in one transaction, so a server still writing it cannot tear the
 * copy (the copy is of the moment it began). The target is written in one transaction: it ends up with all
 * of it or none.
 */
export async function copyToPostgres(
  sqliteFile: string,
  url: string,
  options: CopyOptions = {},
): Promise<CopySummary> {
  // Before any connection: even a read-only one leaves files beside a newer Lingr's database.
  refuseNewer(schemaVersionOf(sqliteFile) ?? 0, sqliteMigrations.length);
  const source = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  try {
    const version = source.pragma('user_version', { simple: true }) as number;
    refuseNewer(version, sqliteMigrations.length);
    if (version < sqliteMigrations.length)
      throw new CopyRefused(
        `${sqliteFile} has schema version ${version}, older than this program's (${sqliteMigrations.length}): ` +
          'start this version of lingr on it once (it migrates the file), then copy.',
      );
    // Deferred: the snapshot is taken by the first read below and holds until the end.
    source.exec('BEGIN');
    try {
      return await copy(source, url, options);
    } finally {
      source.exec('ROLLBACK');
    }
  } finally {
    source.close();
  }
}

async function copy(source: Database.Database, url: string, options: CopyOptions): Promise<CopySummary> {
  const plans = sourceTables(source);
  const totals = new Map(plans.map((t) => [t.name, count(source, t.name)]));

  // The store's own opening runs the migrations, under their lock, exactly as a server would.
  await (await openPostgresStore(url, options.log ? { log: options.log } : {})).close();
  const target = new pg.Client(connectionConfig(url));
  target.on('error', () => undefined); // a broken connection fails the query in flight, which says why
  await target.connect();
  try {
    await matchTargetColumns(target, plans);
    const order = dependencyOrder(plans);

    await target.query('BEGIN');
    try {
      // No server may number events while the log is filled (and the check below holds until the commit).
      await target.query(`SELECT pg_advisory_xact_lock(${EVENT_LOCK})`);
      await refuseData(target, url);
      // What the target's migrations put there (the pruning mark) gives way to the source's rows.
      for (const plan of [...order].reverse()) await target.query(`DELETE FROM ${quote(plan.name)}`);
      const rows = new Map<string, number>();
      for (const plan of order) {
        const total = totals.get(plan.name) ?? 0;
        rows.set(plan.name, await copyTable(source, target, plan, total, options.onProgress));
      }
      const counter = await setSequences(source, target, order);
      await target.query('COMMIT');
      return { rows, counter };
    } catch (err) {
      await target.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    await target.end().catch(() => undefined);
  }
}

/** SQLite's tables with data of their own: not its bookkeeping, not full-text indexes and their shadows. */
function sourceTables(db: Database.Database): TablePlan[] {
  const tables = db.prepare('PRAGMA table_list').all() as Array<{
    schema: string;
    name: string;
    type: string;
  }>;
  return tables
    .filter((t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_'))
    .map((t) => ({
      name: t.name,
      columns: (db.prepare(`PRAGMA table_info(${quote(t.name)})`).all() as Array<{ name: string }>)
        .filter((c) => !LEFT_BEHIND[t.name]?.includes(c.name))
        .map((c) => ({ name: c.name, flag: false })),
      needs: (db.prepare(`PRAGMA foreign_key_list(${quote(t.name)})`).all() as Array<{ table: string }>)
        .map((fk) => fk.table)
        .filter((other) => other !== t.name),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const count = (db: Database.Database, table: string): number =>
  (db.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;

/** Checks that PostgreSQL has every table and column the source has, and marks those that are BOOLEAN there. */
async function matchTargetColumns(target: pg.Client, plans: readonly TablePlan[]): Promise<void> {
  const { rows } = await target.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema()`,
  );
  const columns = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
  const tables = new Set(rows.map((r) => r.table_name));
  for (const plan of plans) {
    if (!tables.has(plan.name))
      throw new CopyRefused(`the PostgreSQL schema has no table "${plan.name}" to copy SQLite's into.`);
    for (const c of plan.columns) {
      const type = columns.get(`${plan.name}.${c.name}`);
      if (type === undefined)
        throw new CopyRefused(`the PostgreSQL table "${plan.name}" has no column "${c.name}" to copy into.`);
      c.flag = type === 'boolean';
    }
  }
}

/** The tables in an order in which every foreign key finds the row it points at already there. */
function dependencyOrder(plans: readonly TablePlan[]): TablePlan[] {
  const byName = new Map(plans.map((p) => [p.name, p]));
  const done = new Set<string>();
  const order: TablePlan[] = [];
  const visit = (plan: TablePlan, path: Set<string>) => {
    if (done.has(plan.name)) return;
    if (path.has(plan.name))
      throw new CopyRefused(`the foreign keys of "${plan.name}" go round in a circle.`);
    path.add(plan.name);
    for (const need of plan.needs) {
      const other = byName.get(need);
      if (other) visit(other, path);
    }
    path.delete(plan.name);
    done.add(plan.name);
    order.push(plan);
  };
  for (const plan of plans) visit(plan, new Set());
  return order;
}

/** The target must hold nothing yet: a copy replaces, and must not mix two installations. */
async function refuseData(target: pg.Client, url: string): Promise<void> {
  const { rows } = await target.query<{ users: number; rooms: number; events: number }>(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM rooms)::int AS rooms,
            (SELECT count(*) FROM events)::int AS events`,
  );
  const held = rows[0] as { users: number; rooms: number; events: number };
  if (held.users + held.rooms + held.events > 0)
    throw new CopyRefused(
      `${maskPassword(url)} already holds data (${held.users} users, ${held.rooms} rooms, ${held.events} events): ` +
        'lingr copy fills only an empty database.',
    );
}

/** Copies one table in batches of multi-row INSERTs, in rowid order; returns the rows copied. */
async function copyTable(
  source: Database.Database,
  target: pg.Client,
  plan: TablePlan,
  total: number,
  onProgress: CopyOptions['onProgress'],
): Promise<number> {
  const names = plan.columns.map((c) => quote(c.name)).join(', ');
  const batch = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / plan.columns.length)));
  const read = source
    .prepare(`SELECT rowid, ${names} FROM ${quote(plan.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    .raw(true);
  let after = Number.MIN_SAFE_INTEGER;
  let done = 0;
  for (;;) {
    const rows = read.all(after, batch) as Row[];
    if (rows.length === 0) break;
    after = (rows[rows.length - 1] as Row)[0] as number;
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const marks = plan.columns.map((c, i) => {
        const v = row[i + 1];
        values.push(c.flag && v !== null ? v !== 0 : v);
        return `$${values.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await target.query(`INSERT INTO ${quote(plan.name)} (${names}) VALUES ${tuples.join(', ')}`, values);
    done += rows.length;
    onProgress?.({ table: plan.name, done, total: Math.max(total, done) });
  }
  if (done === 0) onProgress?.({ table: plan.name, done, total: 0 });
  return done;
}

/**
 * Sets every sequence of the copied tables past the highest id the source ever gave (SQLite's AUTOINCREMENT
 * remembers ids of deleted rows too, and never gives them again; neither will PostgreSQL). The events'
 * sequence carries the counter: the highest id given, or pruned, and never below where counters start.
 * Returns the counter.
 */
async function setSequences(
  source: Database.Database,
  target: pg.Client,
  plans: readonly TablePlan[],
): Promise<number> {
  const given = new Map(
    (
      source.prepare('SELECT name, seq FROM sqlite_sequence').all() as Array<{ name: string; seq: number }>
    ).map((s) => [s.name, s.seq]),
  );
  let counter = COUNTER_FLOOR;
  for (const plan of plans) {
    for (const column of plan.columns) {
      const { rows } = await target.query<{ sequence: string | null }>(
        'SELECT pg_get_serial_sequence($1, $2) AS sequence',
        [quote(plan.name), column.name],
      );
      const sequence = rows[0]?.sequence;
      if (!sequence) continue;
      const highest = source
        .prepare(`SELECT max(${quote(column.name)}) AS id FROM ${quote(plan.name)}`)
        .get() as {
        id: number | null;
      };
      let last = Math.max(highest.id ?? 0, given.get(plan.name) ?? 0);
      if (plan.name === 'events') {
        const pruned = source.prepare("SELECT value FROM meta WHERE key = 'events_pruned_through'").get() as
          { value: string } | undefined;
        last = Math.max(last, Number(pruned?.value ?? 0), COUNTER_FLOOR);
        counter = last;
      }
      // A sequence starts at 1: one never used stays so, and hands out 1 next.
      await target.query('SELECT setval($1::regclass, $2, $3)', [sequence, Math.max(last, 1), last >= 1]);
    }
  }
  return counter;
}

/** The URL as it may be shown: its password, if any, replaced by ***. */
export function maskPassword(url: string): string {
  // The user part ends at the authority's last @ (a password may hold an unescaped one).
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(url);
  const userinfo = m?.[2];
  if (!m || userinfo === undefined || !userinfo.includes(':')) return url;
  return `${m[1]}${userinfo.slice(0, userinfo.indexOf(':'))}:***@${url.slice(m[0].length)}`;
}
