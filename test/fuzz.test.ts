import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { apiV1 } from '../src/api/v1/endpoints.js';
import { apiV2 } from '../src/api/v2/endpoints.js';
import type { V2Codec } from '../src/api/v2/codec.js';
import type { Chat } from '../src/engine/chat.js';
import {
  fire,
  randomBody,
  randomParams,
  randomValue,
  raw,
  Random,
  type FuzzRequest,
} from './support/fuzz.js';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { getJson, tempDataDir } from './support/server.js';
import { webSignIn, type Browser } from './support/web.js';

/** Cases per run: CI's size by default; LINGR_FUZZ_CASES=20000 for the full run in RELIABILITY.md. */
const CASES = Number(process.env.LINGR_FUZZ_CASES ?? 2000);
/** Every run is reproducible: the seed and the case number name a request exactly. */
const SEED = Number(process.env.LINGR_FUZZ_SEED ?? 20261201);

const ROOMS = ['fuzzroom', 'open', 'closed', 'nosuch', 'x'.repeat(41), 'a%20b'];
const API_PATHS = [
  ...apiMethods().map((name) => `/api/${name}`),
  '/api/event/stream',
  '/api/room/stream',
  '/api/event/ws',
  '/api/no/such/method',
];
const FORM_ACTIONS = ['join', 'edit', 'guest', 'nickname', 'delete', 'leave', 'say'];

/** Every API 2.0 and API 1.0 method the server serves, read from the generations so none is missed. */
function apiMethods(): string[] {
  // Building the tables calls nothing: stand-ins are enough to list their paths.
  const standIn = new Proxy({}, { get: () => ({}) });
  const v2 = apiV2(standIn as Chat, standIn as V2Codec, { hold: async () => undefined });
  const v1 = apiV1(standIn as Chat, 'http://127.0.0.1', () => false);
  return [...new Set([...v2.methods.keys(), ...v1.methods.keys()])];
}

function webPaths(r: Random): string {
  const room = r.pick(ROOMS);
  return r.pick([
    '/',
    '/signin',
    '/signup',
    '/signout',
    '/settings',
    '/rooms/new',
    `/room/${room}`,
    `/room/${room}/edit`,
    `/room/${room}/archives`,
    `/room/${room}/archives/${r.int(10000)}/${r.int(100)}/${r.int(100)}`,
    `/room/${room}/archives/2026/${String(r.int(13)).padStart(2, '0')}/${String(r.int(32)).padStart(2, '0')}`,
    `/room/${room}/badge`,
    `/room/${room}/${r.pick(FORM_ACTIONS)}`,
    `/tag/${safeEncode(randomValue(r, ['vim', 'tag']))}`,
    `/images/user/${safeEncode(randomValue(r, ['fuzzer']))}/42x42.gif`,
    '/static/lingr.css',
    '/static/room.js',
    '/healthz',
    '/metrics',
    `/${safeEncode(randomValue(r, ['fuzzer']))}`,
    `/room/%${r.pick(['', 'zz', 'e0%80'])}`,
  ]);
}

function randomRequest(r: Random, me: Browser & { origin: string }, known: readonly string[]): FuzzRequest {
  const api = r.chance(0.6);
  let path = api ? r.pick(API_PATHS) : webPaths(r);
  const params = randomParams(r, known);
  if (r.chance(0.5)) params.push(['session', r.chance(0.8) ? me.session : randomValue(r, known)]);
  if (r.chance(0.4)) params.push(['csrf', r.chance(0.8) ? me.csrf : randomValue(r, known)]);
  if (r.chance(0.4)) params.push(['room', r.pick(ROOMS)]);
  const method = r.chance(0.85)
    ? r.pick(['GET', 'POST', 'POST'])
    : r.pick(['HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
  const headers: Record<string, string> = {};
  if (r.chance(0.6)) headers.cookie = r.chance(0.8) ? me.cookie : `lingr_session=${randomValue(r, known)}`;
  if (r.chance(0.7)) headers.origin = r.pick([me.origin, me.origin, 'http://evil.example', 'null', '%']);
  if (r.chance(0.3)) headers['x-lingr-csrf'] = r.chance(0.7) ? me.csrf : 'forged';
  if (r.chance(0.1)) headers['last-event-id'] = randomValue(r, known);
  const query = params.length > 0 && (method === 'GET' || r.chance(0.3));
  if (query) path += `?${params.map(([k, v]) => `${safeEncode(k)}=${safeEncode(v)}`).join('&')}`;
  // Header values that node:http would refuse to send are sent as their printable part.
  for (const [k, v] of Object.entries(headers)) headers[k] = v.replace(/[^\x20-\x7e]/g, '');
  if (method === 'GET' || method === 'HEAD' || r.chance(0.1)) return { method, path, headers };
  const { body, type } = randomBody(r, params, known);
  if (type !== undefined) headers['content-type'] = type.replace(/[^\x20-\x7e]/g, '');
  return { method, path, headers, body };
}

function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ff';
  }
}

