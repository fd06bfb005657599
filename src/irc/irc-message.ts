/** One IRC line (RFC 1459 with IRCv3 message tags): tags, an optional source, a command and its parameters. */
export interface IrcMessage {
  tags: ReadonlyMap<string, string>;
  source: string | undefined;
  /** Upper-cased: IRC commands are case-insensitive. */
  command: string;
  params: string[];
}

/** Why a line could not be read as IRC. */
export class MalformedLine extends Error {}

const NO_TAGS: ReadonlyMap<string, string> = new Map();

const UNESCAPE: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

/** A tag value as sent, unescaped (IRCv3 message-tags: `\:` is `;`, `\s` a space; a lone `\` is dropped). */
export function unescapeTagValue(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '\\') out += c;
    else if (i + 1 < raw.length) out += UNESCAPE[raw[++i] as string] ?? raw[i];
  }
  return out;
}

/** A tag value escaped for the wire. */
export function escapeTagValue(value: string): string {
  return value.replace(/[\\; \r\n]/g, (c) =>
    c === '\\' ? '\\\\' : c === ';' ? '\\:' : c === ' ' ? '\\s' : c === '\r' ? '\\r' : '\\n',
  );
}

function parseTags(raw: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const item of raw.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (key === '') continue;
    tags.set(key, eq < 0 ? '' : unescapeTagValue(item.slice(eq + 1)));
  }
  return tags;
}

/**
 * Reads one line (without its CR LF). Spaces between parts may repeat, as lenient servers allow; a command
 * is letters or three digits; at most 15 parameters, the last after ` :` may hold spaces.
 */
export function parseLine(line: string): IrcMessage {
  let rest = line;
  let tags = NO_TAGS;
  let source: string | undefined;
  if (rest.startsWith('@')) {
    const space = rest.indexOf(' ');
    if (space < 0) throw new MalformedLine('a line with tags and no command');
    tags = parseTags(rest.slice(1, space));
    rest = rest.slice(space + 1).trimStart();
  }
  if (rest.startsWith(':')) {
    const space = rest.indexOf(' ');
    if (space < 0) throw new MalformedLine('a line with a source and no command');
    source = rest.slice(1, space);
    rest = rest.slice(space + 1).trimStart();
  }
  const space = rest.indexOf(' ');
  const command = (space < 0 ? rest : rest.slice(0, space)).toUpperCase();
  if (!/^(?:[A-Z]+|\d{3})$/.test(command)) throw new MalformedLine('no command');
  const params: string[] = [];
  rest = space < 0 ? '' : rest.slice(space + 1);
  while (rest !== '') {
    if (rest.startsWith(' ')) {
      rest = rest.trimStart();
      continue;
    }
    if (rest.startsWith(':') || params.length === 14) {
      params.push(rest.startsWith(':') ? rest.slice(1) : rest);
      break;
    }
    const next = rest.indexOf(' ');
    params.push(next < 0 ? rest : rest.slice(0, next));
    rest = next < 0 ? '' : rest.slice(next + 1);
  }
  return { tags, source, command, params };
}

/** A middle parameter as one word: what a client sent may hold anything, and must not break the line. */
const word = (p: string): string => p.replace(/[\s\0]/g, '').replace(/^:+/, '') || '*';

/** The last parameter: any text, but never a line break or NUL, which would start a line of its own. */
const trailing = (p: string): string => p.replace(/[\r\n\0]/g, ' ');

/**
 * Writes one line with its CR LF. The last of several parameters goes after ` :` (text needs it, and every
 * client reads it); a single one only when it must (`JOIN #vim`, `AUTHENTICATE +`). The others are single
 * words. Whatever a parameter holds, the line stays one line with the parameters it was given.
 */
export function formatLine(
  source: string | undefined,
  command: string,
  params: readonly string[],
  tags?: ReadonlyArray<readonly [string, string]>,
): string {
  let line = '';
  if (tags && tags.length > 0)
    line = `@${tags.map(([k, v]) => (v === '' ? k : `${k}=${escapeTagValue(v)}`)).join(';')} `;
  if (source !== undefined) line += `:${source} `;
  line += command;
  const last = params.length - 1;
  for (let i = 0; i < last; i++) line += ` ${word(params[i] as string)}`;
  if (last >= 0) {
    const p = trailing(params[last] as string);
    line += last > 0 || p === '' || p.includes(' ') || p.startsWith(':') ? ` :${p}` : ` ${p}`;
  }
  return `${line}\r\n`;
}
