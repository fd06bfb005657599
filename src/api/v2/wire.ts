import type { ChatEvent } from '../../core/model.js';

// Serialized once per event and shared by every reply that carries it.
const eventJson = new WeakMap<ChatEvent, string>();
const singleReply = new WeakMap<ChatEvent, Buffer>();

function bodyJson({ body }: ChatEvent): string {
  switch (body.kind) {
    case 'message':
      return JSON.stringify(body.message);
    case 'presence':
      return JSON.stringify(body.presence);
    case 'membership':
      return JSON.stringify(body.membership);
    case 'access':
      throw new Error('access facts are never sent to clients');
  }
}

export function serializeEvent(e: ChatEvent): string {
  let json = eventJson.get(e);
  if (json === undefined) {
    json = `{"event_id":${e.id},"${e.body.kind}":${bodyJson(e)}}`;
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
