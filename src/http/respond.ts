import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../protocol/errors.js';

/** API 2.0's content type (spec 2.4): what lingr.com sent, though the body is JSON. */
const API_TYPE = 'application/javascript; charset=utf-8';

/** JSONP bodies are script: U+2028/2029 must be escaped there even though JSON allows them raw. */
function jsonp(callback: string, json: string): string {
  return `${callback}(${json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')})`;
}

/** An API answer: always HTTP 200 unless the transport itself failed (spec 2.4). */
export function sendApi(
  res: ServerResponse,
  body: Buffer | string,
  options: { callback?: string; status?: number; close?: boolean; type?: string } = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const payload = options.callback ? jsonp(options.callback, body.toString()) : body;
  res.writeHead(options.status ?? 200, {
    'content-type': options.type ?? API_TYPE,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-cache',
    // The API authenticates by parameter, never by cookie, so any origin may call it.
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
    ...(options.close ? { connection: 'close' } : {}),
  });
  res.end(payload);
}

export function errorBody(code: ErrorCode, detail: string): string {
  return JSON.stringify({ status: 'error', code, detail });
}

export function sendJson(res: ServerResponse, status: number, value: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}
