import type { ChatEvent } from '../core/model.js';
import { observeReply } from '../api/v2/wire.js';

const sseSingle = new WeakMap<ChatEvent, Buffer>();
const wsSingle = new WeakMap<ChatEvent, Buffer>();

// Stream messages have the shape of an observe reply (`{"status":"ok","counter":N,"events":[...]}`), so one
// client parser serves long poll, SSE and WebSocket alike. One-event messages are shared buffers.

/** An SSE frame whose `id` is the counter, so EventSource resumes by itself with Last-Event-ID. */
export function sseFrame(events: readonly ChatEvent[], counter: number): Buffer | string {
  if (events.length === 1 && (events[0] as ChatEvent).id === counter) {
    const e = events[0] as ChatEvent;
    let frame = sseSingle.get(e);
    if (!frame) {
      frame = Buffer.from(`id: ${counter}\ndata: ${observeReply(events, counter).toString()}\n\n`);
      sseSingle.set(e, frame);
    }
    return frame;
  }
  return `id: ${counter}\ndata: ${observeReply(events, counter).toString()}\n\n`;
}

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

/**
 * A stream message as a ready WebSocket frame: a whole fan-out of one event writes the same bytes to every
 * socket, framed once.
 */
export function wsFrame(events: readonly ChatEvent[], counter: number): Buffer {
  if (events.length === 1 && (events[0] as ChatEvent).id === counter) {
    const e = events[0] as ChatEvent;
    let frame = wsSingle.get(e);
    if (!frame) {
      frame = wsTextFrame(observeReply(events, counter));
      wsSingle.set(e, frame);
    }
    return frame;
  }
  return wsTextFrame(observeReply(events, counter));
}
