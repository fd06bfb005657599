import { Agent, request } from 'node:http';
import { DOMParser, onWarningStopParsing, type Element, type Node } from '@xmldom/xmldom';

/**
 * A Lingr API 1.0 client of our own, written from the wire contract (spec 7, 2.2–2.4) and nothing else:
 * it calls any method by GET or POST, in XML (the default) or JSON, checks the status and content type
 * every v1 client relies on, and reads XML with a real parser into the very shape the JSON form has.
 */

/** A v1 reply as JSON has it; the XML form has the same shape with every number and boolean a string. */
export type V1Value = string | number | boolean | null | V1Value[] | V1Object;
export interface V1Object {
  [key: string]: V1Value;
}

export type V1Format = 'xml' | 'json';
export type V1Verb = 'GET' | 'POST';

/** A v1 message or occupant, its values as strings whichever format carried them. */
export interface V1Record {
  readonly [key: string]: string | undefined;
}
export interface V1Message extends V1Record {
  readonly id: string;
  readonly type: string;
  readonly text: string;
}
export interface V1Occupant extends V1Record {
  readonly id: string;
}

export const XML_TYPE = 'text/xml; charset=utf-8';
export const JSON_TYPE = 'text/javascript; charset=utf-8';

/** List elements of 7.7 and the name of their children: a plural element holding singular ones. */
const LIST_ITEMS: Readonly<Record<string, string>> = {
  occupants: 'occupant',
  messages: 'message',
  rooms: 'room',
  tags: 'tag',
  owned_rooms: 'room',
  favorite_rooms: 'room',
  monitored_rooms: 'room',
  visited_rooms: 'room',
  occupied_rooms: 'room',
};

/** The v1 reply was not what the contract promises (transport, type, syntax, shape). */
export class V1ProtocolError extends Error {}

/** A well-formed v1 reply whose `status` was `fail`. */
export class V1Failure extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly reply: V1Object,
  ) {
    super(`${method} failed with ${code}: ${JSON.stringify(reply.error)}`);
  }
}

/** `room.getMessages` → `room/get_messages`; a path is kept as it is. */
export function methodPath(method: string): string {
  if (method.includes('/')) return method;
  const dot = method.indexOf('.');
  if (dot < 1) throw new Error(`not a v1 method name: ${method}`);
  const snake = method.slice(dot + 1).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return `${method.slice(0, dot)}/${snake}`;
}

// ---------------------------------------------------------------------------------------------------
// XML

/** XML 1.0 `Char`: tab, newline, carriage return and the ranges below; no surrogate stands alone. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const REFERENCE = /^&(?:lt|gt|amp|quot|apos|#([0-9]+)|#x([0-9A-Fa-f]+));/;

/**
 * What xmldom lets through although XML forbids it, and what a careless escaper produces: a bare `&`,
 * a reference to a character XML cannot hold (`&#0;`), control characters, lone surrogates, `]]>` in text,
 * and a declared encoding other than UTF-8.
 */
export function xmlLexicalProblem(text: string): string | undefined {
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    if (!isXmlChar(cp) || (cp >= 0xd800 && cp <= 0xdfff))
      return `character U+${cp.toString(16).toUpperCase().padStart(4, '0')} at ${i} is not allowed in XML`;
    i += cp > 0xffff ? 2 : 1;
  }
  const declaration = /^<\?xml\s[^?]*\?>/.exec(text)?.[0];
  const encoding = declaration && /encoding\s*=\s*["']([^"']*)["']/.exec(declaration)?.[1];
  if (encoding !== undefined && encoding !== null && encoding.toLowerCase() !== 'utf-8')
    return `the declared encoding is ${encoding}, not UTF-8`;
  // CDATA sections hold `&` and `]]>`-free text verbatim; everything else must escape them.
  const outside = text.split(/<!\[CDATA\[[\s\S]*?\]\]>/);
  for (const part of outside) {
    if (part.includes(']]>')) return '`]]>` outside a CDATA section';
    for (let at = part.indexOf('&'); at >= 0; at = part.indexOf('&', at + 1)) {
      const ref = REFERENCE.exec(part.slice(at, at + 12));
      if (!ref) return `a bare "&" near ${JSON.stringify(part.slice(at, at + 12))}`;
      const digits = ref[1] ?? ref[2];
      if (digits !== undefined) {
        const cp = parseInt(digits, ref[1] !== undefined ? 10 : 16);
        if (!isXmlChar(cp)) return `the reference ${ref[0]} names a character XML cannot hold`;
      }
    }
  }
  return undefined;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < node.childNodes.length; i++) out.push(node.childNodes.item(i) as Node);
  return out;
}

