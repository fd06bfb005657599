import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../protocol/errors.js';

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
