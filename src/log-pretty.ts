import { Writable } from 'node:stream';

/** pino's numeric levels, as a person reads them. */
const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '90' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

/** Fields every record has, or that the line shows in its own place. */
const SHOWN_APART = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err', 'url']);

const paint = (color: boolean, code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/**
 * One pino record as a line a person reads at a terminal: the time, the level, the message, then its fields
 * as key=value; an error's stack follows, indented. The server's first line names the URL to open.
 */
export function prettyLine(record: Record<string, unknown>, color: boolean): string {
  const level = LEVELS[Number(record.level)] ?? { name: String(record.level), color: '0' };
  const time =
    typeof record.time === 'string' ? record.time.slice(11, 19) : new Date().toISOString().slice(11, 19);
  const msg = typeof record.msg === 'string' ? record.msg : '';
  const fields = Object.entries(record)
    .filter(([k]) => !SHOWN_APART.has(k))
    .map(([k, v]) => `${paint(color, '90', `${k}=`)}${value(v)}`)
    .join(' ');
  let line = `${paint(color, '90', time)} ${paint(color, level.color, level.name.padEnd(5))} ${msg}`;
  if (typeof record.url === 'string') line += ` ${paint(color, '1;36', `→ open ${record.url}`)}`;
  if (fields) line += `  ${fields}`;
  const err = record.err as { stack?: unknown; message?: unknown } | undefined;
  if (err && typeof err === 'object') {
    const stack = typeof err.stack === 'string' ? err.stack : String(err.message ?? '');
    line += `\n${stack.replace(/^/gm, '    ')}`;
  }
  return `${line}\n`;
}

/** A destination for pino that writes each record to `out` as a readable line instead of JSON. */
export function prettyStream(out: NodeJS.WritableStream, color: boolean): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const text of chunk.toString().split('\n')) {
        if (text === '') continue;
        try {
          out.write(prettyLine(JSON.parse(text) as Record<string, unknown>, color));
        } catch {
          out.write(`${text}\n`);
        }
      }
      done();
    },
  });
}
