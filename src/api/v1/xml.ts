/** A reply as API 1.0 builds it: plain values, lists and objects, written as XML or JSON (spec 7.1, 7.7). */
export type V1Value = string | number | boolean | null | undefined | readonly V1Value[] | V1Object;
export interface V1Object {
  readonly [key: string]: V1Value;
}

// Characters XML 1.0 does not allow at all (most C0 controls, lone surrogates, U+FFFE and U+FFFF).
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Text as XML character data: every markup character escaped, characters XML cannot carry replaced. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** The element name of one item of a list (spec 7.7): `occupants/occupant`, `owned_rooms/room`. */
export function singular(list: string): string {
  if (list.endsWith('rooms')) return 'room';
  return list.endsWith('s') ? list.slice(0, -1) : 'item';
}

/** One element; absent values are left out, empty lists and objects are empty elements (`<tags/>`). */
function element(name: string, value: V1Value): string {
  if (value === undefined) return '';
  if (value === null) return `<${name}/>`;
  if (Array.isArray(value)) {
    const items = value as readonly V1Value[];
    if (items.length === 0) return `<${name}/>`;
    const item = singular(name);
    return `<${name}>${items.map((v) => element(item, v)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = children(value as V1Object);
    return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function children(o: V1Object): string {
  let out = '';
  for (const [key, value] of Object.entries(o)) out += element(key, value);
  return out;
}

/** The whole reply under `<response>` (spec 7.7). Keys are the API's own names, never user text. */
export function xmlReply(reply: V1Object): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response>${children(reply)}</response>\n`;
}
