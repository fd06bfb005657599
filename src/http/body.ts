import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { invalidParameter } from '../core/chat-error.js';
import { phrase } from '../core/error-text.js';
import { decodeUtf8, parseForm, parseJsonObject } from './params.js';

/** An uploaded file of a multipart body. */
export interface Upload {
  bytes: Buffer;
  filename: string;
}

/** Reads the request body into `into` by its content type (spec 2.3); the body wins over the query. */
export async function readBody(
  req: IncomingMessage,
  into: Map<string, string>,
  limit: number,
  files?: Map<string, Upload>,
): Promise<void> {
  // Most calls (every observe) have no body: attach nothing that would live as long as the request.
  if (!hasBody(req)) return;
  const type = mediaType(req.headers['content-type']);
  if (type === 'multipart/form-data') return readMultipart(req, into, limit, files);
  parseBody(type, await readAll(req, limit), into);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A whole body that is not multipart, by its media type: JSON, else a form. */
export function parseBody(type: string, body: Buffer, into: Map<string, string>): void {
  if (body.length === 0) return;
  const text = decodeUtf8(body);
  if (type === 'application/json' || type.endsWith('+json')) parseJsonObject(text, into);
  // Forms with or without a Content-Type, and any other type, are read as forms.
  else parseForm(text.trim(), into);
}

/**
 * Reads rawHeaders rather than `req.headers`: Node builds the headers object lazily, and a held request
 * that never asks for it keeps a few hundred bytes less.
 */
function hasBody(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (name === 'content-length') return raw[i + 1] !== '0';
    if (name === 'transfer-encoding') chunked = true;
  }
  return chunked;
}

function tooLarge(limit: number) {
  return invalidParameter(phrase('bodyTooLarge', { limit }));
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    // The client went away mid-body: nobody is left to answer, but it is their doing, not a failure of ours.
    const onError = (): void => {
      done();
      reject(invalidParameter(phrase('bodyCutShort')));
    };
    // Listeners go as soon as the body is read, so a held request keeps nothing of it.
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Multipart is read whole first (bounded like any body), then parsed; fields are decoded strictly. */
async function readMultipart(
  req: IncomingMessage,
  into: Map<string, string>,
  limit: number,
  files?: Map<string, Upload>,
): Promise<void> {
  const body = await readAll(req, limit);
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // latin1 keeps every byte as one character, so the UTF-8 check below sees the raw bytes.
      parser = busboy({ headers: req.headers, defCharset: 'latin1', limits: { fields: 100, files: 1 } });
    } catch {
      reject(invalidParameter(phrase('multipartNoBoundary')));
      return;
    }
    parser.on('field', (name: string | undefined, value) => {
      // busboy reports a field named "" (or with no name at all) as undefined.
      if (!name) return reject(invalidParameter(phrase('multipartNoName')));
      try {
        into.set(decodeUtf8(Buffer.from(name, 'latin1')), decodeUtf8(Buffer.from(value, 'latin1')));
      } catch (err) {
        reject(err);
      }
    });
    // Files are kept only where the caller asked for them; otherwise read and dropped.
    parser.on('file', (name: string | undefined, stream, info) => {
      // A body cut off inside a file part errs on the file's stream too: unheard, that would crash us.
      stream.on('error', () => undefined);
      if (!files || !name) return stream.resume();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (chunks.length > 0)
          files.set(name, { bytes: Buffer.concat(chunks), filename: info.filename ?? '' });
      });
    });
    parser.on('close', () => resolve());
    parser.on('error', () => reject(invalidParameter(phrase('multipartMalformed'))));
    parser.end(body);
  });
}
