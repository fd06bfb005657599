import type { ChatEvent } from '../core/model.js';
import type { StreamCodec } from './codec.js';

/** One unmasked, final WebSocket text frame (RFC 6455 5.2), header and payload in one buffer. */
export function wsTextFrame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = body.length;
  const headerLength = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  body.copy(frame, headerLength);
  return frame;
}

/** An SSE frame whose `id` is the counter, so EventSource resumes by itself with Last-Event-ID. */
export function sseFrame(reply: Buffer | string, counter: number): string {
  return `id: ${counter}\ndata: ${reply.toString()}\n\n`;
}

/**
 * Frames of one transport: a message of one event (the common fan-out) is built once and the same bytes
 * go to every connection; several events make a frame of their own.
 */
export class FrameCache {
  private readonly single = new WeakMap<ChatEvent, Buffer>();

  constructor(
    private readonly codec: StreamCodec,
    private readonly frame: (reply: Buffer | string, counter: number) => Buffer | string,
  ) {}

  get(events: readonly ChatEvent[], counter: number): Buffer | string {
    const only = events.length === 1 ? (events[0] as ChatEvent) : undefined;
    if (!only || only.id !== counter) return this.frame(this.codec.reply(events, counter), counter);
    let frame = this.single.get(only);
    if (!frame) {
      const built = this.frame(this.codec.reply(events, counter), counter);
      frame = typeof built === 'string' ? Buffer.from(built) : built;
      this.single.set(only, frame);
    }
    return frame;
  }
}
