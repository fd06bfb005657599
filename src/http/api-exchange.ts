import type { Upload } from './body.js';

/** How an API answer goes out. */
export interface AnswerOptions {
  /** HTTP status: 200 unless the transport itself failed (spec 2.4). */
  status?: number;
  type?: string;
  /** The JSONP function to wrap the body in. */
  callback?: string;
  /** Close the connection after this answer (the server is stopping, or the call went wrong). */
  close?: boolean;
  /** Headers beyond the API's own (a 405's `allow`, a preflight's CORS answer). */
  extra?: ReadonlyArray<readonly [string, string]>;
}

/** Work that stops when the client goes away before its answer (a held observe). */
export interface Abortable {
  cancel(): void;
}

/**
 * One API call on the wire, whichever way it came in: through node:http, or read straight off the socket
 * by the API lane. The dispatcher reads the request through it and sends exactly one answer.
 */
export interface ApiExchange {
  readonly method: string;
  /** The Host header, lower-cased and without its port. */
  host(): string | undefined;
  /** A request header by its lower-case name (`cookie`, `x-lingr-csrf`). */
  header(name: string): string | undefined;
  /** The client's address (read on demand: looking it up costs memory per held connection). */
  address(): string;
  /** Adds the body's parameters to `into` (spec 2.3); the body wins over the query. A promise if it waits. */
  readBody(into: Map<string, string>, limit: number): Promise<void> | undefined;
  /** A file of a multipart body, by its field name, once the body is read (API 1.0's `image`). */
  upload(name: string): Upload | undefined;
  /** True once answered, or once the client went away. */
  readonly ended: boolean;
  send(body: Buffer | string, options?: AnswerOptions): void;
  /** Cancels `work` if the client goes away before the answer. */
  onAbort(work: Abortable): void;
}

/** API 2.0's content type (spec 2.4): what lingr.com sent, though the body is JSON. */
export const API_TYPE = 'application/javascript; charset=utf-8';

/**
 * What every API answer carries besides its type and length. The API authenticates by parameter, never by
 * cookie, so any origin may call it.
 */
export const API_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['cache-control', 'no-cache'],
  ['access-control-allow-origin', '*'],
  ['x-content-type-options', 'nosniff'],
];

/** JSONP bodies are script: U+2028/2029 must be escaped there even though JSON allows them raw. */
export function jsonp(callback: string, json: string): string {
  return `${callback}(${json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')})`;
}
