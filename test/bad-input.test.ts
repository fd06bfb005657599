import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';
import { body, form, multipart, send, type Wire } from './support/http.js';

/** Bad input gets HTTP 200, a stable error code and a readable detail, and changes nothing (spec 2.5). */

const API_TYPE = 'application/javascript; charset=utf-8';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json; charset=utf-8';

type Params = Record<string, string | number>;

/** Asserts an HTTP 200 error answer of exactly `{"status":"error","code","detail"}` and returns the code. */
function errorCode(w: Wire, label = ''): string {
  assert.equal(w.status, 200, `${label} HTTP status: ${w.text}`);
  assert.equal(w.headers['content-type'], API_TYPE, label);
  const b = body(w);
  assert.deepEqual(Object.keys(b).sort(), ['code', 'detail', 'status'], `${label}: ${w.text}`);
  assert.equal(b.status, 'error', label);
  assert.equal(typeof b.detail, 'string', label);
  assert.notEqual(b.detail, '', label);
  return b.code as string;
}

function ok(w: Wire, label = ''): Json {
  assert.equal(w.status, 200, `${label} HTTP status: ${w.text}`);
  const b = body(w);
  assert.equal(b.status, 'ok', `${label}: ${w.text}`);
  return b;
}

const api = (url: string) => ({
  get: (method: string, params: Params): Promise<Wire> =>
    send(url, { path: `/api/${method}?${form(params)}` }),
  post: (method: string, params: Params): Promise<Wire> =>
    send(url, {
      method: 'POST',
      path: `/api/${method}`,
      headers: { 'content-type': FORM_TYPE },
      body: form(params),
    }),
  /** A POST of raw body bytes, with the session (and anything else) in the query. */
  raw: (method: string, query: Params, bytes: string | Buffer, type?: string): Promise<Wire> =>
    send(url, {
      method: 'POST',
      path: `/api/${method}?${form(query)}`,
      headers: type === undefined ? {} : { 'content-type': type },
      body: bytes,
    }),
});

