import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, signedIn, startTestServer, type Json, type TestServer } from './support/server.js';

/**
 * The API lane reads API calls straight off the socket and hands everything else to node:http. These
 * talk raw HTTP/1.1 over one real connection at a time, to see what a client sees: keep-alive,
 * pipelining, requests cut anywhere, the hand-over mid-connection, and node:http's answers to what the
 * lane does not take.
 */

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** One client connection that reads answers in order (Content-Length bodies, as every answer here has). */
class Raw {
  private buffered = Buffer.alloc(0);
  private waiting: Array<() => void> = [];
  closed = false;
  readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(port: number): Promise<Raw> {
    const raw = new Raw(port);
    await new Promise((resolve) => raw.socket.once('connect', resolve));
    return raw;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Writes `text` a few bytes at a time, each in its own packet. */
  async dribble(text: string, size = 3): Promise<void> {
    for (let i = 0; i < text.length; i += size) {
      this.socket.write(text.slice(i, i + size));
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async read(timeoutMs = 5000): Promise<Answer> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const answer = this.take();
      if (answer) return answer;
      if (this.closed) throw new Error(`closed before a whole answer: ${this.buffered.toString()}`);
      if (Date.now() > until) throw new Error(`no answer: ${this.buffered.toString()}`);
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Resolves once the server has closed the connection. */
  async ended(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > until) throw new Error('the connection stayed open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private take(): Answer | undefined {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffered.toString('latin1', 0, end).split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? 0);
    if (this.buffered.length < end + 4 + length) return undefined;
    const body = this.buffered.toString('utf8', end + 4, end + 4 + length);
    this.buffered = this.buffered.subarray(end + 4 + length);
    return { status: Number(statusLine?.split(' ')[1]), headers, body };
  }

  private wake(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
const post = (path: string, body: string, type = 'application/x-www-form-urlencoded'): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\n` +
  `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const json = (a: Answer): Json => JSON.parse(a.body) as Json;
/** The texts of the messages in an observe reply (presence events aside). */
const said = (reply: Json): string[] =>
  (reply.events as Json[]).flatMap((e) => (e.message ? [(e.message as Json).text as string] : []));

describe('API lane: API calls read off the socket, the rest handed to node:http', () => {
  let t: TestServer;
  let port: number;
  let session: string;
  const open: Raw[] = [];
  const raw = async (): Promise<Raw> => {
    const r = await Raw.open(port);
    open.push(r);
    return r;
  };

  before(async () => {
    t = await startTestServer();
    port = t.server.port;
    await t.admin.addRoom({ id: 'lane', name: 'Lane' });
    session = (await signedIn(t, 'lane', ['lane'])).session;
  });
  after(async () => {
    for (const r of open) r.close();
    await t.stop();
  });

  it('answers several calls on one kept-alive connection, with the API headers', async () => {
    const c = await raw();
    for (let i = 0; i < 3; i++) {
      c.write(get(`/api/session/verify?session=${session}`));
      const a = await c.read();
      assert.equal(a.status, 200);
      assert.equal(json(a).status, 'ok');
      assert.equal(a.headers.get('content-type'), 'application/javascript; charset=utf-8');
      assert.equal(a.headers.get('access-control-allow-origin'), '*');
      assert.equal(a.headers.get('cache-control'), 'no-cache');
      assert.match(a.headers.get('date') ?? '', /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.equal(a.headers.get('connection'), undefined);
    }
    assert.equal(c.closed, false);
  });

  it('answers pipelined calls in the order they were sent', async () => {
    const c = await raw();
    c.write(
      post('/api/room/say', `session=${session}&room=lane&text=first`) +
        get(`/api/session/verify?session=${session}`) +
        post('/api/room/say', JSON.stringify({ session, room: 'lane', text: 'third' }), 'application/json'),
    );
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push(json(await c.read()));
    assert.equal((texts[0]?.message as Json).text, 'first');
    assert.equal(texts[1]?.status, 'ok');
    assert.equal((texts[2]?.message as Json).text, 'third');
  });

  it('reads a request cut into packets anywhere, body included', async () => {
    const c = await raw();
    await c.dribble(
      post('/api/room/say', `session=${session}&room=lane&text=${encodeURIComponent('été ☕')}`),
    );
    const said = json(await c.read());
    assert.equal((said.message as Json).text, 'été ☕');
  });

  it('holds an observe on the connection and answers it when a line comes', async () => {
    const c = await raw();
    let counter = (await t.api('room/subscribe', { session, room: 'lane' })).counter as number;
    /** Observes on `c` (the same connection each time) until a message comes. */
    const nextLines = async (): Promise<string[]> => {
      for (;;) {
        c.write(get(`/api/event/observe?session=${session}&counter=${counter}`));
        const reply = json(await c.read());
        counter = reply.counter as number;
        if (said(reply).length > 0) return said(reply);
      }
    };
    const first = nextLines();
    await new Promise((r) => setTimeout(r, 100));
    await t.api('room/say', { session, room: 'lane', text: 'while held' });
    assert.deepEqual(await first, ['while held']);
    const second = nextLines();
    await new Promise((r) => setTimeout(r, 100));
    await t.api('room/say', { session, room: 'lane', text: 'second hold' });
    assert.deepEqual(await second, ['second hold']);
    assert.equal(c.closed, false);
  });

  it('forgets a held observe whose client went away', async () => {
    const held = () => (t.server.chat.monitor.read() as { heldObserves: number }).heldObserves;
    const before = held();
    const c = await raw();
    const counter = (await t.api('room/subscribe', { session, room: 'lane' })).counter as number;
    c.write(get(`/api/event/observe?session=${session}&counter=${counter}`));
    await eventually(() => assert.equal(held(), before + 1));
    c.close();
    await eventually(() => assert.equal(held(), before));
  });

  it('answers a client that ended its side after asking, then closes', async () => {
    const c = await raw();
    c.socket.end(get(`/api/session/verify?session=${session}`));
    assert.equal(json(await c.read()).status, 'ok');
    await c.ended();
  });

  it('closes after an answer the client asked to close with', async () => {
    const c = await raw();
    c.write(get(`/api/session/verify?session=${session}`, 'Connection: close\r\n'));
    const a = await c.read();
    assert.equal(a.headers.get('connection'), 'close');
    await c.ended();
  });

  it('hands the connection to node:http for a page, mid-connection, and node:http answers the rest', async () => {
    const c = await raw();
    c.write(get(`/api/session/verify?session=${session}`));
    assert.equal(json(await c.read()).status, 'ok');
    c.write(get('/'));
    const page = await c.read();
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    c.write(get(`/api/session/verify?session=${session}`));
    assert.equal(json(await c.read()).status, 'ok');
  });

  it('leaves chunked bodies, multipart, HTTP/1.0 and OPTIONS to node:http, which answers them', async () => {
    const chunked = await raw();
    const text = `session=${session}&room=lane&text=chunked`;
    chunked.write(
      'POST /api/room/say HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        `Transfer-Encoding: chunked\r\n\r\n${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`,
    );
    assert.equal((json(await chunked.read()).message as Json).text, 'chunked');

    const boundary = 'lanelanelane';
    const parts = Object.entries({ session, room: 'lane', text: 'multipart' })
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('');
    const multipart = await raw();
    multipart.write(
      post('/api/room/say', `${parts}--${boundary}--\r\n`, `multipart/form-data; boundary=${boundary}`),
    );
    assert.equal((json(await multipart.read()).message as Json).text, 'multipart');

    const old = await raw();
    old.write(`GET /api/session/verify?session=${session} HTTP/1.0\r\nHost: x\r\n\r\n`);
    assert.equal(json(await old.read()).status, 'ok');
    await old.ended();

    const preflight = await raw();
    preflight.write(`OPTIONS /api/room/say HTTP/1.1\r\nHost: x\r\n\r\n`);
    const a = await preflight.read();
    assert.equal(a.status, 204);
    assert.equal(a.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  });

  it('hands an event stream the bare socket: a head without chunking, frames until the connection closes', async () => {
    const c = await raw();
    const counter = (await t.api('room/subscribe', { session, room: 'lane' })).counter as number;
    c.write(get(`/api/event/stream?session=${session}`, `Last-Event-ID: ${counter}\r\n`));
    let seen = '';
    c.socket.on('data', (d: Buffer) => (seen += d.toString()));
    await eventually(() => assert.match(seen, /retry: 2000/));
    assert.match(seen, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(seen, /content-type: text\/event-stream; charset=utf-8\r\n/);
    assert.match(seen, /connection: close\r\n/);
    assert.doesNotMatch(seen, /transfer-encoding/i);
    await t.api('room/say', { session, room: 'lane', text: 'streamed raw' });
    await eventually(() => assert.match(seen, /data: .*streamed raw/));
    // The client ending its side ends the stream.
    c.socket.end();
    await c.ended();
  });

  it('lets node:http refuse what is malformed, as it always did', async () => {
    const cases = [
      'GET /api/session/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'GET /api/session/verify HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET /api/session/verify HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n',
      'GET /api/session/verify HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
      'GET /api/session/verify HTTP/1.1\r\nHost: x\r\nX-Bare: a\nb\r\n\r\n',
      `GET /api/session/verify HTTP/1.1\r\nHost: x\r\nX-Huge: ${'a'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const request of cases) {
      const c = await raw();
      c.write(request);
      const a = await c.read();
      assert.ok(a.status === 400 || a.status === 431, `${request.slice(0, 60)}: ${a.status}`);
      await c.ended();
    }
  });

  it('answers a body too large for the limit with the API error, not by reading it', async () => {
    const c = await raw();
    c.write(
      'POST /api/room/say HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        `Content-Length: ${10 * 1024 * 1024}\r\n\r\nsession=x`,
    );
    const a = json(await c.read());
    assert.equal(a.status, 'error');
    assert.equal(a.code, 'invalid_parameter');
  });
});
