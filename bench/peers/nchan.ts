/**
 * Peer: nginx with the Nchan module (Debian's `nginx` and `libnginx-mod-nchan`), started from the
 * template nchan.conf in a fresh temporary prefix, plus its two Targets:
 *
 * - `nchan-ws`: WebSocket subscribers with Nchan's `ws+meta.nchan` subprotocol, whose frames
 *   carry each message's id; live once the socket is open. `reconnect()` reopens with a
 *   `Last-Event-ID: ID` header, so Nchan resends what was published in between (from its buffer of
 *   1,000 messages per channel). `pause()` is ws's `WebSocket#pause()`.
 * - `nchan-ws-plain`: WebSocket subscribers without a subprotocol: each frame is the bare message, with
 *   no id, so `reconnect()` starts afresh (lines published while it was down are lost), like the bare
 *   `ws` peer. Cheaper for Nchan than `ws+meta.nchan`; both are reported.
 * - `nchan-longpoll`: Nchan's long poll, with `nchan_longpoll_multipart_response on`: a poll takes every
 *   message waiting for it in one `multipart/mixed` reply (a single one comes bare). Each answer carries the message id as `Last-Modified` +
 *   `Etag`; the next request sends them back as `If-Modified-Since` + `If-None-Match` and gets the
 *   next message (at once if it is already there), so no line is lost between polls. Nchan answers
 *   a new subscriber's first poll only with messages published after it arrived, and says nothing
 *   when it has, so the subscription counts as live once the first request has been written and
 *   SETTLE_MS more have passed. `reconnect()` drops the pending request and polls again with the
 *   last id. `pause()` stops reading the request's socket and polls no more.
 * - Both publish with an HTTP POST of the text to `/pub/ROOM`.
 *
 * Until a subscriber has seen its first message it has no id to resume from: a reconnect before
 * then starts afresh and misses what was published in between.
 */
import { onServerCores } from '../cpu-pinning.js';
import { runNginx } from '../nginx-process.js';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentFor } from '../http.js';
import type { RunningPeer, Subscriber, Target } from '../load/target.js';
import { post } from './post.js';
import { openSocket, socketSubscriber } from './ws.js';

const MODULE_CANDIDATES = [
  '/usr/lib/nginx/modules/ngx_nchan_module.so',
  '/usr/lib64/nginx/modules/ngx_nchan_module.so',
  '/usr/local/nginx/modules/ngx_nchan_module.so',
];

/** Time a new long poll is given to reach the channel before its subscription counts as live. */
export const SETTLE_MS = 100;

/** nginx's path: on PATH or in the usual sbin directories (which a non-root PATH may lack). */
export function nginxBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, 'nginx');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function nchanModule(): string | undefined {
  return MODULE_CANDIDATES.find((f) => existsSync(f));
}

export function nchanAvailable(): boolean {
  return nginxBinary() !== undefined && nchanModule() !== undefined;
}

/** The config template, read from the source tree (the build compiles only TypeScript). */
function template(): string {
  const candidates = [
    new URL('../../../bench/peers/nchan.conf', import.meta.url),
    new URL('./nchan.conf', import.meta.url),
  ].map((u) => fileURLToPath(u));
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`nchan.conf not found (looked at ${candidates.join(', ')})`);
  return readFileSync(file, 'utf8');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once nginx answers HTTP on the port (so a worker is accepting). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startOnce(nginx: string, module: string, port: number, workers: number): Promise<RunningPeer> {
  const prefix = mkdtempSync(join(tmpdir(), 'lingr-nchan-'));
  // Workers run as nginx's unprivileged user when started as root: let them reach their temp dirs.
  chmodSync(prefix, 0o755);
  const conf = join(prefix, 'nginx.conf');
  const errorLog = join(prefix, 'error.log');
  writeFileSync(
    conf,
    template()
      .replaceAll('{{MODULE}}', module)
      .replaceAll('{{PREFIX}}', prefix)
      .replaceAll('{{PORT}}', String(port))
      .replaceAll('{{WORKERS}}', String(workers)),
  );
  const [command, args] = onServerCores(nginx, ['-p', `${prefix}/`, '-c', conf, '-e', errorLog]);
  const { pids, stop } = await runNginx({
    command,
    args,
    prefix,
    errorLog,
    name: 'nginx (nchan)',
    port,
    ready: () => answers(port),
  });
  return { name: 'nchan', url: `http://127.0.0.1:${port}`, pids, stop };
}

/**
 * Starts nginx + Nchan on a free port of 127.0.0.1. nginx cannot report a port it picked, so one is
 * chosen here first; if another process takes it in between, a fresh one is tried.
 */
export async function startNchan(workers = 1): Promise<RunningPeer> {
  const nginx = nginxBinary();
  const module = nchanModule();
  if (!nginx || !module) throw new Error('nchan: nginx or its Nchan module is not installed');
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(nginx, module, await freePort(), workers);
    } catch (err) {
      last = err;
      if (!String(err).includes('in use')) break;
    }
  }
  throw last;
}

