import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ChatError } from '../core/chat-error.js';
import {
  BOOLEAN_WORDS,
  loadSettings,
  OPTIONS,
  settingsHelp,
  SettingsError,
  type OptionName,
  type RawSettings,
} from '../config/settings.js';
import cluster from 'node:cluster';
import { createLogger } from '../log.js';
import type { Settings } from '../config/settings.js';
import { WorkerBus } from '../bus/cluster-worker-bus.js';
import { runPrimary, WORKER_PORT_ENV, WORKER_SLOT_ENV } from '../cluster.js';
import { isToWorker, type ToPrimary } from '../bus/cluster-protocol.js';
import { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { databaseFile, openAdministration, startServer } from '../main.js';
import { copyToPostgres, CopyRefused, maskPassword } from '../storage/copy-to-postgres.js';
import { NewerSchema } from '../storage/schema-version.js';
import { claimDataDir } from '../storage/sqlite/in-use.js';
import { backup, restore } from './backup.js';
import { doctor } from './doctor.js';

const USAGE = `Usage:
  lingr serve [--port N] [--data DIR] [options]     run the server (lingr serve --help for every option)
  lingr user add USERNAME --password PW [--name "Display Name"] [--email ADDRESS]
  lingr room add ROOM_ID --name "Name" [--blurb TEXT] [--owner USERNAME] [--private]
                 [--tags a,b] [--timezone Area/City]
  lingr room join ROOM_ID USERNAME
  lingr bot add BOT_ID --name "Name" --callback URL [--secret SECRET] [--icon FILE]
                 register a webhook bot; without --secret one is made and printed on stdout
  lingr room add-bot ROOM_ID BOT_ID
  lingr room remove-bot ROOM_ID BOT_ID
  lingr copy --from DIR --to postgres://USER:PASS@HOST:PORT/DB
                 copy a whole SQLite installation into an empty PostgreSQL database
                 (stop the server for the final copy; lingr copy --help says more)
  lingr backup FILE [--force]      a consistent copy of the database while the server runs
  lingr restore FILE [--force]     put a backup in place of the database (the server stopped)
  lingr doctor [--json]            check the installation and say what to fix

The user, room and bot commands take --data DIR (SQLite, the default) or --database postgres://… with
--redis redis://… (several nodes), and work whether or not servers are running on the same data.`;

class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function parse(
  args: string[],
  options: ParseArgsConfig['options'],
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** One process serves; with `--workers N` the primary supervises N workers, each a full server. */
async function startRole(
  settings: Settings,
  log: ReturnType<typeof createLogger>,
): Promise<{ close(): Promise<void> }> {
  if (cluster.isWorker) {
    // If the primary is gone the send fails; 'disconnect' below stops this worker.
    const send = (m: ToPrimary) => process.send?.(m, undefined, undefined, () => undefined);
    const bus = new WorkerBus(send);
    let accept: (socket: Socket, listener: number) => void = (socket) => socket.destroy();
    process.on('message', (m: unknown, handle: unknown) => {
      if (isToWorker(m) && m.lingr === 'connection' && handle instanceof Socket) {
        accept(handle, m.listener);
        send({ lingr: 'accepted', id: m.id });
      } else bus.receive(m);
    });
    const slot = Number(process.env[WORKER_SLOT_ENV] ?? 0);
    const server = await startServer(settings, log.child({ worker: slot }), {
      bus,
      slot,
      port: Number(process.env[WORKER_PORT_ENV] ?? 0),
      takeConnections: (take) => (accept = take),
      ready: () => send({ lingr: 'ready' }),
    });
    // The primary went away: nobody relays the bus any more, so stop rather than serve stale.
    process.on('disconnect', () => void server.close().then(() => process.exit(0)));
    return server;
  }
  if (settings.workers > 1) return runPrimary(settings, log);
  return startServer(settings, log);
}

/** Yes-or-no settings may be given bare (`--allow-private-callbacks`), meaning yes, or with a value. */
function yesFlags(args: string[]): string[] {
  const bare = new Set(
    Object.values(OPTIONS as Record<string, { flag: string; kind: string }>)
      .filter((o) => o.kind === 'bool')
      .map((o) => `--${o.flag}`),
  );
  return args.map((arg, i) => {
    const next = args[i + 1]?.toLowerCase();
    return bare.has(arg) && (next === undefined || !BOOLEAN_WORDS.has(next)) ? `${arg}=true` : arg;
  });
}

async function serve(args: string[]): Promise<void> {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const o of Object.values(OPTIONS)) options[o.flag] = { type: 'string' };
  const { values, positionals } = parse(yesFlags(args), options);
  if (values.help) {
    process.stdout.write(
      `Usage: lingr serve [options]\nEach option also reads its environment variable.\n\n${settingsHelp()}\n`,
    );
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`serve takes no arguments, got "${positionals.join(' ')}".`);
  const raw: RawSettings = {};
  for (const [name, o] of Object.entries(OPTIONS)) {
    const v = str(values[o.flag]);
    if (v !== undefined) raw[name as OptionName] = v;
  }
  const settings = loadSettings(raw);
  // Marks the data directory as served until this process ends, so `lingr restore` will not replace it.
  if (!settings.databaseUrl && cluster.isPrimary) claimDataDir(settings.dataDir);
  // A person at a terminal reads lines; a service manager (no terminal) keeps JSON lines for its journal.
  const pretty = settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && process.stdout.isTTY);
  const log = createLogger(settings.logLevel, undefined, pretty ? 'pretty' : 'json');
  const server = await startRole(settings, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function admin(group: string, args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    data: { type: 'string' },
    database: { type: 'string' },
    redis: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    blurb: { type: 'string' },
    owner: { type: 'string' },
    private: { type: 'boolean' },
    tags: { type: 'string' },
    timezone: { type: 'string' },
    callback: { type: 'string' },
    secret: { type: 'string' },
    icon: { type: 'string' },
  });
  const [action, ...rest] = positionals;
  const raw: RawSettings = {};
  for (const name of ['data', 'database', 'redis'] as const) {
    const v = str(values[name]);
    if (v !== undefined) raw[name] = v;
  }
  const settings = loadSettings(raw);
  const { administration: tool, bots, close } = await openAdministration(settings);
  try {
    const one = (what: string): string => {
      if (rest.length !== 1 || !rest[0])
        throw new UsageError(`${group} ${action} needs exactly one ${what}.`);
      return rest[0];
    };
    if (group === 'user' && action === 'add') {
      const password = str(values.password);
      if (password === undefined) throw new UsageError('user add needs --password.');
      const user = await tool.addUser({
        username: one('USERNAME'),
        password,
        name: str(values.name),
        email: str(values.email),
      });
      process.stdout.write(`user ${user.username} added\n`);
    } else if (group === 'room' && action === 'add') {
      const name = str(values.name);
      if (name === undefined) throw new UsageError('room add needs --name.');
      const room = await tool.addRoom({
        id: one('ROOM_ID'),
        name,
        blurb: str(values.blurb),
        owner: str(values.owner),
        isPublic: values.private !== true,
        tags: str(values.tags)?.split(','),
        timezone: str(values.timezone),
      });
      process.stdout.write(`room ${room.id} added\n`);
    } else if (group === 'room' && action === 'join') {
      const [roomId, username] = rest;
      if (rest.length !== 2 || !roomId || !username)
        throw new UsageError('room join needs ROOM_ID and USERNAME.');
      const joined = await tool.join(roomId, username);
      process.stdout.write(
        joined ? `${username} joined ${roomId}\n` : `${username} was already a member of ${roomId}\n`,
      );
    } else if (group === 'bot' && action === 'add') {
      const name = str(values.name);
      const callback = str(values.callback);
      if (name === undefined || callback === undefined)
        throw new UsageError('bot add needs --name and --callback.');
      const iconFile = str(values.icon);
      const secret = str(values.secret);
      const bot = await bots.register('operator', {
        id: one('BOT_ID'),
        name,
        callbackUrl: callback,
        ...(secret === undefined ? {} : { secret }),
        ...(iconFile === undefined ? {} : { icon: await readIcon(iconFile) }),
      });
      // The secret alone on stdout, so a script can keep it: SECRET=$(lingr bot add …).
      if (secret === undefined) {
        process.stderr.write(`bot ${bot.id} added; its secret:\n`);
        process.stdout.write(`${bot.secret}\n`);
      } else process.stdout.write(`bot ${bot.id} added\n`);
    } else if (group === 'room' && (action === 'add-bot' || action === 'remove-bot')) {
      const [roomId, botId] = rest;
      if (rest.length !== 2 || !roomId || !botId)
        throw new UsageError(`room ${action} needs ROOM_ID and BOT_ID.`);
      if (action === 'add-bot') {
        const added = await bots.addToRoom('operator', roomId, botId);
        process.stdout.write(
          added ? `bot ${botId} added to ${roomId}\n` : `bot ${botId} was already in ${roomId}\n`,
        );
      } else {
        const removed = await bots.removeFromRoom('operator', roomId, botId);
        process.stdout.write(
          removed ? `bot ${botId} removed from ${roomId}\n` : `bot ${botId} was not in ${roomId}\n`,
        );
      }
    } else {
      throw new UsageError(`unknown command "${[group, action].filter(Boolean).join(' ')}".`);
    }
  } finally {
    await close();
  }
}

