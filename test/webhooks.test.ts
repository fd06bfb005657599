import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ChatError } from '../src/core/chat-error.js';
import type { WebhookOutcome, Webhooks } from '../src/core/ports.js';
import { ErrorCode } from '../src/protocol/errors.js';
import { withoutBrokenTail } from '../src/webhooks/answer-body.js';
import { addressRefusal, type AddressKind } from '../src/webhooks/callback-address.js';
import {
  createWebhooks,
  type ResolvedAddress,
  type Resolver,
  type WebhookOptions,
} from '../src/webhooks/webhook-client.js';
import { eventually } from './support/server.js';

// Every bot here listens on 127.0.0.1, and no test posts to anything else: resolvers that answer with a
// public address are only ever given to check(), which sends nothing for them.

interface Bot {
  url: string;
  port: number;
  /** Requests that reached the bot, with their bodies. */
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  /** TCP connections accepted, a request or not. */
  connections: number;
  /** Sockets the bot has accepted that are still open. */
  open: Set<Socket>;
  close(): Promise<void>;
}

async function startBot(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Bot> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bot.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  server.on('connection', (socket: Socket) => {
    bot.connections++;
    bot.open.add(socket);
    socket.on('close', () => bot.open.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const port = (server.address() as AddressInfo).port;
  const bot: Bot = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    connections: 0,
    open: new Set(),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  return bot;
}

/** A port with nothing listening on it (a server opened and closed again). */
async function closedPort(): Promise<number> {
  const bot = await startBot((_req, res) => res.end());
  await bot.close();
  return bot.port;
}

const local = (overrides: Partial<WebhookOptions> = {}): Webhooks =>
  createWebhooks({ allowPrivate: true, timeoutMs: 2000, ...overrides });

const json = '{"status":"ok","counter":1,"events":[]}';

function expectFailure(outcome: WebhookOutcome): Extract<WebhookOutcome, { ok: false }> {
  assert.equal(outcome.ok, false, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<WebhookOutcome, { ok: false }>;
}

function expectSuccess(outcome: WebhookOutcome): Extract<WebhookOutcome, { ok: true }> {
  assert.equal(outcome.ok, true, `expected a 2xx, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<WebhookOutcome, { ok: true }>;
}

const invalid = (pattern: RegExp) => (e: unknown) =>
  e instanceof ChatError && e.code === ErrorCode.invalidParameter && pattern.test(e.detail);

/** A resolver with a fixed table, counting its calls; unknown names fail as DNS does. */
function resolverOf(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (host: string): Promise<ResolvedAddress[]> => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

describe('webhook posts to a bot', () => {
  const bots: Bot[] = [];
  const bot = async (answer: (req: IncomingMessage, res: ServerResponse) => void) => {
    const b = await startBot(answer);
    bots.push(b);
    return b;
  };
  after(async () => {
    await Promise.all(bots.map((b) => b.close()));
  });

  it('gives a 2xx answer its body, and the bot gets the body and headers as sent', async () => {
    const b = await bot((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('pong ☃');
    });
    const body = '{"text":"!ping ☃ 😀"}';
    const outcome = expectSuccess(
      await local().post(`${b.url}/hook?token=abc`, body, { 'X-Lingr-Bot': 'pingbot' }),
    );
    assert.equal(outcome.status, 200);
    assert.equal(outcome.body, 'pong ☃');
    assert.equal(outcome.cut, false);
    assert.ok(Number.isInteger(outcome.ms) && outcome.ms >= 0);

    const [got] = b.requests;
    assert.ok(got);
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/hook?token=abc');
    assert.equal(got.body, body, 'the body arrives byte for byte');
    assert.equal(got.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(got.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(got.headers['x-lingr-bot'], 'pingbot');
    assert.equal(got.headers['host'], `127.0.0.1:${b.port}`);
    assert.equal(got.headers['connection'], 'close', 'no socket is kept for later');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    assert.equal(got.headers['user-agent'], `Lingr/${pkg.version} (+bots)`);
  });

  it('takes the user agent as an option, and never lets extra headers replace the framing', async () => {
    const b = await bot((_req, res) => res.end('ok'));
    const outcome = await local({ userAgent: 'Lingr/test (+bots)' }).post(b.url, json, {
      'Content-Length': '1',
      Host: 'elsewhere.example',
    });
    expectSuccess(outcome);
    const [got] = b.requests;
    assert.ok(got);
    assert.equal(got.body, json);
    assert.equal(got.headers['host'], `127.0.0.1:${b.port}`);
    assert.equal(got.headers['user-agent'], 'Lingr/test (+bots)');
  });

  it('opens a fresh connection for every post', async () => {
    const b = await bot((_req, res) => res.end('ok'));
    const hooks = local();
    for (let i = 0; i < 3; i++) expectSuccess(await hooks.post(b.url, json, {}));
    assert.equal(b.connections, 3);
    await eventually(() => assert.equal(b.open.size, 0, 'every connection is closed'));
  });

  it('gives an empty 2xx answer an empty body', async () => {
    const ok = await bot((_req, res) => res.end());
    const noContent = await bot((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    assert.deepEqual(
      { ...expectSuccess(await local().post(ok.url, json, {})), ms: 0 },
      { ok: true, status: 200, body: '', cut: false, ms: 0 },
    );
    assert.deepEqual(
      { ...expectSuccess(await local().post(noContent.url, json, {})), ms: 0 },
      { ok: true, status: 204, body: '', cut: false, ms: 0 },
    );
  });

  it('reports a 500 with its standard phrase, not the body', async () => {
    const b = await bot((_req, res) => {
      res.statusMessage = 'Oops <b>';
      res.writeHead(500);
      res.end('Traceback ...');
    });
    const outcome = expectFailure(await local().post(b.url, json, {}));
    assert.equal(outcome.status, 500);
    assert.equal(outcome.reason, 'answered 500 Internal Server Error');
  });

  it('does not follow a redirect, and says where it pointed', async () => {
    const target = await bot((_req, res) => res.end('you should not be here'));
    const b = await bot((_req, res) => {
      res.writeHead(302, { location: `${target.url}/elsewhere` });
      res.end();
    });
    const outcome = expectFailure(await local().post(b.url, json, {}));
    assert.equal(outcome.status, 302);
    assert.equal(outcome.reason, `redirected to ${target.url}/elsewhere (not followed)`);
    assert.equal(target.connections, 0, 'the redirect target is never requested');
  });

  it('times out a bot that never answers, and closes the socket', async () => {
    const b = await bot(() => {
      // Holds the request open, answering nothing.
    });
    const outcome = expectFailure(await local({ timeoutMs: 300 }).post(b.url, json, {}));
    assert.equal(outcome.reason, 'timed out after 300 ms');
    assert.equal(outcome.status, undefined);
    assert.equal(b.requests.length, 1);
    await eventually(() => assert.equal(b.open.size, 0, 'the socket is closed'));
  });

  it('times out a bot that answers 200 but never finishes the body (the timeout covers the exchange)', async () => {
    const b = await bot((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    // Whole seconds read as seconds, as the default 20 s does.
    const outcome = expectFailure(await local({ timeoutMs: 1000 }).post(b.url, json, {}));
    assert.equal(outcome.reason, 'timed out after 1 s');
    await eventually(() => assert.equal(b.open.size, 0));
  });

  it('cuts a bot that streams megabytes at maxBodyBytes, and closes the socket', async () => {
    let written = 0;
    let closed = false;
    const b = await bot((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.on('close', () => (closed = true));
      const pump = () => {
        while (!closed && written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const outcome = expectSuccess(await local({ maxBodyBytes: 100_000 }).post(b.url, json, {}));
    assert.equal(outcome.cut, true);
    assert.equal(outcome.body, 'x'.repeat(100_000));
    await eventually(() => assert.equal(closed, true, 'the bot sees its answer closed'));
    assert.ok(written < 64 * 1024 * 1024, `reading stopped early (the bot wrote ${written} bytes)`);
    await eventually(() => assert.equal(b.open.size, 0));
  });

  it('keeps an answer of exactly maxBodyBytes whole and uncut', async () => {
    const b = await bot((_req, res) => res.end('y'.repeat(1000)));
    const outcome = expectSuccess(await local({ maxBodyBytes: 1000 }).post(b.url, json, {}));
    assert.equal(outcome.cut, false);
    assert.equal(outcome.body.length, 1000);
  });

  it('cuts a multi-byte UTF-8 answer at a character boundary', async () => {
    const euros = await bot((_req, res) => res.end('a' + '€'.repeat(10))); // € is 3 bytes
    const faces = await bot((_req, res) => res.end('😀'.repeat(5))); // 😀 is 4 bytes
    const cutEuros = expectSuccess(await local({ maxBodyBytes: 9 }).post(euros.url, json, {}));
    assert.deepEqual([cutEuros.body, cutEuros.cut], ['a€€', true]);
    const cutFaces = expectSuccess(await local({ maxBodyBytes: 7 }).post(faces.url, json, {}));
    assert.deepEqual([cutFaces.body, cutFaces.cut], ['😀', true]);
    const exact = expectSuccess(await local({ maxBodyBytes: 8 }).post(faces.url, json, {}));
    assert.deepEqual([exact.body, exact.cut], ['😀😀', true]);
  });

  it('reports a refused connection, an https URL answered in plain http, and a bad URL, without throwing', async () => {
    const port = await closedPort();
    const refused = expectFailure(await local().post(`http://127.0.0.1:${port}/`, json, {}));
    assert.equal(refused.reason, 'could not connect: connection refused');

    const plain = await bot((_req, res) => res.end('plain'));
    const tls = expectFailure(await local().post(`https://127.0.0.1:${plain.port}/`, json, {}));
    assert.match(tls.reason, /^failed: /);

    const bad = expectFailure(await local().post('ftp://127.0.0.1/', json, {}));
    assert.match(bad.reason, /^invalid callback URL: .*http or https/);

    const header = expectFailure(await local().post(plain.url, json, { 'X-Evil': 'a\r\nInjected: 1' }));
    assert.match(header.reason, /^failed: /);
    assert.ok(!plain.requests.some((r) => 'injected' in r.headers), 'no header was injected');
  });

  it('connects to the address the resolver gave, when private addresses are allowed', async () => {
    const b = await bot((_req, res) => res.end('found'));
    const resolver = resolverOf({ 'bot.example': ['127.0.0.1'] });
    const outcome = expectSuccess(
      await local({ lookup: resolver }).post(`http://bot.example:${b.port}/`, json, {}),
    );
    assert.equal(outcome.body, 'found');
    assert.deepEqual(resolver.calls, ['bot.example']);
    assert.equal(b.requests[0]?.headers['host'], `bot.example:${b.port}`);
    const unknown = expectFailure(
      await local({ lookup: resolver }).post(`http://nowhere.example/`, json, {}),
    );
    assert.equal(unknown.reason, 'could not resolve nowhere.example (ENOTFOUND)');
  });
});

describe('webhook address rules at connection time (private addresses refused)', () => {
  let b: Bot;
  before(async () => {
    b = await startBot((_req, res) => res.end('should not be reached'));
  });
  after(() => b.close());

  it('refuses a loopback literal and localhost before any socket is opened', async () => {
    const resolver = resolverOf({});
    const hooks = createWebhooks({ allowPrivate: false, lookup: resolver });
    const literal = expectFailure(await hooks.post(`http://127.0.0.1:${b.port}/`, json, {}));
    assert.equal(literal.reason, 'refused: 127.0.0.1 is a loopback address');
    const named = expectFailure(await hooks.post(`http://localhost:${b.port}/`, json, {}));
    assert.equal(named.reason, 'refused: localhost is this machine');
    const mapped = expectFailure(await hooks.post(`http://[::ffff:127.0.0.1]:${b.port}/`, json, {}));
    assert.equal(mapped.reason, 'refused: ::ffff:7f00:1 is 127.0.0.1 in IPv6 form, a loopback address');
    assert.equal(b.connections, 0);
    assert.deepEqual(resolver.calls, [], 'literals and localhost are not looked up');
  });

  it('resolves again at post time and refuses there: the socket never connects', async () => {
    // The name passed check() (a resolver call that would not connect anyway), then DNS changed.
    let answer = ['93.184.216.34'];
    const resolver = async (): Promise<ResolvedAddress[]> =>
      answer.map((address) => ({ address, family: 4 }));
    const hooks = createWebhooks({ allowPrivate: false, lookup: resolver });
    await hooks.check(`http://bot.example:${b.port}/hook`);

    answer = ['127.0.0.1'];
    const loopback = expectFailure(await hooks.post(`http://bot.example:${b.port}/hook`, json, {}));
    assert.equal(loopback.reason, 'refused: bot.example resolves to 127.0.0.1, a loopback address');
    assert.equal(b.connections, 0, 'no connection reached the listening bot');

    answer = ['10.1.2.3'];
    const lan = expectFailure(await hooks.post(`http://bot.example:${b.port}/hook`, json, {}));
    assert.equal(lan.reason, 'refused: bot.example resolves to 10.1.2.3, a private address');
    assert.equal(lan.status, undefined);
  });
});

describe('webhook callback URL check', () => {
  const strict = (table: Record<string, string[]> = {}) =>
    createWebhooks({ allowPrivate: false, lookup: resolverOf(table) });

  it('refuses URLs that are not http(s), carry credentials, lack a host or run too long', async () => {
    for (const hooks of [strict(), local()]) {
      await assert.rejects(hooks.check('ftp://bot.example/'), invalid(/http or https, not ftp/));
      await assert.rejects(hooks.check('javascript:alert(1)'), invalid(/http or https, not javascript/));
      await assert.rejects(hooks.check('file:///etc/passwd'), invalid(/http or https/));
      await assert.rejects(hooks.check('http://user:pass@bot.example/'), invalid(/user name or password/));
      await assert.rejects(hooks.check('https://token@bot.example/'), invalid(/user name or password/));
      await assert.rejects(hooks.check('/relative/hook'), invalid(/not an absolute URL/));
      await assert.rejects(hooks.check('http://'), invalid(/not an absolute URL/));
      await assert.rejects(hooks.check(''), invalid(/empty/));
      const long = `https://bot.example/${'a'.repeat(2001 - 'https://bot.example/'.length)}`;
      assert.equal(long.length, 2001);
      await assert.rejects(hooks.check(long), invalid(/longer than 2000/));
      await hooks.check(long.slice(0, 2000));
    }
  });

  it('refuses loopback, private, link-local and mapped literals, and localhost names', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://127.0.0.1:1/', /127\.0\.0\.1 is a loopback address/],
      ['http://[::1]/', /::1 is a loopback address/],
      ['http://localhost/', /localhost is this machine/],
      ['http://LOCALHOST./', /this machine/],
      ['http://bot.localhost/', /this machine/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
      ['http://10.0.0.1/', /10\.0\.0\.1 is a private address/],
      ['http://[::ffff:127.0.0.1]/', /is 127\.0\.0\.1 in IPv6 form, a loopback address/],
      ['http://[::ffff:7f00:1]/', /loopback/],
      ['http://[64:ff9b::a9fe:a9fe]/', /is 169\.254\.169\.254 in IPv6 form, a link-local address/],
      ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
      ['http://2130706433/', /127\.0\.0\.1/],
      ['http://0.0.0.0/', /unspecified/],
      ['http://[::]/', /unspecified/],
      ['http://[fd00::1]/', /private/],
      ['http://[fe80::1]/', /link-local/],
    ];
    const hooks = strict();
    for (const [url, reason] of cases) await assert.rejects(hooks.check(url), invalid(reason), url);
  });

  it('accepts public literals without looking anything up', async () => {
    const resolver = resolverOf({});
    const hooks = createWebhooks({ allowPrivate: false, lookup: resolver });
    await hooks.check('http://93.184.216.34/');
    await hooks.check('https://[2606:2800:220:1:248:1893:25c8:1946]:8443/hook?x=1');
    assert.deepEqual(resolver.calls, []);
  });

  it('resolves names and refuses one when any address is refused', async () => {
    const hooks = strict({
      'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
      'mixed.example': ['93.184.216.34', '10.0.0.1'],
      'metadata.example': ['169.254.169.254'],
      'mapped.example': ['::ffff:192.168.1.1'],
    });
    await hooks.check('https://public.example/hook');
    await assert.rejects(
      hooks.check('https://mixed.example/hook'),
      invalid(/mixed\.example resolves to 10\.0\.0\.1, a private address/),
    );
    await assert.rejects(hooks.check('http://metadata.example/'), invalid(/link-local/));
    await assert.rejects(
      hooks.check('http://mapped.example/'),
      invalid(/mapped\.example resolves to ::ffff:192\.168\.1\.1, 192\.168\.1\.1 in IPv6 form, a private/),
    );
  });

  it('accepts a name that does not resolve (yet), or whose resolver hangs past the timeout', async () => {
    await strict().check('https://not-deployed-yet.example/hook');
    const hanging = createWebhooks({
      allowPrivate: false,
      timeoutMs: 50,
      lookup: () => new Promise(() => {}),
    });
    await hanging.check('https://slow-dns.example/hook');
  });

  it('accepts private addresses when they are allowed', async () => {
    const hooks = local({ lookup: resolverOf({ 'lan.example': ['10.0.0.7'] }) });
    await hooks.check('http://127.0.0.1:8080/');
    await hooks.check('http://localhost/');
    await hooks.check('http://lan.example/');
  });

  it('refuses bad options at creation', () => {
    assert.throws(() => createWebhooks({ allowPrivate: false, timeoutMs: 0 }), /timeoutMs/);
    assert.throws(() => createWebhooks({ allowPrivate: false, maxBodyBytes: 1.5 }), /maxBodyBytes/);
  });
});

describe('the callback address classifier', () => {
  const kind = (address: string) => addressRefusal(address)?.kind;
  const expectKind = (expected: AddressKind | undefined, addresses: string[]) => {
    for (const a of addresses) assert.equal(kind(a), expected, a);
  };

  it('knows every refused IPv4 range, edges included', () => {
    expectKind('unspecified', ['0.0.0.0']);
    expectKind('this-network', ['0.0.0.1', '0.255.255.255']);
    expectKind('private', ['10.0.0.0', '10.255.255.255', '172.16.0.0', '172.31.255.255', '192.168.0.0']);
    expectKind('private', ['192.168.255.255']);
    expectKind('shared', ['100.64.0.0', '100.127.255.255']);
    expectKind('loopback', ['127.0.0.0', '127.0.0.1', '127.255.255.255']);
    expectKind('link-local', ['169.254.0.0', '169.254.169.254', '169.254.255.255']);
    expectKind('protocol', ['192.0.0.0', '192.0.0.255']);
    expectKind('benchmarking', ['198.18.0.0', '198.19.255.255']);
    expectKind('multicast', ['224.0.0.0', '224.0.0.251', '239.255.255.255']);
    expectKind('reserved', ['240.0.0.0', '255.255.255.254']);
    expectKind('broadcast', ['255.255.255.255']);
  });

  it('lets the public neighbours of each IPv4 range through', () => {
    expectKind(undefined, [
      '1.0.0.0',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '126.255.255.255',
      '128.0.0.0',
      '169.253.255.255',
      '169.255.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '191.255.255.255',
      '192.0.1.0',
      '192.167.255.255',
      '192.169.0.0',
      '198.17.255.255',
      '198.20.0.0',
      '223.255.255.255',
      '93.184.216.34',
      '8.8.8.8',
    ]);
  });

  it('knows the native IPv6 ranges', () => {
    expectKind('unspecified', ['::', '0:0:0:0:0:0:0:0']);
    expectKind('loopback', ['::1', '0:0:0:0:0:0:0:1']);
    expectKind('private', ['fc00::', 'fc00::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fd12:3456::7']);
    expectKind('private', ['fec0::1', 'feff:ffff::1', '64:ff9b:1::1', '64:ff9b:1:ffff::1']);
    expectKind('link-local', [
      'fe80::',
      'fe80::1',
      'fe80::1%eth0',
      'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
    expectKind('multicast', ['ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
    expectKind(undefined, [
      '2001:4860:4860::8888',
      '2606:2800:220:1:248:1893:25c8:1946',
      'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      'fe00::1',
      '::2:0:0',
      '64:ff9b:2::1',
    ]);
  });

  it('looks inside IPv4-mapped, compatible, SIIT, NAT64, 6to4 and Teredo forms', () => {
    const inside = (address: string) => addressRefusal(address);
    assert.deepEqual(inside('::ffff:127.0.0.1'), { kind: 'loopback', embedded: '127.0.0.1' });
    assert.deepEqual(inside('::ffff:7f00:1'), { kind: 'loopback', embedded: '127.0.0.1' });
    assert.deepEqual(inside('0:0:0:0:0:ffff:a9fe:a9fe'), { kind: 'link-local', embedded: '169.254.169.254' });
    assert.deepEqual(inside('::ffff:10.1.2.3'), { kind: 'private', embedded: '10.1.2.3' });
    assert.deepEqual(inside('::ffff:0.0.0.0'), { kind: 'unspecified', embedded: '0.0.0.0' });
    assert.deepEqual(inside('::127.0.0.1'), { kind: 'loopback', embedded: '127.0.0.1' });
    assert.deepEqual(inside('::7f00:1'), { kind: 'loopback', embedded: '127.0.0.1' });
    assert.deepEqual(inside('::ffff:0:192.168.0.1'), { kind: 'private', embedded: '192.168.0.1' });
    assert.deepEqual(inside('64:ff9b::127.0.0.1'), { kind: 'loopback', embedded: '127.0.0.1' });
    assert.deepEqual(inside('64:ff9b::a9fe:a9fe'), { kind: 'link-local', embedded: '169.254.169.254' });
    assert.deepEqual(inside('2002:7f00:1::1'), { kind: 'loopback', embedded: '127.0.0.1' });
    assert.deepEqual(inside('2002:a00:1::'), { kind: 'private', embedded: '10.0.0.1' });
    // Teredo keeps the client's IPv4 address with every bit inverted: 80ff:fffe is 127.0.0.1.
    assert.deepEqual(inside('2001:0:4136:e378:8000:63bf:80ff:fffe'), {
      kind: 'loopback',
      embedded: '127.0.0.1',
    });
    expectKind(undefined, [
      '::ffff:93.184.216.34',
      '::ffff:5db8:d822',
      '64:ff9b::93.184.216.34',
      '2002:5db8:d822::1',
      '2001:0:4136:e378:8000:63bf:a247:27dd',
    ]);
  });

  it('refuses whatever is not an IP address', () => {
    expectKind('not-an-address', ['bot.example', '', '127.1', '010.0.0.1', '1::2::3', '[::1]']);
  });
});

describe('cutting UTF-8 at a character boundary', () => {
  const bytes = (s: string) => new Uint8Array(Buffer.from(s));
  const cut = (s: string, n: number) => Buffer.from(withoutBrokenTail(bytes(s).subarray(0, n))).toString();

  it('drops an incomplete trailing character of 2, 3 or 4 bytes and keeps complete ones', () => {
    assert.equal(cut('aé', 2), 'a');
    assert.equal(cut('aé', 3), 'aé');
    assert.equal(cut('a€', 2), 'a');
    assert.equal(cut('a€', 3), 'a');
    assert.equal(cut('a€', 4), 'a€');
    assert.equal(cut('a😀', 2), 'a');
    assert.equal(cut('a😀', 4), 'a');
    assert.equal(cut('a😀', 5), 'a😀');
    assert.equal(cut('abc', 2), 'ab');
    assert.equal(cut('', 0), '');
  });
});
