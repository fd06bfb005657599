import { existsSync } from 'node:fs';
import { databaseFile } from '../main.js';
import { copyToPostgres, CopyRefused, maskPassword } from '../storage/copy-to-postgres.js';
import { NewerSchema } from '../storage/schema-version.js';
import { parse, reason, str, UsageError } from './output.js';

const COPY_USAGE = `Usage: lingr copy --from DIR --to postgres://USER:PASS@HOST:PORT/DB

Copies everything in DIR/lingr.db (the --data directory of a SQLite installation) into an empty PostgreSQL
database: users and their passwords, emails and icons, rooms and their passwords, icons, tags, members and
invitation links, bots with the rooms they are in and where they stand in them, sessions, lines and the
event log with its ids, so that clients carry on with their
sessions and counters on a server started with --database. It refuses a database that already holds users, rooms or events.

The copy is of the moment it starts: a server may keep running for a trial copy, but stop it for the final
one, or lines said meanwhile stay behind.

Example:
  lingr copy --from /var/lib/lingr --to postgres://lingr:secret@db.example.org:5432/lingr`;

/** `lingr copy`: a whole SQLite installation into an empty PostgreSQL database. */
export async function copy(args: string[]): Promise<void> {
  const { values, positionals } = parse(
    args,
    { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    'copy',
  );
  if (values.help) {
    process.stdout.write(`${COPY_USAGE}\n`);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`copy takes no arguments, got "${positionals.join(' ')}".`, 'copy');
  const from = str(values.from);
  const to = str(values.to);
  if (!from || !to)
    throw new UsageError('copy needs --from DIR and --to postgres://USER:PASS@HOST:PORT/DB.', 'copy');
  if (!/^postgres(ql)?:\/\/\S+$/.test(to))
    throw new UsageError(
      `--to must look like postgres://USER:PASS@HOST:PORT/DB, not "${maskPassword(to)}".`,
      'copy',
    );
  const file = databaseFile(from);
  if (!existsSync(file))
    throw new CopyRefused(
      `there is no lingr.db in ${from} (--from names the --data directory of an installation).`,
    );
  const target = maskPassword(to);
  const terminal = process.stderr.isTTY === true;
  const number = (n: number) => n.toLocaleString('en-US');
  let summary;
  try {
    summary = await copyToPostgres(file, to, {
      onProgress: terminal
        ? ({ table, done, total }) =>
            process.stderr.write(
              `\rcopying ${table}: ${number(done)} of ${number(total)}${done >= total ? '\n' : ''}`,
            )
        : undefined,
    });
  } catch (err) {
    if (err instanceof CopyRefused || err instanceof NewerSchema) throw err;
    throw new Error(`copying to ${target} failed, nothing was copied: ${reason(err)}`, { cause: err });
  }
  const rows = (table: string, one: string, many = `${one}s`) => {
    const n = summary.rows.get(table) ?? 0;
    return `${number(n)} ${n === 1 ? one : many}`;
  };
  process.stdout.write(
    `copied ${rows('users', 'user')}, ${rows('rooms', 'room')}, ${rows('bots', 'bot')}, ${rows('messages', 'message')}, ` +
      `${rows('events', 'event')} (counter ${summary.counter}) to ${target}\n`,
  );
}
