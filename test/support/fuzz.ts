import { request } from 'node:http';
import { connect } from 'node:net';

/** mulberry32: a small seeded generator, so a failing case replays from its seed and index. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** Values that have broken parsers before: edges of numbers, encodings, sizes and syntax. */
const NASTY = [
  '',
  ' ',
  '0',
  '-1',
  '1.5',
  '1e400',
  '9007199254740993',
  '99999999999999999999',
  'NaN',
  'null',
  'undefined',
  'true',
  'false',
  '[]',
  '{}',
  '{"a":',
  '%',
  '%zz',
  '%ff%fe',
  '%00',
  '\u0000',
  '\u0007bell',
  '\r\n',
  '\u2028',
  '\ud800',
  '😀',
  '𠮷野家',
  'é'.normalize('NFD'),
  '<script>alert(1)</script>',
  '"\'><img src=x onerror=alert(1)>',
  '../../etc/passwd',
  'a,b,,c,',
  ',,,',
  'x'.repeat(129),
  'x'.repeat(10_001),
  '9999/99/99',
  '2026-02-31',
  'lingr.com',
  '__proto__',
  'constructor',
  'toString',
];

/** Parameter names the server reads, and a few it does not. */
const NAMES = [
  'session',
  'user',
  'password',
  'app_key',
  'api_key',
  'apiKey',
  'room',
  'rooms',
  'text',
  'nickname',
  'local_id',
  'counter',
  'limit',
  'before',
  'reset',
  'presence',
  'message',
  'callback',
  'bot',
  'bot_verifier',
  'csrf',
  'username',
  'name',
  'id',
  'blurb',
  'tags',
  'timezone',
  'visibility',
  'confirm',
  'next',
  'q',
  'format',
  // API 1.0's own
  'ticket',
  'occupant_id',
  'client_type',
  'idempotent',
  'email',
  'description',
  'listed_in_directory',
  'new_id',
  'user_messages_only',
  'count',
  '',
  '__proto__',
  'x'.repeat(300),
];

export function randomValue(r: Random, known: readonly string[]): string {
  switch (r.int(5)) {
    case 0:
      return r.pick(NASTY);
    case 1:
      return r.pick(known);
    case 2:
      return String(r.int(3) === 0 ? -r.int(1e6) : r.int(1e7));
    case 3:
      return Array.from({ length: r.int(40) }, () => String.fromCodePoint(r.int(0x3000))).join('');
    default:
      return `${r.pick(known)}${r.pick(NASTY)}`;
  }
}

export function randomParams(r: Random, known: readonly string[]): Array<[string, string]> {
  return Array.from({ length: r.int(7) }, () => [r.pick(NAMES), randomValue(r, known)] as [string, string]);
}

/** Percent-encodes like a form, but now and then leaves something raw or broken. */
export function encodeForm(r: Random, params: Array<[string, string]>): string {
  const enc = (s: string) => {
    try {
      return r.chance(0.9) ? encodeURIComponent(s) : s;
    } catch {
      return s; // a lone surrogate cannot be encoded: send it raw
    }
  };
  return params.map(([k, v]) => (r.chance(0.05) ? enc(k) : `${enc(k)}=${enc(v)}`)).join('&');
}

function randomJson(r: Random, known: readonly string[], depth = 0): unknown {
  switch (r.int(depth > 2 ? 4 : 7)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, r.int(1e6)]);
    case 3:
      return randomValue(r, known);
    case 4:
      return Array.from({ length: r.int(4) }, () => randomJson(r, known, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [r.pick(NAMES), randomJson(r, known, depth + 1)]),
      );
  }
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A body in one of the encodings the server reads, or a broken one, with its Content-Type. */
export function randomBody(
  r: Random,
  params: Array<[string, string]>,
  known: readonly string[],
): { body: Buffer; type?: string } {
  const boundary = `fuzz${r.int(1e6)}`;
  switch (r.int(7)) {
    case 0:
      return { body: Buffer.from(encodeForm(r, params)), type: 'application/x-www-form-urlencoded' };
    case 1:
      return { body: Buffer.from(encodeForm(r, params)) };
    case 2:
      return {
        body: Buffer.from(
          r.chance(0.8) ? JSON.stringify(randomJson(r, known)) : `{"${r.pick(NAMES)}":${r.pick(NASTY)}`,
        ),
        type: r.pick(['application/json', 'application/json; charset=utf-8', 'text/x+json']),
      };
    case 3: {
      const parts = params.map(([k, v]) => {
        const file = r.chance(0.3) ? `; filename="${r.pick(NASTY)}"` : '';
        const name = r.chance(0.1) ? '' : k;
        return `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n\r\n${v}\r\n`;
      });
      const end = r.chance(0.9) ? `--${boundary}--\r\n` : '';
      return {
        body: Buffer.from(parts.join('') + end),
        type: r.chance(0.9) ? `multipart/form-data; boundary=${boundary}` : 'multipart/form-data',
      };
    }
    case 4:
      return { body: Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256))), type: 'text/plain' };
    case 5:
      return { body: Buffer.from(encodeForm(r, params)), type: r.pick(NASTY) || 'x' };
    default:
      return { body: Buffer.alloc(0), type: r.pick(['application/json', 'multipart/form-data; boundary=a']) };
  }
}

export interface Answer {
  status: number;
  /** The start of the body (a stream is cut after its first bytes). */
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends one request and reads the answer's status and first bytes; a stream is cut short, a hang fails. */
export function fire(base: string, req: FuzzRequest, timeoutMs = 10_000): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body) headers['content-length'] = String(req.body.length);
    const r = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // Streams never end by themselves: what came first is enough.
          if (text.length > 4096 || /event-stream/.test(String(res.headers['content-type']))) r.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers });
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      },
    );
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Writes raw bytes to the server and reads whatever comes back until it closes or goes quiet. */
export function raw(base: string, bytes: Buffer | string, quietMs = 400): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let timer = setTimeout(() => socket.destroy(), quietMs);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.write(bytes);
  });
}
