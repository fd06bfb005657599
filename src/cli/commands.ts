import { loadSettings, type RawSettings } from '../config/settings.js';
import { openAdministration, type AdminSide } from '../main.js';
import { helpText, parse, str, UsageError, type Help, type Options, type Values } from './output.js';

/** A command's arguments, checked before anything is opened. */
export interface CommandArgs {
  values: Values;
  /** Exactly the positional arguments its `args` name, in that order. */
  positionals: string[];
  /** --json: the success is said as JSON alone. */
  json: boolean;
  /** `user list`: for messages. */
  name: string;
}

/** What a command of a group (`user list`, `room edit`) gets to work with. */
export interface CommandInput extends CommandArgs {
  side: AdminSide;
}

/** One command of a group: its help, its arguments and flags, and what it does. */
export interface Command {
  help: Help;
  /** Names of its positional arguments (USERNAME, ROOM_ID): exactly these are taken. */
  args: readonly string[];
  /** Flags of its own; the store's (--data, --database, --redis), --json and --help are every command's. */
  options?: Options;
  /** Flags it cannot do without. */
  required?: readonly string[];
  /** Any other check of its arguments, before the store is opened (throws a UsageError). */
  check?(args: CommandArgs): void;
  run(input: CommandInput): Promise<void>;
}

/** Every command works on the store its flags name, whether or not servers run on it. */
const STORE_FLAGS: Options = {
  data: { type: 'string' },
  database: { type: 'string' },
  redis: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const STORE_USAGE = `Every command takes --data DIR (SQLite, the default) or --database postgres://… with --redis redis://…
(several nodes), and works whether or not servers are running on the same data. --json says the result
as JSON alone; --help shows a command's usage and an example.`;

/** `lingr user --help`: each command of the group with its usage and an example (its own --help says more). */
export function groupHelp(group: string, commands: Readonly<Record<string, Command>>): string {
  const lines = Object.values(commands).map(
    ({ help }) => `  lingr ${help.usage}\n      e.g. ${help.example}`,
  );
  return `Usage: lingr ${group} COMMAND [arguments]\n\n${lines.join('\n')}\n\n${STORE_USAGE}\n`;
}

/** Runs `lingr GROUP COMMAND …`: parses its flags, prints its help, or opens the store and runs it. */
export async function runGroup(
  group: string,
  commands: Readonly<Record<string, Command>>,
  args: readonly string[],
): Promise<void> {
  const [action, ...rest] = args;
  if (action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(groupHelp(group, commands));
    return;
  }
  if (action === undefined || action.startsWith('-'))
    throw new UsageError(`${group} needs a command: ${Object.keys(commands).join(', ')}.`, group);
  const command = Object.hasOwn(commands, action) ? commands[action] : undefined;
  if (!command) throw new UsageError(`unknown command "${group} ${action}".`, group);
  const name = `${group} ${action}`;
  const { values, positionals } = parse(rest, { ...STORE_FLAGS, ...command.options }, name);
  if (values.help === true) {
    process.stdout.write(helpText(command.help));
    return;
  }
  const checked: CommandArgs = {
    values,
    positionals: argumentsOf(name, positionals, command.args),
    json: values.json === true,
    name,
  };
  for (const flag of command.required ?? [])
    if (str(values[flag]) === undefined) throw new UsageError(`${name} needs --${flag}.`, name);
  command.check?.(checked);
  const raw: RawSettings = {};
  for (const flag of ['data', 'database', 'redis'] as const) {
    const v = str(values[flag]);
    if (v !== undefined) raw[flag] = v;
  }
  const side = await openAdministration(loadSettings(raw));
  try {
    await command.run({ ...checked, side });
  } finally {
    await side.close();
  }
}

/** Exactly these arguments (ROOM_ID USERNAME, say), else a usage error naming them. */
function argumentsOf(command: string, given: string[], names: readonly string[]): string[] {
  if (given.length === names.length && given.every((a) => a !== '')) return given;
  if (names.length === 0)
    throw new UsageError(`${command} takes no arguments, got "${given.join(' ')}".`, command);
  const what = names.length === 1 ? `exactly one ${names[0]}` : names.join(' and ');
  const extra = given.length > names.length ? `, not also "${given.slice(names.length).join(' ')}"` : '';
  throw new UsageError(`${command} needs ${what}${extra}.`, command);
}

/** A flag's value (one in `required` is always there). */
export const flag = (input: CommandArgs, name: string): string => str(input.values[name]) ?? '';
