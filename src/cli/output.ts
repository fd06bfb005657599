import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * What every command of the command line shares: how it reads its arguments, how it says what it did (one
 * human line, or JSON with --json), and its --help (usage, what it does, and an example).
 */

/** Wrong arguments: said on one line with where to read the usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help to point at ('' for `lingr --help`). */
    readonly command = '',
  ) {
    super(message);
  }
}

export type Values = Record<string, string | boolean | undefined>;
export type Options = NonNullable<ParseArgsConfig['options']>;

export const str = (v: string | boolean | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

/** Strict parsing: an unknown flag or a flag without its value is a usage error of `command`. */
export function parse(
  args: string[],
  options: Options,
  command = '',
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    // Node's own words, up to their first sentence (the rest is about positional arguments).
    throw new UsageError(`${(err as Error).message.split('. ')[0]?.replace(/\.$/, '')}.`, command);
  }
}

/** A command's help: how to call it, what it does, and an example to copy. */
export interface Help {
  /** `user list [--json]`: the command and its arguments, without `lingr`. */
  usage: string;
  about: string;
  example: string;
}

export function helpText(help: Help): string {
  return `Usage: lingr ${help.usage}\n\n${help.about}\n\nExample:\n  ${help.example}\n`;
}

/**
 * User text as a terminal may show it: control characters (an escape sequence could rewrite the screen)
 * and bidirectional overrides (they reorder what follows) are shown as \u escapes.
 */
export function plain(text: string): string {
  return text.replace(
    /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** A time as the operator reads it: minutes, in UTC. */
export const when = (ms: number | null): string =>
  ms === null ? 'never' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** A time in JSON: ISO 8601, in UTC. */
export const isoTime = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

/** Where a command's success goes: the human line(s), or with --json the JSON alone, on one line. */
export function report(json: boolean, human: string, data: unknown): void {
  process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** An error's words; a refused connection to a name with several addresses says them in its parts. */
export function reason(err: unknown): string {
  if (err instanceof AggregateError && !err.message) return err.errors.map(reason).join('; ');
  return err instanceof Error ? err.message : String(err);
}