/** One element as 7.7 maps it: a list, an object of its children, or the text of a leaf. */
function fromElement(el: Element, path: string): V1Value {
  if (el.attributes.length > 0) throw new V1ProtocolError(`<${path}> has attributes; 7.7 has none`);
  const nodes = children(el);
  const elements: Element[] = [];
  let text = '';
  for (const n of nodes) {
    if (n.nodeType === ELEMENT_NODE) elements.push(n as Element);
    else if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) text += n.nodeValue ?? '';
    else throw new V1ProtocolError(`<${path}> holds a node of type ${n.nodeType}`);
  }
  const item = LIST_ITEMS[el.tagName];
  if (item !== undefined) {
    if (text.trim() !== '') throw new V1ProtocolError(`list <${path}> holds text`);
    return elements.map((child, i) => {
      if (child.tagName !== item)
        throw new V1ProtocolError(`list <${path}> holds <${child.tagName}>, not <${item}>`);
      return fromElement(child, `${path}/${item}[${i}]`);
    });
  }
  if (elements.length === 0) return text;
  if (text.trim() !== '') throw new V1ProtocolError(`<${path}> mixes text and elements`);
  const object: V1Object = {};
  for (const child of elements) {
    const key = child.tagName;
    if (Object.hasOwn(object, key)) throw new V1ProtocolError(`<${path}> has <${key}> twice`);
    object[key] = fromElement(child, `${path}/${key}`);
  }
  return object;
}

/**
 * Parses a v1 XML reply into the JSON form's shape: root `<response>`, each key an element, plural list
 * elements holding singular children, `<tags/>` an empty list, leaves as strings. Any parser error or
 * warning, and anything outside that shape, throws.
 */
