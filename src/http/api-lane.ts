import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../core/ports.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  API_HEADERS,
  API_TYPE,
  jsonp,
  type Abortable,
  type AnswerOptions,
  type ApiExchange,
} from './api-exchange.js';
import { mediaType, parseBody } from './body.js';
import type { ClientAddress } from './client-address.js';
import { hostName } from './headers.js';
import { httpDate } from './http-date.js';
import { parseTarget, type Target } from './request-target.js';
import { errorBody } from './respond.js';

export type LaneHandler = (exchange: ApiExchange, target: Target) => Promise<void>;

/** A plain GET whose connection becomes a stream: the request's method and the headers a stream reads. */
export interface LaneRequest {
  method: string;
  headers: ReadonlyMap<string, string>;
}

/** Takes a connection for good (an event stream): the lane and node:http let go of it. */
export type LaneTakeOver = (socket: Socket, request: LaneRequest, target: Target) => void;

export interface LaneOptions {
  /** The handler of a call the lane may answer itself, or undefined to hand the connection over. */
  route(method: string, path: string): LaneHandler | undefined;
  /** What takes the connection of a plain GET of `path` for good, if anything. */
  takeOver(path: string): LaneTakeOver | undefined;
  /** Gives a connection to node:http, with what was read of it and not yet used. */
  handOver(socket: Socket, index: number, unread: Buffer | undefined): void;
  /** A connection sent its first request. */
  asked(socket: Socket): void;
  headerTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveMs: number;
  /** How often the timeouts are looked at (node:http's servers look as often). */
  checkEveryMs: number;
  bodyLimit: number;
  /** The client's address from the peer's and `X-Forwarded-For` (trusted proxies). */
  clientAddress: ClientAddress;
  log: Logger;
}

/** node:http's default limit on a request head: longer ones go there to be refused. */
const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const NO_BODY = Buffer.alloc(0);

const enum Phase {
  /** Between requests (or before the first): nothing of the next one has come. */
  Waiting,
  /** Part of a request has come; the rest must within the timeouts. */
  Reading,
  /** A request is being answered (a held observe may take minutes). */
  Busy,
}

/** The few request headers an API call reads. */
interface LaneHead {
  host: string | undefined;
  contentType: string | undefined;
  cookie: string | undefined;
  csrf: string | undefined;
  lastEventId: string | undefined;
  forwardedFor: string | undefined;
  length: number;
  close: boolean;
}

/**
 * The API lane: API calls (every long poll's observe, every say) read straight off the socket and
 * answered with one write of the whole response, without node:http's request and response objects,
 * which cost more than the call itself. What it does not take (pages, uploads, chunked bodies, upgrades,
 * HTTP/1.0, anything unusual or malformed) goes to node:http with the bytes read so far, and the
 * connection stays there. Timeouts are node:http's: headers, whole request, idle keep-alive.
 */
export class ApiLane {
  private readonly connections = new Set<LaneConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly options: LaneOptions) {
    this.sweeper = setInterval(() => this.sweep(), options.checkEveryMs).unref();
  }

  /** A new connection, on port number `index`. */
  accept(socket: Socket, index: number): void {
    socket.setNoDelay(true);
    this.connections.add(new LaneConnection(this, socket, index));
  }

  /** Closes the connections that are between requests (shutdown). */
  closeIdle(): void {
    for (const c of this.connections) if (c.idle) c.socket.destroy();
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const c of this.connections) c.socket.destroy();
  }

  forget(connection: LaneConnection): void {
    this.connections.delete(connection);
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.connections) c.expire(now);
  }
}

class LaneConnection {
  private unread: Buffer | undefined;
  private phase = Phase.Waiting;
  /** When the current phase began. */
  private since = Date.now();
  private headDone = false;
  private asked = false;
  private current: LaneExchange | undefined;
  private peerEnded = false;