describe('bad input gets stable error codes (spec 2.5, checklist 14)', () => {
  let t: TestServer;
  let bob: string;
  let http: ReturnType<typeof api>;

  before(async () => {
    t = await startTestServer();
    http = api(t.url);
    await t.admin.addRoom({ id: 'vim', name: 'Vim' });
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby' });
    await t.admin.addRoom({ id: 'secret', name: 'Secret', isPublic: false });
    await signedIn(t, 'alice', ['vim']);
    bob = (await signedIn(t, 'bob', ['vim', 'secret'])).session;
  });
  after(() => t.stop());

  /** Texts of the latest messages of a room, as a member sees them. */
  const archived = async (room: string, session = bob): Promise<string[]> =>
    (ok(await http.get('room/get_archives', { session, room, limit: 100 })).messages as Json[]).map(
      (m) => m.text as string,
    );

  it('refuses invalid UTF-8 in the query, a form body, an untyped body and a JSON body', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const before = await archived('vim');
    const attempts: Array<[string, () => Promise<Wire>]> = [
      ['%FF%FE', () => send(t.url, { path: `/api/room/say?session=${session}&room=vim&text=%FF%FE` })],
      ['%C3%28', () => send(t.url, { path: `/api/room/say?session=${session}&room=vim&text=%C3%28` })],
      [
        'encoded surrogate',
        () => send(t.url, { path: `/api/room/say?session=${session}&room=vim&text=%ED%A0%80` }),
      ],
      ['overlong', () => send(t.url, { path: `/api/room/say?session=${session}&room=vim&text=%C0%AF` })],
      [
        'truncated sequence',
        () => send(t.url, { path: `/api/room/say?session=${session}&room=vim&text=%E3%81` }),
      ],
      ['%FF in the body', () => http.raw('room/say', { session }, 'room=vim&text=%FF%FE', FORM_TYPE)],
      [
        'raw byte in a form body',
        () =>
          http.raw(
            'room/say',
            { session },
            Buffer.concat([Buffer.from('room=vim&text=abc'), Buffer.from([0xff, 0xfe])]),
            FORM_TYPE,
          ),
      ],
      [
        'raw byte in an untyped body',
        () =>
          http.raw(
            'room/say',
            { session },
            Buffer.concat([Buffer.from('room=vim&text='), Buffer.from([0xc3, 0x28])]),
          ),
      ],
      [
        'raw byte in a JSON body',
        () =>
          http.raw(
            'room/say',
            { session },
            Buffer.concat([Buffer.from('{"room":"vim","text":"'), Buffer.from([0xff]), Buffer.from('"}')]),
            JSON_TYPE,
          ),
      ],
    ];
    for (const [label, attempt] of attempts)
      assert.equal(errorCode(await attempt(), label), 'invalid_parameter', label);
    assert.deepEqual(await archived('vim'), before, 'nothing was stored');
  });

  it('refuses invalid UTF-8 in a multipart field', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const parts = multipart({ room: 'vim', text: 'MARK' });
    const bytes = Buffer.from(
      parts.body.toString('latin1').replace('MARK', 'bad \u00ff\u00fe byte'),
      'latin1',
    );
    const w = await http.raw('room/say', { session }, bytes, parts.type);
    assert.equal(errorCode(w), 'invalid_parameter');
  });

  it('refuses malformed percent-encoding with invalid_parameter', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const before = await archived('vim');
    for (const bad of ['%ZZ', '%', '%4', 'abc%', '100%', '%G1', '%%41']) {
      const inQuery = await send(t.url, { path: `/api/room/say?session=${session}&room=vim&text=${bad}` });
      assert.equal(errorCode(inQuery, `query ${bad}`), 'invalid_parameter', `query text=${bad}`);
      const inBody = await http.raw('room/say', { session }, `room=vim&text=${bad}`, FORM_TYPE);
      assert.equal(errorCode(inBody, `body ${bad}`), 'invalid_parameter', `body text=${bad}`);
    }
    const inKey = await send(t.url, { path: `/api/room/say?session=${session}&room=vim&te%ZZxt=hi` });
    assert.equal(errorCode(inKey), 'invalid_parameter');
    const inSession = await send(t.url, { path: '/api/session/verify?session=%ZZ' });
    assert.equal(errorCode(inSession), 'invalid_parameter');
    assert.deepEqual(await archived('vim'), before, 'nothing was stored');
  });

  it('refuses missing, empty and whitespace-only text with invalid_parameter', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const attempts: Array<[string, () => Promise<Wire>]> = [
      ['missing', () => http.get('room/say', { session, room: 'vim' })],
      ['empty', () => http.get('room/say', { session, room: 'vim', text: '' })],
      ['spaces', () => http.get('room/say', { session, room: 'vim', text: '   ' })],
      ['newlines', () => http.post('room/say', { session, room: 'vim', text: '\r\n\n\r' })],
      ['tabs and spaces', () => http.post('room/say', { session, room: 'vim', text: ' \t \n ' })],
      ['ideographic space', () => http.get('room/say', { session, room: 'vim', text: '\u3000' })],
      [
        'JSON empty',
        () => http.raw('room/say', { session }, JSON.stringify({ room: 'vim', text: '' }), JSON_TYPE),
      ],
      [
        'JSON blank',
        () => http.raw('room/say', { session }, JSON.stringify({ room: 'vim', text: ' \n' }), JSON_TYPE),
      ],
      [
        'JSON null',
        () => http.raw('room/say', { session }, JSON.stringify({ room: 'vim', text: null }), JSON_TYPE),
      ],
    ];
    for (const [label, attempt] of attempts)
      assert.equal(errorCode(await attempt(), label), 'invalid_parameter', label);
  });

  it('accepts text of 10,000 characters counted in code points and refuses longer text', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const say = (text: string) => http.post('room/say', { session, room: 'vim', text });
    const accepted = ['a'.repeat(10_000), '😀'.repeat(10_000), 'あ'.repeat(10_000), `${'😀'.repeat(9_999)}a`];
    for (const text of accepted) {
      const m = ok(await say(text), `${text.length} UTF-16 units`).message as Json;
      assert.equal(m.text, text);
    }
    const refused = ['a'.repeat(10_001), '😀'.repeat(10_001), `${'😀'.repeat(10_000)}a`, 'x'.repeat(50_000)];
    for (const text of refused)
      assert.equal(errorCode(await say(text), `${text.length} units`), 'invalid_parameter');
    const json = await http.raw(
      'room/say',
      { session },
      JSON.stringify({ room: 'vim', text: 'b'.repeat(10_001) }),
      JSON_TYPE,
    );
    assert.equal(errorCode(json), 'invalid_parameter');
  });

  it('refuses an observe without a counter or with a counter that is not an integer, at once', async () => {
    const session = (await signedIn(t, 'alice')).session;
    ok(await http.get('room/subscribe', { session, room: 'vim' }));
    const attempts: Array<[string, () => Promise<Wire>]> = [
      ['missing', () => http.get('event/observe', { session })],
      ['empty', () => http.get('event/observe', { session, counter: '' })],
      ['abc', () => http.get('event/observe', { session, counter: 'abc' })],
      ['12abc', () => http.get('event/observe', { session, counter: '12abc' })],
      ['1.5', () => http.get('event/observe', { session, counter: '1.5' })],
      ['-1', () => http.get('event/observe', { session, counter: '-1' })],
      ['POST abc', () => http.post('event/observe', { session, counter: 'abc' })],
      [
        'JSON "abc"',
        () => http.raw('event/observe', { session }, JSON.stringify({ counter: 'abc' }), JSON_TYPE),
      ],
      ['JSON 1.5', () => http.raw('event/observe', { session }, JSON.stringify({ counter: 1.5 }), JSON_TYPE)],
    ];
    for (const [label, attempt] of attempts) {
      const started = Date.now();
      assert.equal(errorCode(await attempt(), label), 'invalid_parameter', label);
      assert.ok(Date.now() - started < 1500, `${label} was answered at once, not held`);
    }
  });

  it('answers not_found for a room that does not exist', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const attempts: Array<[string, () => Promise<Wire>]> = [
      ['show', () => http.get('room/show', { session, room: 'nowhere' })],
      ['show in a list', () => http.get('room/show', { session, room: 'vim,nowhere' })],
      ['subscribe', () => http.get('room/subscribe', { session, room: 'nowhere' })],
      ['get_archives', () => http.get('room/get_archives', { session, room: 'nowhere' })],
      ['say', () => http.post('room/say', { session, room: 'nowhere', text: 'hello?' })],
      ['case-sensitive id', () => http.get('room/show', { session, room: 'VIM' })],
    ];
    for (const [label, attempt] of attempts)
      assert.equal(errorCode(await attempt(), label), 'not_found', label);
  });

  it('answers forbidden for saying in a public room the user is not a member of', async () => {
    const session = (await signedIn(t, 'alice')).session;
    // The room is visible: show and subscribe work ...
    ok(await http.get('room/show', { session, room: 'lobby' }));
    ok(await http.get('room/subscribe', { session, room: 'lobby' }));
    // ... but saying there is not allowed.
    assert.equal(errorCode(await http.get('room/say', { session, room: 'lobby', text: 'hi' })), 'forbidden');
    assert.equal(errorCode(await http.post('room/say', { session, room: 'lobby', text: 'hi' })), 'forbidden');
    assert.deepEqual(await archived('lobby', session), []);
  });

  it('answers not_found for a private room to a non-member on show, subscribe, get_archives and say', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const calls: Array<[string, (s: string) => Promise<Wire>]> = [
      ['show', (s) => http.get('room/show', { session: s, room: 'secret' })],
      ['show in a list', (s) => http.get('room/show', { session: s, rooms: 'vim,secret' })],
      ['subscribe', (s) => http.get('room/subscribe', { session: s, room: 'secret' })],
      ['get_archives', (s) => http.get('room/get_archives', { session: s, room: 'secret' })],
      ['say', (s) => http.post('room/say', { session: s, room: 'secret', text: `said by ${s}` })],
    ];
    for (const [label, call] of calls) {
      assert.equal(errorCode(await call(session), label), 'not_found', `non-member ${label}`);
      ok(await call(bob), `member ${label}`);
    }
    assert.ok(!(await archived('secret')).includes(`said by ${session}`), 'nothing was stored');
    assert.ok((await archived('secret')).includes(`said by ${bob}`));
  });

  it('refuses a malformed JSON body with invalid_parameter', async () => {
    const session = (await signedIn(t, 'alice')).session;
    const before = await archived('vim');
    for (const text of [
      '{"room": "vim", "text": ',
      'not json',
      '{',
      "{'room':'vim','text':'hi'}",
      '{"room":"vim","text":"hi",}',
      '[1,2]',
      '"room=vim&text=hi"',
      '42',
      'null',
    ]) {
      for (const type of ['application/json', JSON_TYPE]) {
        const w = await http.raw('room/say', { session }, text, type);
        assert.equal(errorCode(w, text), 'invalid_parameter', `${type} ${text}`);
      }
    }
    assert.deepEqual(await archived('vim'), before, 'nothing was stored');
  });

  it('answers invalid_session on every session endpoint without a live session', async () => {
    const dead = (await signedIn(t, 'alice')).session;
    ok(await http.get('session/destroy', { session: dead }));
    const endpoints = [
      'session/verify',
      'session/set_presence',
      'user/get_rooms',
      'room/show',
      'room/get_archives',
      'room/subscribe',
      'room/unsubscribe',
      'room/say',
      'event/observe',
      'favorite/add',
      'favorite/remove',
    ];
    const others: Params = { room: 'vim', text: 'ghost', counter: 1, presence: 'online', message: 1 };
    for (const method of endpoints)
      for (const [label, session] of [
        ['missing', undefined],
        ['empty', ''],
        ['unknown', 'x'.repeat(24)],
        ['destroyed', dead],
      ] as const) {
        // `message` makes a room/say one of API 1.0 (spec 2.2): only favourites get it here.
        const { message: _id, ...rest } = others;
        const sent = method.startsWith('favorite/') ? others : rest;
        const params = session === undefined ? sent : { ...sent, session };
        for (const [verb, call] of [
          ['GET', http.get],
          ['POST', http.post],
        ] as const)
          assert.equal(
            errorCode(await call(method, params), label),
            'invalid_session',
            `${verb} ${method} ${label}`,
          );
      }
    assert.ok(!(await archived('vim')).includes('ghost'));
  });
});