export function parseV1Xml(text: string): V1Object {
  const problem = xmlLexicalProblem(text);
  if (problem !== undefined) throw new V1ProtocolError(`malformed XML: ${problem}`);
  let doc;
  try {
    doc = new DOMParser({
      // Every warning too: a reply the parser had to guess about is not well-formed.
      onError: () => onWarningStopParsing(),
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    throw new V1ProtocolError(`malformed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const root = doc.documentElement;
  if (!root || root.tagName !== 'response')
    throw new V1ProtocolError(`the root element is <${root?.tagName ?? ''}>, not <response>`);
  const reply = fromElement(root, 'response');
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply) || typeof reply.status !== 'string')
    throw new V1ProtocolError('<response> has no <status>');
  return reply;
}

/** A JSON reply in the shape its XML twin parses to: numbers and booleans as strings, null keys left out. */
export function asXmlShape(value: V1Value): V1Value {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(asXmlShape);
  if (value !== null && typeof value === 'object') {
    const out: V1Object = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = asXmlShape(v);
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Reading replies

const isObject = (v: V1Value | undefined): v is V1Object =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A whole number from a JSON number or an XML string of digits (a minus sign allowed). */
export function toCount(value: V1Value | undefined, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return Number(value);
  throw new V1ProtocolError(`${what} is not a whole number: ${JSON.stringify(value)}`);
}

/** A number of seconds, whole or not (a test server may hold for 1.5 s), from JSON or an XML string. */
export function toSeconds(value: V1Value | undefined, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value);
  throw new V1ProtocolError(`${what} is not a number of seconds: ${JSON.stringify(value)}`);
}

/** A flat v1 object (message, occupant) with its values as strings. */
function record(value: V1Value, what: string): V1Record {
  if (!isObject(value)) throw new V1ProtocolError(`${what} is not an object: ${JSON.stringify(value)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    if (typeof v === 'object') throw new V1ProtocolError(`${what}.${k} is not a plain value`);
    out[k] = String(v);
  }
  return out;
}

function list(reply: V1Object, key: string): V1Value[] {
  const value = reply[key];
  if (!Array.isArray(value)) throw new V1ProtocolError(`\`${key}\` is not a list: ${JSON.stringify(value)}`);
  return value;
}

function messagesOf(reply: V1Object): V1Message[] {
  return list(reply, 'messages').map((m, i) => {
    const r = record(m, `messages[${i}]`);
    if (r.id === undefined || r.type === undefined || r.text === undefined)
      throw new V1ProtocolError(`messages[${i}] lacks id, type or text: ${JSON.stringify(m)}`);
    return r as V1Message;
  });
}

function occupantsOf(reply: V1Object): V1Occupant[] {
  return list(reply, 'occupants').map((o, i) => {
    const r = record(o, `occupants[${i}]`);
    if (r.id === undefined) throw new V1ProtocolError(`occupants[${i}] has no id`);
    return r as V1Occupant;
  });
}

function text(reply: V1Object, key: string): string {
  const value = reply[key];
  if (typeof value !== 'string' || value === '')
    throw new V1ProtocolError(`\`${key}\` is not a non-empty string: ${JSON.stringify(value)}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The client

export interface V1CallOptions {
  verb?: V1Verb;
  format?: V1Format;
  /** Aborting it drops the connection, as a client that gives up does. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type V1Params = Record<string, string | number | boolean | undefined>;

/** What came over the wire for one call, and the reply read from it. */
export interface V1Exchange {
  contentType: string;
  text: string;
  reply: V1Object;
}

export interface V1Entered {
  occupantId: string;
  ticket: string;
  maxObserveTime: number;
  /** The room's counter: where this occupant's first observe starts. */
  counter: number;
  room: V1Object;
  occupants: V1Occupant[];
  reply: V1Object;
}

export interface V1Observed {
  /** Undefined for a status-only reply (nothing happened during the hold). */
  counter: number | undefined;
  messages: V1Message[];
  /** Present when the roster changed since the counter sent. */
  occupants: V1Occupant[] | undefined;
  reply: V1Object;
}

export interface V1Said {
  message: V1Message;
  counter: number;
}

/** Connections kept alive between calls, as a real client does; each held observe takes one. */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export class V1Client {
  /** The session made by `createSession` (or set by hand), sent with every helper's call. */
  session: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly defaults: { format?: V1Format; verb?: V1Verb; apiKey?: string } = {},
  ) {}

  /** One call, over the wire as the options say; checks HTTP 200 and the content type, parses the body. */
  async exchange(method: string, params: V1Params = {}, o: V1CallOptions = {}): Promise<V1Exchange> {
    const format = o.format ?? this.defaults.format ?? 'xml';
    const verb = o.verb ?? this.defaults.verb ?? 'GET';
    const fields = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) fields.append(k, String(v));
    if (format === 'json') fields.set('format', 'json');
    const body = fields.toString();
    const path = `/api/${methodPath(method)}`;
    const url = new URL(verb === 'GET' && body ? `${path}?${body}` : path, this.baseUrl);
    const wire = await send(url, verb, verb === 'POST' ? body : undefined, o);
    if (wire.status !== 200)
      throw new V1ProtocolError(`${method}: HTTP ${wire.status}: ${wire.text.slice(0, 300)}`);
    const expected = format === 'json' ? JSON_TYPE : XML_TYPE;
    if (wire.contentType.replace(/\s+/g, ' ').toLowerCase() !== expected)
      throw new V1ProtocolError(`${method}: Content-Type "${wire.contentType}", not "${expected}"`);
    const reply = format === 'json' ? parseV1Json(wire.text) : parseV1Xml(wire.text);
    return { contentType: wire.contentType, text: wire.text, reply };
  }

  /** One call's reply, whether it succeeded or failed. */
  async call(method: string, params: V1Params = {}, o: V1CallOptions = {}): Promise<V1Object> {
    return (await this.exchange(method, params, o)).reply;
  }

  /** One call that must succeed: a `fail` reply throws a V1Failure with its numeric code. */
  async ok(method: string, params: V1Params = {}, o: V1CallOptions = {}): Promise<V1Object> {
    const reply = await this.call(method, params, o);
    if (reply.status === 'ok') return reply;
    if (reply.status === 'fail' && isObject(reply.error))
      throw new V1Failure(method, toCount(reply.error.code, 'error.code'), reply);
    throw new V1ProtocolError(`${method}: status ${JSON.stringify(reply.status)} is neither ok nor fail`);
  }

  private sessionParam(): string {
    if (this.session === undefined) throw new Error('no v1 session: call createSession first');
    return this.session;
  }

  async createSession(clientType?: 'human' | 'automaton', o: V1CallOptions = {}): Promise<string> {
    const reply = await this.ok(
      'session.create',
      { api_key: this.defaults.apiKey ?? '0123456789abcdef0123456789abcdef', client_type: clientType },
      o,
    );
    this.session = text(reply, 'session');
    return this.session;
  }

  login(email: string, password: string, o: V1CallOptions = {}): Promise<V1Object> {
    return this.ok('auth.login', { session: this.sessionParam(), email, password }, o);
  }

  async enter(
    room: string,
    options: { nickname?: string; idempotent?: boolean; password?: string } = {},
    o: V1CallOptions = {},
  ): Promise<V1Entered> {
    const reply = await this.ok(
      'room.enter',
      {
        session: this.sessionParam(),
        id: room,
        nickname: options.nickname,
        idempotent: options.idempotent,
        password: options.password,
      },
      o,
    );
    const roomObject = reply.room;
    if (!isObject(roomObject)) throw new V1ProtocolError('room.enter: `room` is not an object');
    return {
      occupantId: text(reply, 'occupant_id'),
      ticket: text(reply, 'ticket'),
      maxObserveTime: toSeconds(reply.max_observe_time, 'max_observe_time'),
      counter: toCount(roomObject.counter, 'room.counter'),
      room: roomObject,
      occupants: occupantsOf(reply),
      reply,
    };
  }

  async observe(ticket: string, counter: number, o: V1CallOptions = {}): Promise<V1Observed> {
    const reply = await this.ok('room.observe', { session: this.sessionParam(), ticket, counter }, o);
    if (reply.counter === undefined && reply.messages === undefined)
      return { counter: undefined, messages: [], occupants: undefined, reply };
    return {
      counter: toCount(reply.counter, 'counter'),
      messages: messagesOf(reply),
      occupants: reply.occupants === undefined ? undefined : occupantsOf(reply),
      reply,
    };
  }

  /**
   * Observes from `counter` until a message satisfying `wanted` arrives, passing each reply's counter on;
   * returns every message seen on the way (oldest first) and the newest occupants list.
   */
  async observeUntil(
    ticket: string,
    counter: number,
    wanted: (m: V1Message) => boolean,
    timeoutMs = 10_000,
    o: V1CallOptions = {},
  ): Promise<{ messages: V1Message[]; counter: number; occupants: V1Occupant[] | undefined }> {
    const until = Date.now() + timeoutMs;
    const messages: V1Message[] = [];
    let occupants: V1Occupant[] | undefined;
    let at = counter;
    while (Date.now() < until) {
      const r = await this.observe(ticket, at, o);
      messages.push(...r.messages);
      occupants = r.occupants ?? occupants;
      if (r.counter !== undefined) at = r.counter;
      if (r.messages.some(wanted)) return { messages, counter: at, occupants };
    }
    throw new Error(`no wanted message within ${timeoutMs} ms; saw ${JSON.stringify(messages)}`);
  }

  async say(
    ticket: string,
    message: string,
    options: { occupantId?: string } = {},
    o: V1CallOptions = {},
  ): Promise<V1Said> {
    const reply = await this.ok(
      'room.say',
      { session: this.sessionParam(), ticket, message, occupant_id: options.occupantId },
      o,
    );
    const said = record(reply.message ?? null, 'message') as V1Message;
    if (said.id === undefined) throw new V1ProtocolError('room.say: the message has no id');
    return { message: said, counter: toCount(reply.counter, 'counter') };
  }

  exit(ticket: string, o: V1CallOptions = {}): Promise<V1Object> {
    return this.ok('room.exit', { session: this.sessionParam(), ticket }, o);
  }

  async getMessages(
    ticket: string,
    counter: number,
    o: V1CallOptions = {},
  ): Promise<{ counter: number; messages: V1Message[]; reply: V1Object }> {
    const reply = await this.ok('room.getMessages', { session: this.sessionParam(), ticket, counter }, o);
    return { counter: toCount(reply.counter, 'counter'), messages: messagesOf(reply), reply };
  }

  setNickname(ticket: string, nickname: string, o: V1CallOptions = {}): Promise<V1Object> {
    return this.ok('room.setNickname', { session: this.sessionParam(), ticket, nickname }, o);
  }
}

/** A JSON reply: an object with a string `status`, or it throws. */
export function parseV1Json(text: string): V1Object {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new V1ProtocolError(
      `not JSON: ${err instanceof Error ? err.message : String(err)}: ${text.slice(0, 200)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new V1ProtocolError(`the JSON reply is not an object: ${text.slice(0, 200)}`);
  const reply = value as V1Object;
  if (typeof reply.status !== 'string') throw new V1ProtocolError('the JSON reply has no status');
  return reply;
}

function send(
  url: URL,
  verb: V1Verb,
  body: string | undefined,
  o: V1CallOptions,
): Promise<{ status: number; contentType: string; text: string }> {
  const headers: Record<string, string | number> = {};
  if (body !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = Buffer.byteLength(body);
  }
  const timeoutMs = o.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: verb, agent, headers, timeout: timeoutMs, signal: o.signal },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(parts);
          const decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
          let text: string;
          try {
            text = decoded.decode(raw);
          } catch {
            return reject(new V1ProtocolError(`${url.pathname}: the body is not UTF-8`));
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${verb} ${url.pathname}`)));
    req.on('error', reject);
    req.end(body);
  });
}
