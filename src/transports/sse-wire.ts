import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { headerOf } from '../http/headers.js';
import type { Outlet } from './stream-connection.js';

/** The response head of every event stream. */
export const STREAM_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['content-type', 'text/event-stream; charset=utf-8'],
  ['cache-control', 'no-cache'],
  ['access-control-allow-origin', '*'],
  // Proxies (nginx) must pass each frame on at once.
  ['x-accel-buffering', 'no'],
];

/**
 * One event-stream request and its response: a node:http response, or a bare socket the API lane took
 * off node:http's hands (a held stream then keeps no request, response or parser objects).
 */
export interface SseWire {
  readonly method: string;
  /** A request header by its lower-case name (`last-event-id`, `cookie`). */
  header(name: string): string | undefined;
  /** Takes frames once `open` has sent the head. */
  readonly outlet: Outlet;
  /** Sends the stream's head (200). */
  open(): void;
  /** Sends `last` (the head first if not sent yet) and ends the stream. */
  close(last: string): void;
  onClose(listener: () => void): void;
  readonly gone: boolean;
}

/** A stream answered through node:http (HEAD, and what the lane leaves). */
export class NodeSseWire implements SseWire {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  header(name: string): string | undefined {
    return headerOf(this.req, name);
  }

  get outlet(): Outlet {
    return this.res;
  }

  open(): void {
    this.res.writeHead(200, Object.fromEntries(STREAM_HEADERS));
  }

  close(last: string): void {
    if (this.res.writableEnded) return;
    if (!this.res.headersSent) this.open();
    this.res.end(last);
  }

  onClose(listener: () => void): void {
    this.res.on('close', listener);
  }

  get gone(): boolean {
    return this.res.destroyed;
  }
}

const HEAD = `HTTP/1.1 200 OK\r\n${STREAM_HEADERS.map(([n, v]) => `${n}: ${v}\r\n`).join('')}connection: close\r\n\r\n`;

/**
 * A stream on a bare socket: the body runs until the connection closes (no chunked framing to pay per
 * frame), so the connection is the stream's alone.
 */
export class SocketSseWire implements SseWire {
  private opened = false;

  constructor(
    readonly method: string,
    private readonly headers: ReadonlyMap<string, string>,
    private readonly socket: Socket,
  ) {
    // The client ending its side ends the stream.
    socket.on('end', () => socket.end());
  }

  header(name: string): string | undefined {
    return this.headers.get(name);
  }

  get outlet(): Outlet {
    return this.socket;
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.socket.write(HEAD);
  }

  close(last: string): void {
    if (this.socket.writableEnded) return;
    this.open();
    this.socket.end(last);
  }

  onClose(listener: () => void): void {
    this.socket.on('close', listener);
  }

  get gone(): boolean {
    return this.socket.destroyed;
  }
}
