/** One line from an IRC server, as the bench client needs it: who sent it, its command, its parameters. */
export interface ServerLine {
  /** The nick (or the server's name) of the source, when the line has one. */
  from: string | undefined;
  command: string;
  params: string[];
}

/**
 * Reads one line without its CR LF: message tags are skipped (the bench asks for no capabilities), the
 * source is cut to its nick, the last parameter after ` :` may hold spaces. Undefined for an empty line.
 */
export function readServerLine(line: string): ServerLine | undefined {
  let i = 0;
  const word = (): string => {
    while (line.charCodeAt(i) === 0x20) i++;
    const end = line.indexOf(' ', i);
    const w = end < 0 ? line.slice(i) : line.slice(i, end);
    i = end < 0 ? line.length : end;
    return w;
  };
  if (line.startsWith('@')) word();
  while (line.charCodeAt(i) === 0x20) i++;
  let from: string | undefined;
  if (line.charCodeAt(i) === 0x3a) {
    const source = word().slice(1);
    const bang = source.indexOf('!');
    from = bang < 0 ? source : source.slice(0, bang);
  }
  const command = word().toUpperCase();
  if (command === '') return undefined;
  const params: string[] = [];
  // Bounded by the line's length: every turn consumes at least one character or stops.
  while (i < line.length) {
    while (line.charCodeAt(i) === 0x20) i++;
    if (i >= line.length) break;
    if (line.charCodeAt(i) === 0x3a) {
      params.push(line.slice(i + 1));
      break;
    }
    params.push(word());
  }
  return { from, command, params };
}

/** Cuts a stream of text into lines at LF (a CR before it dropped), keeping an unfinished tail. */
export class LineSplitter {
  private tail = '';

  push(chunk: string): string[] {
    const parts = (this.tail + chunk).split('\n');
    this.tail = parts.pop() ?? '';
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k] as string;
      if (p.endsWith('\r')) parts[k] = p.slice(0, -1);
    }
    return parts;
  }
}

/**
 * What a client that reconnects missed, out of the room's lines the server replays on joining (its
 * backlog): those after the last line it had. Without one, or when that line is no longer among them (more
 * were missed than are replayed), all of them.
 */
export function missedLines(replayed: readonly string[], last: string | undefined): string[] {
  const at = last === undefined ? -1 : replayed.lastIndexOf(last);
  return replayed.slice(at + 1);
}