/** Splits a `ws+meta.nchan` frame: `id: ID\n[content-type: TYPE\n]\nDATA`. */
export function parseMetaFrame(frame: string): { id?: string; data: string } | undefined {
  const end = frame.indexOf('\n\n');
  if (end < 0) return undefined;
  let id: string | undefined;
  for (const line of frame.slice(0, end).split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
  }
  return { id, data: frame.slice(end + 2) };
}

/** The boundary of a `multipart/mixed` reply, or undefined for a single message. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  const m = /^multipart\/mixed;\s*boundary=("?)([^";]+)\1/i.exec(contentType ?? '');
  return m?.[2];
}

/**
 * The bodies of a `multipart/mixed` reply (RFC 2046 5.1): parts between `--BOUNDARY` lines, each with
 * its own headers, a blank line, then the body up to the CRLF before the next delimiter.
 */
export function multipartParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.startsWith('--', start)) break;
    const next = body.indexOf(`\r\n${delimiter}`, start);
    if (next < 0) break;
    const headersEnd = body.indexOf('\r\n\r\n', start);
    if (headersEnd >= 0 && headersEnd < next) parts.push(body.slice(headersEnd + 4, next));
    else parts.push(body.slice(body.indexOf('\r\n', start) + 2, next));
    at = next + 2;
  }
  return parts;
}

async function httpPublisher(url: string, room: string, localAddress: string) {
  const agent = agentFor(localAddress);
  const target = `${url}/pub/${encodeURIComponent(room)}`;
  return async (text: string) => {
    await post(agent, target, text);
  };
}

export const nchanWsTarget: Target = {
  name: 'nchan-ws',
  async subscribe(o) {
    const base = `${o.url.replace(/^http/, 'ws')}/sub/${encodeURIComponent(o.room)}`;
    let lastId: string | undefined;
    const open = () => {
      // Nchan reads the id from a Last-Event-ID header (or a last_event_id argument, which it
      // does not URL-decode).
      const headers: Record<string, string> = lastId ? { 'last-event-id': lastId } : {};
      return openSocket(
        base,
        { localAddress: o.localAddress, perMessageDeflate: false, headers },
        'ws+meta.nchan',
        o,
        (frame) => {
          const m = parseMetaFrame(frame);
          if (!m) return;
          if (m.id) lastId = m.id;
          o.onLine(m.data);
        },
      );
    };
    return socketSubscriber(open);
  },
  publisher: httpPublisher,
};

export const nchanWsPlainTarget: Target = {
  name: 'nchan-ws-plain',
  async subscribe(o) {
    const url = `${o.url.replace(/^http/, 'ws')}/sub/${encodeURIComponent(o.room)}`;
    const open = () =>
      openSocket(url, { localAddress: o.localAddress, perMessageDeflate: false }, undefined, o, o.onLine);
    return socketSubscriber(open);
  },
  publisher: httpPublisher,
};

export const nchanLongpollTarget: Target = {
  name: 'nchan-longpoll',
  async subscribe(o) {
    const agent = agentFor(o.localAddress);
    const url = `${o.url}/sub/${encodeURIComponent(o.room)}`;
    let lastModified: string | undefined;
    let etag: string | undefined;
    let current: ClientRequest | undefined;
    let paused = false;
    let closed = false;

    const stopReading = (req: ClientRequest) => {
      if (req.socket) req.socket.pause();
      else req.once('socket', (s) => s.pause());
    };

    /**
     * Sends one poll; the next follows its answer. Resolves once the request is written; the
     * initial poll of a (re)subscription rejects if it fails before that, later ones report.
     */
    const poll = (initial: boolean): Promise<void> => {
      const headers: Record<string, string> = {};
      if (lastModified) headers['if-modified-since'] = lastModified;
      if (etag) headers['if-none-match'] = etag;
      const req = request(url, { agent, headers });
      current = req;
      if (paused) stopReading(req);
      const mine = () => current === req && !closed;
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (!mine()) return;
          const status = res.statusCode ?? 0;
          if (status === 200) {
            lastModified = res.headers['last-modified'] ?? lastModified;
            etag = res.headers.etag ?? etag;
            const body = Buffer.concat(chunks).toString();
            const boundary = multipartBoundary(res.headers['content-type']);
            if (boundary === undefined) o.onLine(body);
            else for (const part of multipartParts(body, boundary)) o.onLine(part);
            o.onReply?.();
          } else if (status !== 304 && status !== 408) {
            o.onError(new Error(`nchan long poll: HTTP ${status}`));
            return;
          }
          void poll(false);
        });
        res.on('error', (err) => {
          if (mine()) o.onError(err);
        });
      });
      return new Promise((resolve, reject) => {
        let written = false;
        req.on('error', (err) => {
          if (initial && !written) reject(err);
          else if (mine()) o.onError(err);
        });
        req.once('finish', () => {
          written = true;
          resolve();
        });
        req.end();
      });
    };

    const start = async () => {
      await poll(true);
      await sleep(SETTLE_MS);
    };
    const drop = () => {
      const req = current;
      current = undefined;
      req?.destroy();
    };

    await start();
    const subscriber: Subscriber = {
      pause() {
        paused = true;
        if (current) stopReading(current);
      },
      async reconnect() {
        drop();
        paused = false;
        await start();
      },
      close() {
        closed = true;
        drop();
      },
    };
    return subscriber;
  },
  publisher: httpPublisher,
};
