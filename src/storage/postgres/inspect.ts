import pg from 'pg';
import { connectionConfig } from './database.js';
import { migrations } from './migrations.js';

/** What a look at a PostgreSQL store finds, without changing anything in it. */
export interface PostgresInspection {
  /** Schema steps the database has run (0: none, not a Lingr database yet). */
  schema: number;
  /** The steps this program knows. */
  known: number;
  events: number;
  oldestEventAt: number | undefined;
}

/** Reads the schema version and the event log's extent; only reads (no migration, no lock). */
export async function inspectPostgres(url: string): Promise<PostgresInspection> {
  const client = new pg.Client(connectionConfig(url));
  client.on('error', () => undefined); // a broken connection fails the query in flight, which says why
  await client.connect();
  try {
    const table = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    const present = (table.rows[0] as { present: boolean } | undefined)?.present === true;
    const schema = present
      ? ((
          (await client.query('SELECT max(version) AS v FROM schema_migrations')).rows[0] as {
            v: number | null;
          }
        ).v ?? 0)
      : 0;
    // A newer schema's tables may be shaped otherwise; an empty one has none yet.
    if (schema === 0 || schema > migrations.length)
      return { schema, known: migrations.length, events: 0, oldestEventAt: undefined };
    const log = (
      await client.query('SELECT count(*)::bigint AS events, min(created_at) AS oldest FROM events')
    ).rows[0] as { events: number; oldest: number | null };
    return { schema, known: migrations.length, events: log.events, oldestEventAt: log.oldest ?? undefined };
  } finally {
    await client.end();
  }
}
