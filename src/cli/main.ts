import { ChatError } from '../core/chat-error.js';
import { SettingsError } from '../config/settings.js';
import { CopyRefused } from '../storage/copy-to-postgres.js';
import { backup, restore } from './backup.js';
import { botCommand } from './bots.js';
import { copy } from './copy.js';
import { doctor } from './doctor.js';
import { UsageError } from './output.js';
import { roomCommand } from './rooms.js';
import { serve } from './serve.js';
import { userCommand } from './users.js';

const USAGE = `Usage:
  lingr serve [--port N] [--data DIR] [options]     run the server (lingr serve --help for every option)

  lingr user add USERNAME --password PW [--name "Display Name"] [--email ADDRESS]
  lingr user list [--guests]                         the accounts
  lingr user show USERNAME                           one account: email, rooms, sessions, last active
  lingr user passwd USERNAME [--password-stdin]      a new password (asked on the terminal); signs them out
  lingr user rename USERNAME --name "Display Name"
  lingr user delete USERNAME                         their lines stay, as a deleted user's
  lingr user admin USERNAME [--off]                  site administrators

  lingr room add ROOM_ID --name "Name" [--blurb TEXT] [--owner USERNAME] [--private]
                 [--tags a,b] [--timezone Area/City]
  lingr room list                                    every room, private ones too
  lingr room show ROOM_ID                            settings, members and bots
  lingr room edit ROOM_ID [--name …] [--blurb …] [--tags …] [--timezone …] [--private|--public]
  lingr room join ROOM_ID USERNAME
  lingr room leave ROOM_ID USERNAME
  lingr room delete ROOM_ID                          with its lines
  lingr room add-bot ROOM_ID BOT_ID
  lingr room remove-bot ROOM_ID BOT_ID

  lingr bot add BOT_ID --name "Name" --callback URL [--secret SECRET] [--icon FILE]
                 register a webhook bot; without --secret one is made and printed on stdout

  lingr copy --from DIR --to postgres://USER:PASS@HOST:PORT/DB
                 copy a whole SQLite installation into an empty PostgreSQL database
                 (stop the server for the final copy; lingr copy --help says more)
  lingr backup FILE [--force]      a consistent copy of the database while the server runs
  lingr restore FILE [--force]     put a backup in place of the database (the server stopped)
  lingr doctor [--json]            check the installation and say what to fix

The user, room and bot commands take --data DIR (SQLite, the default) or --database postgres://… with
--redis redis://… (several nodes), and work whether or not servers are running on the same data. Each
says what it did in one line, or as JSON with --json; lingr COMMAND --help shows its usage and an example.`;

/** Runs one command line; returns the exit code (0 done, 1 refused or failed, 2 wrong arguments). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === 'serve') await serve(args);
    else if (command === 'user') await userCommand(args);
    else if (command === 'room') await roomCommand(args);
    else if (command === 'bot') await botCommand(args);
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
      const help = err.command === '' ? 'lingr --help' : `lingr ${err.command} --help`;
      process.stderr.write(`lingr: ${err.message} (${help} for usage)\n`);
      return 2;
    }
    if (err instanceof ChatError || err instanceof SettingsError || err instanceof CopyRefused) {
      process.stderr.write(`lingr: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    const said = e.code === 'EADDRINUSE' ? `the port is already in use (${e.message})` : e.message;
    // One line whatever the error: a script reads the last line of stderr as the reason.
    process.stderr.write(`lingr: ${said.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}
