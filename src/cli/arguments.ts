import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Words or flags a command cannot take; said with a pointer to the command's --help, exit status 2. */
export class ArgumentError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

/** The flags and words of one command, strictly: an unknown flag is an ArgumentError. */
export function parseArguments(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new ArgumentError((err as Error).message);
  }
}

export const text = (v: string | boolean | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

/**
 * Runs a command's body: its exit status, or 2 with one line on stderr when its arguments are wrong. Other
 * failures go on to the caller, which says them in one line.
 */
export async function withArguments(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof ArgumentError)) throw err;
    process.stderr.write(`lingr: ${err.message} (lingr ${command} --help for usage)\n`);
    return 2;
  }
}

/** Progress on one rewritten line of a terminal's stderr; nothing when stderr is a file or a pipe. */
export function terminalProgress(what: string): ((done: number, total: number) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  let shown = -1;
  return (done, total) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (percent === shown) return;
    shown = percent;
    process.stderr.write(`\r${what}: ${percent}%${done >= total ? '\n' : ''}`);
  };
}

/** Yes-or-no flags may be given bare (`--fsync`), meaning yes, as `serve` takes them. */
export function bareYes(args: string[], flags: ReadonlySet<string>, words: ReadonlySet<string>): string[] {
  return args.map((arg, i) => {
    const next = args[i + 1]?.toLowerCase();
    return flags.has(arg) && (next === undefined || !words.has(next)) ? `${arg}=true` : arg;
  });
}