  /** The client's address, given what `X-Forwarded-For` said (if the peer is a proxy we trust). */
  clientAddress(forwardedFor: string | undefined): string {
    return this.lane.options.clientAddress(this.socket.remoteAddress ?? '', forwardedFor);
  }

  constructor(
    private readonly lane: ApiLane,
    readonly socket: Socket,
    private readonly index: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('error', noop);
    // A connection the cluster's primary accepted paused.
    if (socket.isPaused()) socket.resume();
  }

  get idle(): boolean {
    return this.phase === Phase.Waiting && this.unread === undefined;
  }

  /** Closes the connection if it broke a timeout. */
  expire(now: number): void {
    const { options } = this.lane;
    if (this.phase === Phase.Busy) return;
    if (this.phase === Phase.Waiting) {
      // A connection that never asked anything is held to the header timeout, like a slow head.
      const limit = this.asked ? options.keepAliveMs : options.headerTimeoutMs;
      if (now - this.since > limit) this.socket.destroy();
      return;
    }
    const limit = this.headDone ? options.requestTimeoutMs : options.headerTimeoutMs;
    if (now - this.since > limit) {
      this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      this.socket.destroySoon();
      this.phase = Phase.Busy;
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    this.unread = this.unread ? Buffer.concat([this.unread, chunk]) : chunk;
    if (this.phase === Phase.Busy) {
      // Pipelined requests wait for the answer in hand; a client that keeps sending is made to wait too.
      if (this.unread.length > MAX_HEAD + this.lane.options.bodyLimit) this.socket.pause();
      return;
    }
    this.next();
  };

  private readonly onEnd = (): void => {
    this.peerEnded = true;
    if (this.phase !== Phase.Busy) this.socket.end();
  };

  private readonly onClose = (): void => {
    this.lane.forget(this);
    this.current?.abort();
    this.current = undefined;
  };

  /** Reads the next request from what has come, and answers it or hands the connection over. */
  private next(): void {
    const buf = this.unread;
    if (!buf) return;
    if (this.phase === Phase.Waiting) {
      this.phase = Phase.Reading;
      this.since = Date.now();
      this.headDone = false;
    }
    const end = buf.indexOf(HEAD_END);
    if (end < 0 ? buf.length > MAX_HEAD : end > MAX_HEAD) return this.handOver();
    if (end < 0) return;
    if (!this.asked) {
      this.asked = true;
      this.lane.options.asked(this.socket);
    }
    this.headDone = true;
    const text = buf.toString('latin1', 0, end);
    const lineEnd = text.indexOf('\r\n');
    const requestLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
    const sp1 = requestLine.indexOf(' ');
    const sp2 = requestLine.indexOf(' ', sp1 + 1);
    const method = requestLine.slice(0, sp1);
    if ((method !== 'GET' && method !== 'POST') || requestLine.slice(sp2 + 1) !== 'HTTP/1.1')
      return this.handOver();
    const rawTarget = requestLine.slice(sp1 + 1, sp2);
    const target = rawTarget.startsWith('/') ? parseTarget(rawTarget) : undefined;
    const takeOver = target && method === 'GET' ? this.lane.options.takeOver(target.path) : undefined;
    const handler = target && !takeOver ? this.lane.options.route(method, target.path) : undefined;
    const head = (handler || takeOver) && lineEnd > 0 ? readHead(text, lineEnd + 2) : undefined;
    if (takeOver && target && head && head.length === 0) return this.giveUp(takeOver, head, target);
    if (!target || !handler || !head || head.length > this.lane.options.bodyLimit) return this.handOver();
    const bodyStart = end + HEAD_END.length;
    const total = bodyStart + head.length;
    if (buf.length < total) return;
    this.unread = buf.length > total ? buf.subarray(total) : undefined;
    this.phase = Phase.Busy;
    // A held call keeps its exchange for minutes: an empty body must not keep the chunk it came in.
    const body = head.length === 0 ? NO_BODY : buf.subarray(bodyStart, total);
    const exchange = new LaneExchange(this, method, head, body);
    this.current = exchange;
    handler(exchange, target).catch((err: unknown) => {
      this.lane.options.log.error({ err, path: target.path }, 'request failed');
      const detail = 'Something went wrong on our side; please try again.';
      exchange.send(errorBody(ErrorCode.internalError, detail), { status: 500, close: true });
    });
  }

  /** Writes the answer of `exchange` and goes on to the next request. */
  finish(exchange: LaneExchange, bytes: Buffer, close: boolean): void {
    if (exchange !== this.current) return;
    this.current = undefined;
    this.socket.write(bytes);
    if (close || this.peerEnded) {
      this.socket.destroySoon();
      return;
    }
    this.phase = Phase.Waiting;
    this.since = Date.now();
    if (this.socket.isPaused()) this.socket.resume();
    // A pipelined request waits for this turn to end, so answers never nest inside each other.
    if (this.unread) process.nextTick(() => this.phase === Phase.Waiting && this.next());
  }

  /** node:http takes the connection from here on, with the bytes not yet used. */
  private handOver(): void {
    const unread = this.unread;
    this.release();
    this.lane.options.handOver(this.socket, this.index, unread);
  }

  /** A stream takes the connection for good; a client sends nothing more on it. */
  private giveUp(takeOver: LaneTakeOver, head: LaneHead, target: Target): void {
    this.release();
    this.socket.on('error', noop);
    const headers = new Map<string, string>();
    if (head.cookie !== undefined) headers.set('cookie', head.cookie);
    if (head.lastEventId !== undefined) headers.set('last-event-id', head.lastEventId);
    takeOver(this.socket, { method: 'GET', headers }, target);
  }

  private release(): void {
    const { socket } = this;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', noop);
    this.lane.forget(this);
    this.unread = undefined;
  }
}

/**
 * The headers of a request head, from `from` (after the request line); undefined for anything the lane
 * leaves to node:http: bodies not sent whole with a length, upgrades, `Expect`, folded or odd lines.
 */
function readHead(text: string, from: number): LaneHead | undefined {
  const head: LaneHead = {
    host: undefined,
    contentType: undefined,
    cookie: undefined,
    csrf: undefined,
    lastEventId: undefined,
    forwardedFor: undefined,
    length: 0,
    close: false,
  };
  let lengthSeen = false;
  let pos = from;
  while (pos < text.length) {
    let eol = text.indexOf('\r\n', pos);
    if (eol < 0) eol = text.length;
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon > eol) return undefined;
    for (let i = pos; i < eol; i++) {
      const c = text.charCodeAt(i);
      // Control characters (a bare CR or LF among them) and whitespace before the colon are refused there.
      if ((c < 0x20 && c !== 0x09) || c === 0x7f || (i < colon && (c === 0x20 || c === 0x09)))
        return undefined;
    }
    const name = text.slice(pos, colon).toLowerCase();
    const value = text.slice(colon + 1, eol).trim();
    pos = eol + 2;
    switch (name) {
      case 'host':
        if (head.host !== undefined) return undefined;
        head.host = hostName(value);
        break;
      case 'content-length':
        if (lengthSeen || !/^\d{1,15}$/.test(value)) return undefined;
        lengthSeen = true;
        head.length = Number(value);
        break;
      case 'content-type':
        head.contentType = value;
        break;
      case 'cookie':
        head.cookie = head.cookie === undefined ? value : `${head.cookie}; ${value}`;
        break;
      case 'x-lingr-csrf':
        head.csrf = value;
        break;
      case 'last-event-id':
        head.lastEventId = value;
        break;
      case 'x-forwarded-for':
        head.forwardedFor = head.forwardedFor === undefined ? value : `${head.forwardedFor}, ${value}`;
        break;
      case 'connection': {
        const tokens = value.toLowerCase();
        if (tokens.includes('upgrade')) return undefined;
        if (/(^|,)\s*close\s*(,|$)/.test(tokens)) head.close = true;
        break;
      }
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return undefined;
    }
  }
  if (head.host === undefined) return undefined;
  // Uploads are rare: node:http's multipart reader takes them.
  if (head.length > 0 && mediaType(head.contentType) === 'multipart/form-data') return undefined;
  return head;
}

