import type { ChatEvent } from '../core/model.js';

/**
 * How a generation of the API writes events on the wire: an observe reply (`counter` and `events`). The
 * transports carry it as it is: a long-poll answer, an SSE frame's data, a WebSocket text frame. A codec
 * serializes each event once for a whole fan-out.
 */
export interface StreamCodec {
  reply(events: readonly ChatEvent[], counter: number): Buffer | string;
}