describe('a body over the limit gets invalid_parameter (spec 2.5)', () => {
  let t: TestServer;
  let session: string;
  let http: ReturnType<typeof api>;
  before(async () => {
    t = await startTestServer({ bodyLimit: '2048' });
    http = api(t.url);
    session = (await signedIn(t, 'alice', ['vim'])).session;
  });
  after(() => t.stop());

  /** `HTTP <status> <code or ok>` of each attempt, so a failure names every variant that went wrong. */
  const outcomes = async (
    attempts: Array<[string, () => Promise<Wire>]>,
  ): Promise<Record<string, string>> => {
    const seen: Record<string, string> = {};
    for (const [label, attempt] of attempts) {
      const w = await attempt();
      const b = body(w);
      seen[label] = `HTTP ${w.status} ${b.status === 'error' ? String(b.code) : String(b.status)}`;
      if (b.status === 'error') errorCode(w, label);
    }
    return seen;
  };
  const refusedAll = (attempts: Array<[string, unknown]>): Record<string, string> =>
    Object.fromEntries(attempts.map(([label]) => [label, 'HTTP 200 invalid_parameter']));
  const stored = async (): Promise<string[]> =>
    (ok(await http.get('room/get_archives', { session, room: 'vim' })).messages as Json[]).map(
      (m) => m.text as string,
    );

  it('refuses form, untyped, chunked and JSON bodies over the limit, and accepts one under it', async () => {
    const big = 'a'.repeat(4000);
    const before = await stored();
    const attempts: Array<[string, () => Promise<Wire>]> = [
      ['form', () => http.raw('room/say', { session }, `room=vim&text=${big}`, FORM_TYPE)],
      ['untyped', () => http.raw('room/say', { session }, `room=vim&text=${big}`)],
      [
        'chunked, no Content-Length',
        () =>
          send(t.url, {
            method: 'POST',
            path: `/api/room/say?${form({ session })}`,
            headers: { 'content-type': FORM_TYPE },
            chunks: ['room=vim&text=', 'b'.repeat(1500), 'b'.repeat(1500)],
          }),
      ],
      [
        'JSON',
        () => http.raw('room/say', { session }, JSON.stringify({ room: 'vim', text: big }), JSON_TYPE),
      ],
    ];
    assert.deepEqual(await outcomes(attempts), refusedAll(attempts));
    assert.deepEqual(await stored(), before, 'nothing was stored');

    const under = ok(await http.raw('room/say', { session }, `room=vim&text=${'c'.repeat(1500)}`, FORM_TYPE));
    assert.equal((under.message as Json).text, 'c'.repeat(1500));
  });

  it('refuses multipart bodies over the limit, counting the whole body', async () => {
    const before = await stored();
    const oneBigField = multipart({ room: 'vim', text: 'a'.repeat(4000) });
    const manyFields = multipart({
      room: 'vim',
      text: 'many fields',
      pad1: 'p'.repeat(1000),
      pad2: 'p'.repeat(1000),
      pad3: 'p'.repeat(1000),
    });
    const boundary = 'file-boundary-3b2e';
    const withFile = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="room"\r\n\r\nvim\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nwith a big file\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.gif"\r\n` +
        `Content-Type: image/gif\r\n\r\n${'g'.repeat(4000)}\r\n--${boundary}--\r\n`,
    );
    const attempts: Array<[string, () => Promise<Wire>]> = [
      [
        'one field over the limit',
        () => http.raw('room/say', { session }, oneBigField.body, oneBigField.type),
      ],
      [
        'fields under the limit, body over it',
        () => http.raw('room/say', { session }, manyFields.body, manyFields.type),
      ],
      [
        'a file part over the limit',
        () => http.raw('room/say', { session }, withFile, `multipart/form-data; boundary=${boundary}`),
      ],
    ];
    assert.deepEqual(await outcomes(attempts), refusedAll(attempts));
    assert.deepEqual(await stored(), before, 'nothing was stored');
  });
});

