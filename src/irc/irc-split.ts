/** The most bytes of one IRC line, CR LF included, tags apart (RFC 1459 2.3, IRCv3 message-tags). */
export const LINE_BYTES = 512;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Text for a place on one line (a topic, a realname): no line breaks, no NUL, runs of space kept. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, ' ').replace(/\0/g, '');
}

/** Cuts `text` into pieces of at most `max` UTF-8 bytes each, never inside a character. */
function cut(text: string, max: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let size = 0;
  const take = (unit: string): void => {
    const n = Buffer.byteLength(unit);
    if (size + n > max && piece !== '') {
      pieces.push(piece);
      piece = '';
      size = 0;
    }
    piece += unit;
    size += n;
  };
  for (const { segment } of graphemes.segment(text)) {
    // A cluster too long for a line of its own (a flood of combining marks) is cut between its code points.
    if (Buffer.byteLength(segment) <= max) take(segment);
    else for (const codePoint of segment) take(codePoint);
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/**
 * The lines that carry `text` to IRC: one per line of the text (an empty one inside as a single space, so
 * the shape of a pasted block survives), each cut to fit `room` bytes, which the caller has counted as what is
 * left of 512 after the source, the command, the target and CR LF. Cuts fall between characters (grapheme
 * clusters where they fit), so joining the pieces of a line gives it back byte for byte.
 */
export function splitText(text: string, room: number): string[] {
  const max = Math.max(4, room);
  const lines: string[] = [];
  const all = text.replace(/\0/g, '').split(/\r\n|[\r\n]/);
  // Blank lines at either end carry nothing; those between lines keep a block's shape.
  while (all.length > 1 && (all[all.length - 1] as string).trim() === '') all.pop();
  while (all.length > 1 && (all[0] as string).trim() === '') all.shift();
  for (const line of all) {
    if (line === '') lines.push(' ');
    else if (Buffer.byteLength(line) <= max) lines.push(line);
    else lines.push(...cut(line, max));
  }
  return lines;
}

/** Bytes left for the text of `:source COMMAND target :text\r\n` on one line. */
export function textRoom(source: string, command: string, target: string): number {
  // ':' + source + ' ' + command + ' ' + target + ' :' + text + '\r\n'
  return (
    LINE_BYTES - (1 + Buffer.byteLength(source) + 1 + command.length + 1 + Buffer.byteLength(target) + 2 + 2)
  );
}
