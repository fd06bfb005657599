import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';

/** The content codings we send, best first. */
export type Coding = 'br' | 'gzip';

/** Below this a body fits in a packet or two anyway: compressing it costs more than it saves. */
export const MIN_COMPRESSIBLE = 1024;

/** Per response: cheap settings (brotli 4 is about as fast as gzip 6 and smaller). */
const QUICK = {
  br: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
  gzip: { level: 6 },
};
/** Once at start, for files served many times: the smallest output. */
const BEST = {
  br: { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } },
  gzip: { level: 9 },
};

/**
 * The codings an `Accept-Encoding` header accepts, the one to prefer first: a higher q wins, brotli before
 * gzip on a tie. Honours `q=0` (refusal) and `*`.
 */
export function acceptedCodings(accept: string | string[] | undefined): Coding[] {
  if (accept === undefined) return [];
  const q = new Map<string, number>();
  for (const item of (Array.isArray(accept) ? accept.join(',') : accept).split(',')) {
    const [name = '', ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    const weight = params.find((p) => p.startsWith('q='));
    const value = weight === undefined ? 1 : Number(weight.slice(2));
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weightOf = (coding: Coding) => q.get(coding) ?? q.get('*') ?? 0;
  return (['br', 'gzip'] as const).filter((c) => weightOf(c) > 0).sort((a, b) => weightOf(b) - weightOf(a));
}

/** The coding to send for an `Accept-Encoding` header: brotli when accepted, else gzip, else none. */
export const chooseCoding = (accept: string | string[] | undefined): Coding | undefined =>
  acceptedCodings(accept)[0];

/** The body's compressed forms that are worth sending, made once (for static files). */
export function precompress(body: Buffer): Partial<Record<Coding, Buffer>> {
  if (body.length < MIN_COMPRESSIBLE) return {};
  const forms: Partial<Record<Coding, Buffer>> = {};
  const br = brotliCompressSync(body, BEST.br);
  if (br.length < body.length) forms.br = br;
  const gz = gzipSync(body, BEST.gzip);
  if (gz.length < body.length) forms.gzip = gz;
  return forms;
}

function compressQuickly(body: Buffer, coding: Coding, done: (err: Error | null, out: Buffer) => void): void {
  if (coding === 'br') brotliCompress(body, QUICK.br, done);
  else gzip(body, QUICK.gzip, done);
}

function send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}

/**
 * Sends a body made for this response, compressed off the event loop in the coding the request accepts
 * (a failed compression sends it as it is). Bodies under `MIN_COMPRESSIBLE` go out unchanged.
 */
export function sendCompressible(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Buffer,
): void {
  if (body.length < MIN_COMPRESSIBLE) return send(res, status, headers, body);
  const varied = { ...headers, vary: 'Accept-Encoding' };
  const coding = chooseCoding(res.req?.headers['accept-encoding']);
  if (!coding) return send(res, status, varied, body);
  compressQuickly(body, coding, (err, out) => {
    if (err) send(res, status, varied, body);
    else send(res, status, { ...varied, 'content-encoding': coding }, out);
  });
}

/** Sends a body whose compressed forms were made beforehand (`precompress`). */
export function sendPrecompressed(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Buffer,
  forms: Partial<Record<Coding, Buffer>>,
): void {
  if (Object.keys(forms).length === 0) return send(res, status, headers, body);
  const varied = { ...headers, vary: 'Accept-Encoding' };
  const coding = acceptedCodings(res.req?.headers['accept-encoding']).find((c) => forms[c]);
  const compressed = coding && forms[coding];
  if (coding && compressed) send(res, status, { ...varied, 'content-encoding': coding }, compressed);
  else send(res, status, varied, body);
}
