import { readFile } from 'node:fs/promises';
import { flag, runGroup, type Command } from './commands.js';
import { reason, report, str, UsageError } from './output.js';

/** An icon file, read with a clear word when it cannot be. */
async function readIcon(file: string, command: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(
      `cannot read the icon ${file}: ${(err as NodeJS.ErrnoException).code ?? reason(err)}.`,
      command,
    );
  }
}

/** `lingr bot …`: webhook bots made by the operator. */
export const BOT_COMMANDS: Readonly<Record<string, Command>> = {
  add: {
    help: {
      usage: 'bot add BOT_ID --name "Name" --callback URL [--secret SECRET] [--icon FILE]',
      about:
        'Registers a webhook bot. Without --secret one is made and printed alone on standard output, so a\n' +
        'script can keep it. Put it in rooms with lingr room add-bot.',
      example: 'SECRET=$(lingr bot add vim_jp --name "vim-jp" --callback https://bots.example.com/lingr)',
    },
    options: {
      name: { type: 'string' },
      callback: { type: 'string' },
      secret: { type: 'string' },
      icon: { type: 'string' },
    },
    args: ['BOT_ID'],
    check(input) {
      if (str(input.values.name) === undefined || str(input.values.callback) === undefined)
        throw new UsageError('bot add needs --name and --callback.', input.name);
    },
    async run(input) {
      const [id] = input.positionals as [string];
      const iconFile = str(input.values.icon);
      const secret = str(input.values.secret);
      const bot = await input.side.bots.register('operator', {
        id,
        name: flag(input, 'name'),
        callbackUrl: flag(input, 'callback'),
        ...(secret === undefined ? {} : { secret }),
        ...(iconFile === undefined ? {} : { icon: await readIcon(iconFile, input.name) }),
      });
      if (input.json)
        report(true, '', {
          bot: bot.id,
          added: true,
          ...(secret === undefined ? { secret: bot.secret } : {}),
        });
      // The secret alone on stdout, so a script can keep it: SECRET=$(lingr bot add …).
      else if (secret === undefined) {
        process.stderr.write(`bot ${bot.id} added; its secret:\n`);
        process.stdout.write(`${bot.secret}\n`);
      } else process.stdout.write(`bot ${bot.id} added\n`);
    },
  },
};

export const botCommand = (args: readonly string[]): Promise<void> => runGroup('bot', BOT_COMMANDS, args);