/** One call read by the lane. */
class LaneExchange implements ApiExchange {
  ended = false;
  private work: Abortable | undefined;
  private readonly closeAsked: boolean;
  /** Dropped once the call is held: its answer needs none of it. */
  private head: LaneHead | undefined;
  private body: Buffer | undefined;

  constructor(
    private readonly connection: LaneConnection,
    readonly method: string,
    head: LaneHead,
    body: Buffer,
  ) {
    this.head = head;
    this.body = body;
    this.closeAsked = head.close;
  }

  host(): string | undefined {
    return this.head?.host;
  }

  header(name: string): string | undefined {
    if (name === 'cookie') return this.head?.cookie;
    if (name === 'x-lingr-csrf') return this.head?.csrf;
    if (name === 'content-type') return this.head?.contentType;
    return undefined;
  }

  address(): string {
    return this.connection.clientAddress(this.head?.forwardedFor);
  }

  /** The body came whole, within the limit (the lane takes no other), and is not multipart. */
  readBody(into: Map<string, string>): undefined {
    if (this.body) parseBody(mediaType(this.head?.contentType), this.body, into);
    return undefined;
  }

  /** Multipart bodies go to node:http: the lane never has a file. */
  upload(): undefined {
    return undefined;
  }

  send(body: Buffer | string, options?: AnswerOptions): void {
    if (this.ended) return;
    this.ended = true;
    this.work = undefined;
    const close = (options?.close ?? false) || this.closeAsked;
    this.connection.finish(this, render(body, options, close), close);
  }

