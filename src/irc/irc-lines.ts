/** Tags may take this many bytes of a line, the `@` and the space after them included (IRCv3 message-tags). */
export const TAG_BYTES = 8191;
/** The rest of a line, CR LF included (RFC 1459 2.3). */
export const REST_BYTES = 512;

/** What the reader found: a whole line (without CR LF), or a line too long to keep. */
export type LineEvent = { kind: 'line'; line: Buffer } | { kind: 'too_long' };

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines at LF (a CR before it is dropped). A line longer than tags and the rest
 * may together be is reported once and skipped up to its end, so a client that never sends a newline costs
 * at most that many bytes.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(private readonly max = TAG_BYTES + REST_BYTES) {}

  push(chunk: Buffer): LineEvent[] {
    const found: LineEvent[] = [];
    let start = 0;
    for (;;) {
      const at = chunk.indexOf(NEWLINE, start);
      if (at < 0) break;
      const piece = chunk.subarray(start, at);
      start = at + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (this.pendingBytes + piece.length > this.max) {
        this.clear();
        found.push({ kind: 'too_long' });
        continue;
      }
      let line = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.clear();
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      found.push({ kind: 'line', line });
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0 || this.discarding) return found;
    if (this.pendingBytes + rest.length > this.max) {
      this.clear();
      this.discarding = true;
      found.push({ kind: 'too_long' });
      return found;
    }
    // Copied: the socket may reuse its chunk.
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
    return found;
  }

  private clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
