import type { ChatEvent } from '../../core/model.js';

// Serialized once per event and shared by every reply that carries it.
const eventJson = new WeakMap<ChatEvent, string>();
const singleReply = new WeakMap<ChatEvent, Buffer>();

export function serializeEvent(e: ChatEvent): string {
  let json = eventJson.get(e);
  if (json === undefined) {
    const body = e.body;
    const inner =
      body.kind === 'message'
        ? JSON.stringify(body.message)
        : body.kind === 'presence'
          ? JSON.stringify(body.presence)
          : JSON.stringify(body.membership);
    json = `{"event_id":${e.id},"${body.kind}":${inner}}`;
    eventJson.set(e, json);
  }
  return json;
}

/** The observe reply; the common one-event reply is one shared buffer for the whole fan-out. */
export function observeReply(events: readonly ChatEvent[], counter: number): Buffer | string {
  if (events.length === 1) {
    const e = events[0] as ChatEvent;
    let buf = singleReply.get(e);
    if (!buf) {
      buf = Buffer.from(`{"status":"ok","counter":${e.id},"events":[${serializeEvent(e)}]}`);
      singleReply.set(e, buf);
    }
    return buf;
  }
  return `{"status":"ok","counter":${counter},"events":[${events.map(serializeEvent).join(',')}]}`;
}
