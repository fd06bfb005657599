import type { ChatEvent } from '../../core/model.js';
import { V2Shapes } from './render.js';

/**
 * API 2.0's wire form of events: `{"event_id":N,"message":{…}}` in an observe reply. Each event is
 * serialized once and shared by every reply that carries it, and a one-event reply is one shared buffer
 * for a whole fan-out. Long poll, SSE and WebSocket all carry these replies.
 */
export class V2Codec {
  private readonly eventJson = new WeakMap<ChatEvent, string>();
  private readonly singleReply = new WeakMap<ChatEvent, Buffer>();
  readonly shapes: V2Shapes;

  constructor(publicUrl: string) {
    this.shapes = new V2Shapes(publicUrl);
  }

  event(e: ChatEvent): string {
    let json = this.eventJson.get(e);
    if (json === undefined) {
      json = `{"event_id":${e.id},"${e.fact.kind}":${this.factJson(e)}}`;
      this.eventJson.set(e, json);
    }
    return json;
  }

  /** The observe reply: `{"status":"ok","counter":N,"events":[…]}`. */
  reply(events: readonly ChatEvent[], counter: number): Buffer | string {
    if (events.length === 1) {
      const e = events[0] as ChatEvent;
      let buf = this.singleReply.get(e);
      if (!buf) {
        buf = Buffer.from(`{"status":"ok","counter":${e.id},"events":[${this.event(e)}]}`);
        this.singleReply.set(e, buf);
      }
      return buf;
    }
    return `{"status":"ok","counter":${counter},"events":[${events.map((e) => this.event(e)).join(',')}]}`;
  }

  private factJson({ fact, roomId, createdAt }: ChatEvent): string {
    switch (fact.kind) {
      case 'message':
        return JSON.stringify(this.shapes.message(fact.message));
      case 'presence':
        return JSON.stringify(this.shapes.presence(roomId, fact.presence, createdAt));
      case 'membership':
        return JSON.stringify(this.shapes.membership(roomId, fact.membership));
      case 'access':
      case 'occupancy':
      case 'account':
        throw new Error(
          'access facts, occupancy lines and account changes are never sent to API 2.0 clients',
        );
    }
  }
}
