import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../core/ports.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Something that runs a query: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** Connections per store (per process): enough for a server's concurrent writes, modest for the server. */
const POOL_SIZE = 10;
/**
 * An idle connection is kept this long (pg's default is 10 s), and the first two for good: a new one costs
 * PostgreSQL a fork and a cold backend, and a server whose bursts come less often than the default closed
 * and opened connections all day long.
 */
const POOL_IDLE_MS = 5 * 60_000;
const POOL_KEPT = 2;

/**
 * Counters and times are BIGINT (milliseconds since 1970 do not fit INTEGER); they stay below 2^53, so they
 * come back as numbers rather than the strings pg gives by default. Set per connection, not globally, so
 * nothing else in the process that uses pg is changed.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export const connectionConfig = (url: string): pg.ClientConfig => ({
  connectionString: url,
  application_name: 'lingr',
  types,
});

export function openPool(url: string, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(url),
    max: POOL_SIZE,
    min: POOL_KEPT,
    idleTimeoutMillis: POOL_IDLE_MS,
  });
  // An idle connection that breaks (the server restarted) is dropped by the pool; the next query opens a
  // new one. Without this handler the error would end the process.
  pool.on('error', (err) => log.warn({ err }, 'a PostgreSQL connection in the pool failed'));
  pool.on('connect', prepareStatements);
  return pool;
}

/** A name for the text, the same in every process (one text, one name; a different text, another). */
export const statementName = (text: string): string =>
  `lingr_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;

/**
 * Whether a query is sent as a statement the connection prepares once: every query with parameters
 * (texts are constant, values never spliced in), except those whose result columns come from `*` (a
 * newer schema could change them under a prepared statement) and text searches (a plan made once for
 * every pattern would ignore what a pattern lets the trigram index do).
 */
export const preparable = (text: string): boolean => !text.includes('*') && !/\bI?LIKE\b/i.test(text);

/** Each text's statement name, or null for a text planned at each call: decided once per text. */
const statementNames = new Map<string, string | null>();

function preparedName(text: string): string | null {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = preparable(text) ? statementName(text) : null;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Sends the connection's queries with parameters as named statements: PostgreSQL parses and plans each
 * once per connection instead of at every call, which is most of the server's work for the short
 * statements a chat server runs (a room by id: 87 µs of backend CPU unnamed, 35 µs prepared).
 */
function prepareStatements(client: pg.PoolClient): void {
  const plain = client.query.bind(client) as (
    config: unknown,
    values?: unknown,
    callback?: unknown,
  ) => unknown;
  const query = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    const name = typeof config === 'string' && Array.isArray(values) ? preparedName(config) : null;
    return name === null ? plain(config, values, callback) : plain({ name, text: config }, values, callback);
  };
  client.query = query as typeof client.query;
}

/** Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out connection that dies (the server restarting) emits 'error'; unheard, that would end the
  // process. The query in flight fails by itself; the connection is not reused.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection whose rollback fails is in no state to be reused: the pool closes it instead.
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