/** Requests that are not HTTP as a browser would send it. Each must get a 4xx or a closed connection. */
function malformed(host: string): Array<string | Buffer> {
  const big = 'x'.repeat(20_000);
  return [
    'GET\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: a\r\n\r\n',
    'GARBAGE\r\n\r\n',
    '\r\n\r\n\r\n',
    'GET /api/session/verify HTTP/1.0\r\n\r\n',
    `GET /${big} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${big}${big}${big}${big}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nBad Header\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\n: empty name\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nX: a\rb\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nX: \u0000\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nContent-Length: abc\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 99999999999999999999\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n`,
    `POST /api/room/say HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 10\r\n\r\nshort`,
    `GET http://evil.example/api/session/verify HTTP/1.1\r\nHost: evil.example\r\n\r\n`,
    `GET http://lingr.com:99999/api/session/verify HTTP/1.1\r\nHost: lingr.com\r\n\r\n`,
    `GET http://[::1/api HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET * HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET /api/event/ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    `GET /api/event/ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    `GET /api/event/ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n`,
    `GET /nothing HTTP/1.1\r\nHost: ${host}\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\nGET / HTTP/1.1\r\nHost: ${host}\r\n\r\nGARBAGE\r\n\r\n`,
    Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
    Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]),
    `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`,
    `GET /%ff%fe HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET /api/session/verify?session=%ff HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET /room/%00/archives HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    `GET /api/room/stream?room=open HTTP/1.1\r\nHost: ${host}\r\nLast-Event-ID: \u00ff\u00fe\r\n\r\n`,
  ];
}

describe('fuzz: every endpoint and form, and malformed raw HTTP', () => {
  let server: ServerProcess;
  const dataDir = tempDataDir();
  const errors: string[] = [];
  let me: Browser & { origin: string };
  let known: string[];

  before(async () => {
    prepare(dataDir, [
      ['user', 'add', 'fuzzer', '--password', 'password1'],
      ['room', 'add', 'fuzzroom', '--name', 'Fuzz', '--owner', 'fuzzer', '--tags', 'vim,tag'],
      ['room', 'add', 'open', '--name', 'Open', '--owner', 'fuzzer'],
      ['room', 'add', 'closed', '--name', 'Closed', '--owner', 'fuzzer', '--private'],
    ]);
    server = await spawnServer(dataDir, [
      '--observe-hold',
      '0.2',
      '--say-limit',
      '1000000',
      '--call-limit',
      '1000000',
    ]);
    // Anything the server logs as an error is a failure it did not expect.
    createInterface({ input: server.child.stdout! }).on('line', (line) => {
      if (/"level":(50|60)/.test(line)) errors.push(line);
    });
    me = { ...(await webSignIn(server.url, 'fuzzer', 'password1')), origin: server.url };
    const said = await getJson(`${server.url}/api/room/say`, {
      session: me.session,
      room: 'open',
      text: 'x',
    });
    const id = (said.message as { id: string }).id;
    // An API 1.0 session and ticket, so its calls get past the session check too.
    const v1 = (await getJson(`${server.url}/api/session/create`, { api_key: 'k', format: 'json' }))
      .session as string;
    const entered = await getJson(`${server.url}/api/room/enter`, {
      session: v1,
      id: 'open',
      nickname: 'Fuzzy',
      format: 'json',
    });
    known = ['fuzzroom', 'open', 'closed', 'fuzzer', me.session, me.csrf, id, v1, entered.ticket as string];
  });
  after(async () => {
    assert.equal(await stopServer(server, dataDir), 0, 'the server did not stop cleanly');
  });

  it(`answers ${CASES} random requests (seed ${SEED}) without a 5xx, an internal error, a hang or HTML without a CSP`, async (t) => {
    const r = new Random(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < CASES; i++) {
      const req = randomRequest(r, me, known);
      const p = fire(server.url, req)
        .then((answer) => {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const html = /^text\/html/.test(String(answer.headers['content-type']));
          if (html && !answer.headers['content-security-policy'])
            failures.push(`case ${i}: ${req.method} ${req.path.slice(0, 200)} -> HTML without a CSP`);
          if (answer.status >= 500 || /internal_error/.test(answer.text))
            failures.push(
              `case ${i}: ${req.method} ${req.path} -> ${answer.status} ${answer.text.slice(0, 200)}`,
            );
        })
        .catch(
          (err: unknown) => void failures.push(`case ${i}: ${req.method} ${req.path} -> ${String(err)}`),
        );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.equal(server.child.exitCode, null, `the server died: ${server.stderr().slice(-2000)}`);
    assert.deepEqual(failures.slice(0, 10), [], `seed ${SEED}: ${failures.length} failures`);
    assert.deepEqual(errors.slice(0, 5), []);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 'ok');
  });

  it('answers malformed raw HTTP with a 4xx or by closing, and keeps serving', async () => {
    const host = new URL(server.url).host;
    for (const bytes of malformed(host)) {
      const answer = await raw(server.url, bytes);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      assert.ok(
        status === undefined || Number(status) < 500,
        `${JSON.stringify(String(bytes).slice(0, 80))} -> ${status}`,
      );
      assert.equal((await getJson(`${server.url}/healthz`)).status, 'ok');
    }
    assert.deepEqual(errors.slice(0, 5), []);
  });
});
