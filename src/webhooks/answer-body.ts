/** Collects an answer's bytes up to a limit, so a bot that streams without end costs at most that. */
export class BoundedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  /** Whether the answer went on past the limit (what was kept stops there). */
  cut = false;

  constructor(private readonly limit: number) {}

  /** Keeps what fits; false once the limit is passed, when the caller should stop reading. */
  add(chunk: Buffer): boolean {
    const room = this.limit - this.size;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size = this.limit;
      this.cut = true;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  /** The bytes kept, decoded as UTF-8; a cut never leaves half a character behind. */
  text(): string {
    const bytes = Buffer.concat(this.chunks, this.size);
    return new TextDecoder('utf-8', { fatal: false }).decode(this.cut ? withoutBrokenTail(bytes) : bytes);
  }
}

/** Drops a trailing UTF-8 sequence that the cut left incomplete (a lead byte missing its continuations). */
export function withoutBrokenTail(bytes: Uint8Array): Uint8Array {
  let lead = bytes.length - 1;
  // A sequence is at most 4 bytes: at most 3 continuation bytes (10xxxxxx) follow its lead byte.
  while (lead >= 0 && bytes.length - lead <= 3 && ((bytes[lead] ?? 0) & 0xc0) === 0x80) lead--;
  if (lead < 0) return bytes;
  const b = bytes[lead] ?? 0;
  const length = b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xc0 && b < 0xe0 ? 2 : 1;
  return bytes.length - lead < length ? bytes.subarray(0, lead) : bytes;
}
