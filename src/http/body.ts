import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { invalidParameter } from '../core/chat-error.js';
import { decodeUtf8, parseForm, parseJsonObject } from '../api/params.js';

/** Reads the request body into `into` by its content type (spec 2.3); the body wins over the query. */
export async function readBody(
  req: IncomingMessage,
  into: Map<string, string>,
  limit: number,
): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'multipart/form-data') return readMultipart(req, into, limit);
  const body = await readAll(req, limit);
  if (body.length === 0) return;
  const text = decodeUtf8(body);
  if (type === 'application/json' || type.endsWith('+json')) parseJsonObject(text, into);
  // Forms with or without a Content-Type, and any other type, are read as forms.
  else parseForm(text.trim(), into);
}

function tooLarge(limit: number) {
  return invalidParameter(`The request body is larger than ${limit} bytes.`);
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function readMultipart(req: IncomingMessage, into: Map<string, string>, limit: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fieldSize: limit, fields: 100, files: 1, fileSize: limit },
      });
    } catch {
      reject(invalidParameter('The multipart body is malformed (missing boundary?).'));
      return;
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) reject(tooLarge(limit));
      else into.set(name, value);
    });
    // Files (v1 room images) have no use yet: read and discard them.
    parser.on('file', (_name, stream) => stream.resume());
    parser.on('close', () => resolve());
    parser.on('error', () => reject(invalidParameter('The multipart body is malformed.')));
    req.pipe(parser);
  });
}