  /** The call is held until `work` answers it, or the client goes away. */
  onAbort(work: Abortable): void {
    if (this.ended) return work.cancel();
    this.work = work;
    this.head = undefined;
    this.body = undefined;
  }

  /** The client went away before the answer. */
  abort(): void {
    if (this.ended) return;
    this.ended = true;
    this.work?.cancel();
    this.work = undefined;
  }
}

const FIXED = API_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join('');

/** Whole answers for shared bodies (one observe reply goes to a whole room): built once a second. */
const prebuilt = new WeakMap<Buffer, { date: string; bytes: Buffer }>();

/** A whole response: status line, headers and body, in one buffer. */
function render(body: Buffer | string, options: AnswerOptions | undefined, close: boolean): Buffer {
  const date = httpDate();
  const plain = !close && options?.callback === undefined && options?.status === undefined;
  const shared =
    plain && Buffer.isBuffer(body) && options?.type === undefined && options?.extra === undefined;
  if (shared) {
    const cached = prebuilt.get(body);
    if (cached && cached.date === date) return cached.bytes;
  }
  const payload = options?.callback ? jsonp(options.callback, body.toString()) : body;
  const status = options?.status ?? 200;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  if (status !== 204)
    head += `content-type: ${options?.type ?? API_TYPE}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`;
  head += `${FIXED}date: ${date}\r\n`;
  for (const [name, value] of options?.extra ?? []) head += `${name}: ${value}\r\n`;
  head += close ? 'connection: close\r\n\r\n' : '\r\n';
  let bytes: Buffer;
  if (typeof payload === 'string') bytes = Buffer.from(head + payload);
  else {
    bytes = Buffer.allocUnsafe(head.length + payload.length);
    bytes.write(head, 0, 'latin1');
    payload.copy(bytes, head.length);
  }
  if (shared) prebuilt.set(body as Buffer, { date, bytes });
  return bytes;
}

function noop(): void {}
