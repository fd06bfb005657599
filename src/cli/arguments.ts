import { BOOLEAN_WORDS, OPTIONS, type OptionName, type RawSettings } from '../config/settings.js';
import { str, type Options, type Values } from './output.js';

/** Every setting of `lingr serve` as a flag (what `serve` and `doctor` both read), plus `extra`. */
export function settingsOptions(extra: Options = {}): Options {
  const options: Options = { ...extra };
  for (const o of Object.values(OPTIONS)) options[o.flag] = { type: 'string' };
  return options;
}

/** Yes-or-no settings may be given bare (`--allow-private-callbacks`), meaning yes, or with a value. */
export function yesFlags(args: string[]): string[] {
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

/** The settings given as flags, by option name. */
export function givenSettings(values: Values): RawSettings {
  const raw: RawSettings = {};
  for (const [name, o] of Object.entries(OPTIONS)) {
    const v = str(values[o.flag]);
    if (v !== undefined) raw[name as OptionName] = v;
  }
  return raw;
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