const COPY_USAGE = `Usage: lingr copy --from DIR --to postgres://USER:PASS@HOST:PORT/DB

Copies everything in DIR/lingr.db (the --data directory of a SQLite installation) into an empty PostgreSQL
database: users and their passwords, emails and icons, rooms and their passwords, icons, tags, members and
invitation links, bots with the rooms they are in and where they stand in them, sessions, lines and the
event log with its ids, so that clients carry on with their
sessions and counters on a server started with --database. It refuses a database that already holds users, rooms or events.

The copy is of the moment it starts: a server may keep running for a trial copy, but stop it for the final
one, or lines said meanwhile stay behind.`;

async function copy(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    from: { type: 'string' },
    to: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${COPY_USAGE}\n`);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`copy takes no arguments, got "${positionals.join(' ')}".`);
  const from = str(values.from);
  const to = str(values.to);
  if (!from || !to) throw new UsageError('copy needs --from DIR and --to postgres://USER:PASS@HOST:PORT/DB.');
  if (!/^postgres(ql)?:\/\/\S+$/.test(to))
    throw new UsageError(`--to must look like postgres://USER:PASS@HOST:PORT/DB, not "${maskPassword(to)}".`);
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

/** An icon file, read with a clear word when it cannot be. */
async function readIcon(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(
      `cannot read the icon ${file}: ${(err as NodeJS.ErrnoException).code ?? reason(err)}.`,
    );
  }
}

/** An error's words; a refused connection to a name with several addresses says them in its parts. */
function reason(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(reason).join('; ');
  return err instanceof Error ? err.message : String(err);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === 'serve') await serve(args);
    else if (command === 'user' || command === 'room' || command === 'bot') await admin(command, args);
    else if (command === 'copy') await copy(args);
    else if (command === 'backup') return await backup(args);
    else if (command === 'restore') return await restore(args);
    else if (command === 'doctor') return await doctor(args);
    else if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    } else throw new UsageError(`unknown command "${command}".`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`lingr: ${err.message} (lingr --help for usage)\n`);
      return 2;
    }
    if (err instanceof ChatError || err instanceof SettingsError || err instanceof CopyRefused) {
      process.stderr.write(`lingr: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(
      `lingr: ${e.code === 'EADDRINUSE' ? `the port is already in use (${e.message})` : e.message}\n`,
    );
    return 1;
  }
}