describe('malformed input found by an attack gets a 4xx, never a 500 or a crash', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addRoom({ id: 'dated', name: 'Dated' });
  });
  after(() => t.stop());

  it('answers an archive day that is no date with the 404 page', async () => {
    for (const day of ['9999/99/99', '2026/02/30', '0000/00/00', '2026/13/01']) {
      const res = await send(t.url, { path: `/room/dated/archives/${day}` });
      assert.equal(res.status, 404, day);
      assert.match(res.text, /is not a date/);
    }
  });

  it('refuses a multipart field named "" with invalid_parameter, on the API and on a form', async () => {
    const boundary = 'nameless-7f3a';
    const bytes = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name=""\r\n\r\nvalue\r\n--${boundary}--\r\n`,
    );
    const type = `multipart/form-data; boundary=${boundary}`;
    const apiAnswer = await send(t.url, {
      method: 'POST',
      path: '/api/session/create',
      headers: { 'content-type': type },
      body: bytes,
    });
    assert.equal(errorCode(apiAnswer), 'invalid_parameter');
    const page = await send(t.url, {
      method: 'POST',
      path: '/signin',
      headers: { 'content-type': type, origin: t.url },
      body: bytes,
    });
    assert.equal(page.status, 400);
    assert.match(page.text, /A multipart field has no name/);
  });

  it('survives a multipart body cut off inside a file part', async () => {
    const boundary = 'cut-off-19c2';
    const bytes = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="icon"; filename="a.png"\r\n\r\nPNG...`,
    );
    const answer = await send(t.url, {
      method: 'POST',
      path: '/api/session/verify',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: bytes,
    });
    assert.equal(errorCode(answer), 'invalid_parameter');
    assert.equal(body(await send(t.url, { path: '/healthz' })).status, 'ok');
  });
});
