import { createInterface } from 'node:readline';
import { UsageError } from './output.js';

/** What was typed past the last answer (a paste of both answers at once): the next question starts with it. */
let ahead = '';

/**
 * Asks on the terminal without echoing what is typed (a password): the prompt goes to stderr, so stdout
 * keeps only the command's result. Ctrl-C or Ctrl-D gives up.
 */
export function askHidden(prompt: string, command: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (result: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      result();
    };
    const onData = (chunk: string) => {
      const chars = [...ahead, ...chunk];
      ahead = '';
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i] as string;
        if (c === '\r' || c === '\n') {
          // A \r\n pair is one Enter.
          const next = c === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1;
          ahead = chars.slice(next).join('');
          return finish(() => resolve(typed));
        }
        if (c === '\u0003' || c === '\u0004')
          return finish(() => reject(new UsageError('no password was given.', command)));
        if (c === '\u007f' || c === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += c;
      }
    };
    process.stderr.write(prompt);
    input.setEncoding('utf8');
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
    if (ahead !== '') onData('');
  });
}

/**
 * The first line of standard input, without its line ending (for scripts: `echo "$PW" | lingr … ` or a
 * file). Nothing at all is a usage error.
 */
export function firstLineOfStdin(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    let got: string | undefined;
    lines.once('line', (line) => {
      got = line;
      lines.close();
    });
    lines.once('close', () => {
      process.stdin.pause();
      if (got === undefined) reject(new UsageError('standard input held no password line.', command));
      else resolve(got);
    });
  });
}
