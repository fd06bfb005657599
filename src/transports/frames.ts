import type { ChatEvent } from '../core/model.js';
import { observeReply } from '../api/v2/wire.js';

const sseSingle = new WeakMap<ChatEvent, Buffer>();

/**
 * Stream messages have the shape of an observe reply (`{"status":"ok","counter":N,"events":[...]}`), so
 * one client parser serves long poll, SSE and WebSocket alike. One-event messages are shared buffers.
 */
export function streamMessage(events: readonly ChatEvent[], counter: number): Buffer | string {
  return observeReply(events, counter);
}

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
