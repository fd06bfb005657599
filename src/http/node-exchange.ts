import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import {
  API_HEADERS,
  API_TYPE,
  jsonp,
  type Abortable,
  type AnswerOptions,
  type ApiExchange,
} from './api-exchange.js';
import { readBody, type Upload } from './body.js';
import { requestAddress, type ClientAddress } from './client-address.js';
import { headerOf, hostName } from './headers.js';

const pending = Symbol('pending');
type Held = ServerResponse & { [pending]?: Abortable };

// One listener function shared by every held response: no closure per request.
function onClose(this: Held): void {
  if (!this.writableEnded) this[pending]?.cancel();
  this[pending] = undefined;
}

/** An API call that came through node:http (what the API lane hands over, and tests' `inject`). */
export class NodeExchange implements ApiExchange {
  /** Files of a multipart body; kept only when there were some. */
  private files: Map<string, Upload> | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly clientAddress: ClientAddress,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  host(): string | undefined {
    const host = this.req.headers.host;
    return host === undefined ? undefined : hostName(host);
  }

  header(name: string): string | undefined {
    return headerOf(this.req, name);
  }

  address(): string {
    return requestAddress(this.req, this.clientAddress);
  }

  async readBody(into: Map<string, string>, limit: number): Promise<void> {
    const files = new Map<string, Upload>();
    await readBody(this.req, into, limit, files);
    if (files.size > 0) this.files = files;
  }

  upload(name: string): Upload | undefined {
    return this.files?.get(name);
  }

  get ended(): boolean {
    return this.res.headersSent || this.res.destroyed;
  }

  send(body: Buffer | string, options: AnswerOptions = {}): void {
    const { res } = this;
    if (res.headersSent || res.destroyed) return;
    (res as Held)[pending] = undefined;
    const payload = options.callback ? jsonp(options.callback, body.toString()) : body;
    const status = options.status ?? 200;
    // A 204 has no body, so no content headers either.
    const headers: OutgoingHttpHeaders =
      status === 204
        ? {}
        : { 'content-type': options.type ?? API_TYPE, 'content-length': Buffer.byteLength(payload) };
    for (const [name, value] of API_HEADERS) headers[name] = value;
    for (const [name, value] of options.extra ?? []) headers[name] = value;
    if (options.close) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(payload);
  }

  onAbort(work: Abortable): void {
    const res = this.res as Held;
    if (res.destroyed) return work.cancel();
    if (res.writableEnded) return;
    res[pending] = work;
    res.on('close', onClose);
  }
}
