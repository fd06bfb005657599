import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';
import { body, form, multipart, send, type Wire } from './support/http.js';

/**
 * Spec section 9, items 2-9 and 12-14 for API 2.0, over real HTTP: every request encoding a Lingr 2.0
 * client sends, the normalisation of parameters, and the shape of every answer.
 */

const API_TYPE = 'application/javascript; charset=utf-8';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json; charset=utf-8';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const MESSAGE_KEYS = [
  'icon_url',
  'id',
  'local_id',
  'nickname',
  'public_session_id',
  'room',
  'speaker_id',
  'text',
  'timestamp',
  'type',
];

type Params = Record<string, string | number>;

describe('API 2.0 request encodings and answers (spec 2, checklist 2-9, 12-14)', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
    await t.admin.addRoom({ id: 'vim', name: 'Vim' });
    await t.admin.addRoom({ id: 'emacs', name: 'Emacs' });
    await t.admin.addRoom({ id: 'perl', name: 'Perl' });
    await t.admin.addRoom({ id: 'lobby', name: 'Lobby' });
    for (const user of ['alice', 'bob']) await signedIn(t, user, ['vim', 'emacs', 'perl']);
    await signedIn(t, 'carol', ['vim', 'emacs']);
  });
  after(() => t.stop());

  // --- helpers ------------------------------------------------------------------------------------

  /** A fresh session of an existing user (each test gets its own, so rate limits never interfere). */
  const sessionOf = async (username: string): Promise<string> => (await signedIn(t, username)).session;

  const get = (method: string, params: Params): Promise<Wire> =>
    send(t.url, { path: `/api/${method}?${form(params)}` });

  const post = (
    method: string,
    params: Params,
    headers: Record<string, string> = { 'content-type': FORM_TYPE },
  ) => send(t.url, { method: 'POST', path: `/api/${method}`, headers, body: form(params) });

  const postJson = (method: string, value: unknown, query = ''): Promise<Wire> =>
    send(t.url, {
      method: 'POST',
      path: `/api/${method}${query}`,
      headers: { 'content-type': JSON_TYPE },
      body: JSON.stringify(value),
    });

  /** Asserts an HTTP 200 `{"status":"ok"}` answer with the API content type and returns its body. */
  const ok = (w: Wire, label = ''): Json => {
    assert.equal(w.status, 200, `${label} HTTP status: ${w.text}`);
    assert.equal(w.headers['content-type'], API_TYPE, label);
    const b = body(w);
    assert.equal(b.status, 'ok', `${label}: ${w.text}`);
    return b;
  };

  /** Asserts an HTTP 200 error answer of exactly `{"status":"error","code","detail"}` and returns the code. */
  const errorCode = (w: Wire, label = ''): string => {
    assert.equal(w.status, 200, `${label} HTTP status: ${w.text}`);
    assert.equal(w.headers['content-type'], API_TYPE, label);
    const b = body(w);
    assert.deepEqual(Object.keys(b).sort(), ['code', 'detail', 'status'], `${label}: ${w.text}`);
    assert.equal(b.status, 'error', label);
    assert.equal(typeof b.code, 'string', label);
    assert.equal(typeof b.detail, 'string', label);
    assert.notEqual(b.detail, '', label);
    return b.code as string;
  };

  const message = (b: Json): Json => b.message as Json;
  const roomIds = (b: Json): string[] => (b.rooms as Json[]).map((r) => r.id as string);
  const messagesIn = (b: Json): Json[] =>
    (b.events as Json[]).flatMap((e) => (e.message ? [e.message as Json] : []));

  /** Observe that must answer at once: the caller has made sure events after `counter` exist. */
  const observeNow = async (session: string, counter: unknown, extra: Params = {}): Promise<Json[]> =>
    messagesIn(ok(await get('event/observe', { session, counter: counter as number, ...extra }), 'observe'));

  // --- verbs and body encodings (2.3, checklist 3 and 4) ------------------------------------------

  describe('verbs and body encodings', () => {
    it('accepts GET and POST on every API 2.0 endpoint', async () => {
      for (const verb of ['GET', 'POST'] as const) {
        const call = (method: string, params: Params) =>
          verb === 'GET' ? get(method, params) : post(method, params);
        const created = ok(await call('session/create', { user: 'carol', password: 'password1' }), verb);
        const session = created.session as string;
        assert.equal(ok(await call('session/verify', { session }), verb).session, session);
        ok(await call('session/set_presence', { session, presence: 'online' }), verb);
        assert.deepEqual(ok(await call('user/get_rooms', { session }), verb).rooms, ['vim', 'emacs']);
        assert.deepEqual(roomIds(ok(await call('room/show', { session, room: 'vim' }), verb)), ['vim']);
        const { counter } = ok(await call('room/subscribe', { session, room: 'vim' }), verb);
        assert.equal(typeof counter, 'number');
        const said = message(ok(await call('room/say', { session, room: 'vim', text: `said by ${verb}` })));
        assert.equal(said.text, `said by ${verb}`);
        const archived = ok(await call('room/get_archives', { session, room: 'vim', limit: 1 }), verb);
        assert.deepEqual(
          (archived.messages as Json[]).map((m) => m.id),
          [said.id],
        );
        const observed = messagesIn(
          ok(await call('event/observe', { session, counter: counter as number }), verb),
        );
        assert.deepEqual(
          observed.map((m) => m.id),
          [said.id],
        );
        const faved = message(ok(await call('favorite/add', { session, message: said.id as string }), verb));
        assert.equal(typeof faved.favorite_id, 'string');
        const unfaved = message(ok(await call('favorite/remove', { session, message: said.id as string })));
        assert.equal(unfaved.favorite_id, undefined);
        assert.equal(
          typeof ok(await call('room/unsubscribe', { session, room: 'vim' }), verb).counter,
          'number',
        );
        assert.deepEqual(body(await call('session/destroy', { session })), { status: 'ok' });
        assert.equal(errorCode(await call('session/verify', { session }), verb), 'invalid_session');
      }
    });

    it('merges query-string and body parameters, the body winning', async () => {
      const session = await sessionOf('alice');
      const query = form({ session, room: 'emacs', text: 'from the query', nickname: 'Query' });
      const formBody = await send(t.url, {
        method: 'POST',
        path: `/api/room/say?${query}`,
        headers: { 'content-type': FORM_TYPE },
        body: form({ room: 'vim', text: 'from the form body' }),
      });
      const m = message(ok(formBody));
      assert.equal(m.room, 'vim');
      assert.equal(m.text, 'from the form body');
      assert.equal(m.nickname, 'Query', 'a parameter only in the query is still read');

      const jsonBody = message(ok(await postJson('room/say', { text: 'from the JSON body' }, `?${query}`)));
      assert.equal(jsonBody.room, 'emacs');
      assert.equal(jsonBody.text, 'from the JSON body');
      assert.equal(jsonBody.nickname, 'Query');

      const parts = multipart({ text: 'from the multipart body', room: 'perl' });
      const multi = message(
        ok(
          await send(t.url, {
            method: 'POST',
            path: `/api/room/say?${query}`,
            headers: { 'content-type': parts.type },
            body: parts.body,
          }),
        ),
      );
      assert.equal(multi.room, 'perl');
      assert.equal(multi.text, 'from the multipart body');
    });

    it('parses an application/x-www-form-urlencoded body (+ is a space, escapes are UTF-8)', async () => {
      const session = await sessionOf('alice');
      for (const type of [FORM_TYPE, `${FORM_TYPE}; charset=UTF-8`, 'Application/X-WWW-Form-Urlencoded']) {
        const w = await send(t.url, {
          method: 'POST',
          path: '/api/room/say',
          headers: { 'content-type': type },
          body: `session=${session}&room=vim&text=a+b%2Bc%20%E3%81%82%F0%9F%98%80+%26+x%3Dy`,
        });
        assert.equal(message(ok(w, type)).text, 'a b+c あ😀 & x=y', type);
      }
    });

    it('parses a urlencoded body sent without any Content-Type header', async () => {
      const session = await sessionOf('alice');
      const said = await send(t.url, {
        method: 'POST',
        path: '/api/room/say',
        body: `session=${session}&room=vim&text=no+content+type+%E3%81%82`,
      });
      assert.equal(message(ok(said)).text, 'no content type あ');
      const verified = await send(t.url, {
        method: 'POST',
        path: '/api/session/verify',
        body: form({ session }),
      });
      assert.equal(ok(verified).session, session);
    });

    it('uses the query string of a POST whose body is empty', async () => {
      const credentials = form({ user: 'alice', password: 'password1' });
      const shapes: Array<{ headers: Record<string, string>; chunked?: boolean }> = [
        { headers: { 'content-type': FORM_TYPE, 'content-length': '0' } },
        { headers: { 'content-length': '0' } },
        { headers: { 'content-type': FORM_TYPE }, chunked: true },
        { headers: { 'content-type': JSON_TYPE, 'content-length': '0' } },
      ];
      for (const shape of shapes) {
        const label = JSON.stringify(shape);
        const emptyPost = (path: string) =>
          send(t.url, {
            method: 'POST',
            path,
            headers: shape.headers,
            ...(shape.chunked ? { chunks: [] } : { body: '' }),
          });
        const created = ok(await emptyPost(`/api/session/create?${credentials}`), label);
        const session = created.session as string;
        assert.equal(ok(await emptyPost(`/api/session/verify?${form({ session })}`), label).session, session);
        assert.deepEqual(body(await emptyPost(`/api/session/destroy?${form({ session })}`)), {
          status: 'ok',
        });
        assert.equal(errorCode(await get('session/verify', { session }), label), 'invalid_session');
      }
    });

    it('parses a JSON body: JSON numbers, booleans, null as absent, string arrays joined', async () => {
      const { session } = await signedIn(t, 'dave', ['vim', 'emacs']);
      const sayer = await sessionOf('bob');
      ok(await get('room/subscribe', { session, room: 'perl' }));
      // An array of strings is a comma-separated list; JSON true replaces the subscription set.
      const sub = ok(await postJson('room/subscribe', { session, room: ['vim', 'emacs'], reset: true }));
      assert.equal(typeof sub.counter, 'number');
      const counter = sub.counter as number;

      // null means absent: the session nickname is used and local_id is null.
      const said = message(
        ok(
          await postJson('room/say', {
            session,
            room: 'vim',
            text: 'json ✓',
            nickname: null,
            local_id: null,
          }),
        ),
      );
      assert.equal(said.nickname, 'Dave');
      assert.equal(said.local_id, null);
      assert.equal(said.text, 'json ✓');
      // A number becomes its decimal string.
      const numeric = message(ok(await postJson('room/say', { session, room: 'emacs', text: 42 })));
      assert.equal(numeric.text, '42');
      ok(await postJson('room/say', { session: sayer, room: 'perl', text: 'perl is no longer subscribed' }));

      // counter as a JSON number.
      const observed = messagesIn(ok(await postJson('event/observe', { session, counter })));
      assert.deepEqual(
        observed.map((m) => m.text),
        ['json ✓', '42'],
      );

      // limit and before as JSON numbers.
      const latest = ok(await postJson('room/get_archives', { session, room: 'vim', limit: 1 }));
      assert.deepEqual(
        (latest.messages as Json[]).map((m) => m.id),
        [said.id],
      );
      const older = ok(
        await postJson('room/get_archives', { session, room: 'vim', limit: 100, before: Number(said.id) }),
      );
      assert.ok((older.messages as Json[]).every((m) => Number(m.id) < Number(said.id)));
      assert.ok(!(older.messages as Json[]).some((m) => m.id === said.id));

      // An array of strings on room/show, in request order.
      assert.deepEqual(roomIds(ok(await postJson('room/show', { session, rooms: ['emacs', 'vim'] }))), [
        'emacs',
        'vim',
      ]);

      // JSON false adds to the set instead of replacing it.
      const added = ok(await postJson('room/subscribe', { session, room: 'perl', reset: false }));
      ok(await postJson('room/say', { session: sayer, room: 'vim', text: 'vim after reset:false' }));
      ok(await postJson('room/say', { session: sayer, room: 'perl', text: 'perl after reset:false' }));
      assert.deepEqual(
        (await observeNow(session, added.counter)).map((m) => m.text),
        ['vim after reset:false', 'perl after reset:false'],
      );
    });

    it('parses a multipart/form-data body', async () => {
      const session = await sessionOf('alice');
      const parts = multipart({
        session,
        room: 'vim',
        text: 'multi\r\npart ✓ 😀',
        nickname: 'Multi',
        local_id: 'mp-1',
      });
      const w = await send(t.url, {
        method: 'POST',
        path: '/api/room/say',
        headers: { 'content-type': parts.type },
        body: parts.body,
      });
      const m = message(ok(w));
      assert.equal(m.text, 'multi\npart ✓ 😀');
      assert.equal(m.nickname, 'Multi');
      assert.equal(m.local_id, 'mp-1');
      assert.equal(m.room, 'vim');
      const verify = multipart({ session }, 'another-boundary');
      const verified = await send(t.url, {
        method: 'POST',
        path: '/api/session/verify',
        headers: { 'content-type': verify.type },
        body: verify.body,
      });
      assert.equal(ok(verified).session, session);
    });

    it('ignores a form Content-Type on a GET with an empty body', async () => {
      const session = await sessionOf('alice');
      const variants: Array<Record<string, string>> = [
        { 'content-type': FORM_TYPE },
        { 'content-type': `${FORM_TYPE}; charset=utf-8`, 'content-length': '0' },
        { 'content-type': JSON_TYPE },
        { 'content-type': 'multipart/form-data; boundary=x' },
      ];
      for (const headers of variants) {
        const w = await send(t.url, { path: `/api/session/verify?${form({ session })}`, headers });
        assert.equal(ok(w, JSON.stringify(headers)).session, session);
        const rooms = await send(t.url, { path: `/api/user/get_rooms?${form({ session })}`, headers });
        assert.deepEqual(ok(rooms).rooms, ['vim', 'emacs', 'perl']);
      }
    });

    it('parses a body of any other content type as a form', async () => {
      const session = await sessionOf('alice');
      for (const type of [
        'text/plain',
        'text/plain; charset=utf-8',
        'application/octet-stream',
        'text/xml',
        'application/x-lingr-unknown',
      ]) {
        const w = await send(t.url, {
          method: 'POST',
          path: '/api/room/say',
          headers: { 'content-type': type },
          body: form({ session, room: 'vim', text: `typed ${type} あ` }),
        });
        assert.equal(message(ok(w, type)).text, `typed ${type} あ`, type);
      }
    });
  });

  // --- paths and request targets (2.1, checklist 2 and 3) -----------------------------------------

  describe('paths and request targets', () => {
    it('ignores a trailing slash on the path', async () => {
      const session = await sessionOf('alice');
      assert.equal(
        ok(await send(t.url, { path: `/api/session/verify/?${form({ session })}` })).session,
        session,
      );
      assert.deepEqual(ok(await send(t.url, { path: `/api/user/get_rooms/?${form({ session })}` })).rooms, [
        'vim',
        'emacs',
        'perl',
      ]);
      const said = await send(t.url, {
        method: 'POST',
        path: '/api/room/say/',
        headers: { 'content-type': FORM_TYPE },
        body: form({ session, room: 'vim', text: 'trailing slash' }),
      });
      assert.equal(message(ok(said)).text, 'trailing slash');
      const created = await send(t.url, {
        method: 'POST',
        path: '/api/session/create/',
        headers: { 'content-type': FORM_TYPE },
        body: form({ user: 'alice', password: 'password1' }),
      });
      assert.equal(typeof ok(created).session, 'string');
    });

    it('routes absolute-form targets for lingr.com and www.lingr.com, with any port, by path', async () => {
      const session = await sessionOf('alice');
      const targets: Array<[string, string]> = [
        ['http://lingr.com:8080', 'lingr.com:8080'],
        ['http://lingr.com', 'lingr.com'],
        ['http://www.lingr.com', 'www.lingr.com'],
        ['http://lingr.com:80', 'lingr.com'],
        ['http://www.lingr.com:8080', 'www.lingr.com:8080'],
        // The server's own configured names (localhost and 127.0.0.1 by default) are accepted too.
        [t.url, new URL(t.url).host],
        [`http://localhost:${new URL(t.url).port}`, `localhost:${new URL(t.url).port}`],
      ];
      for (const [origin, host] of targets) {
        if (host.startsWith('www.')) {
          // www.lingr.com speaks API 1.0 on the paths both serve (spec 2.2), and API 2.0 on its own paths.
          const rooms = await send(t.url, {
            path: `${origin}/api/user/get_rooms?${form({ session })}`,
            headers: { host },
          });
          assert.ok((ok(rooms, origin).rooms as string[]).includes('vim'), origin);
          const v1 = await send(t.url, { path: `${origin}/api/session/create?api_key=k`, headers: { host } });
          assert.equal(v1.headers['content-type'], 'text/xml; charset=utf-8', origin);
          assert.match(v1.text, /<status>ok<\/status><session>[A-Za-z0-9]{11}<\/session>/, origin);
          continue;
        }
        const verified = await send(t.url, {
          path: `${origin}/api/session/verify?${form({ session })}`,
          headers: { host },
        });
        assert.equal(ok(verified, origin).session, session, origin);
        const said = await send(t.url, {
          method: 'POST',
          path: `${origin}/api/room/say`,
          headers: { host, 'content-type': FORM_TYPE },
          body: form({ session, room: 'vim', text: `via ${origin}` }),
        });
        assert.equal(message(ok(said, origin)).text, `via ${origin}`);
      }
      // A query with escapes and a trailing slash, and the observe call some clients send to :8080.
      const { counter } = ok(await get('room/subscribe', { session, room: 'emacs' }));
      const said = await send(t.url, {
        path: `http://lingr.com/api/room/say/?${form({ session, room: 'emacs', text: 'absolute あ 😀 a+b' })}`,
        headers: { host: 'lingr.com' },
      });
      assert.equal(message(ok(said)).text, 'absolute あ 😀 a+b');
      const observed = await send(t.url, {
        path: `http://lingr.com:8080/api/event/observe?${form({ session, counter: counter as number })}`,
        headers: { host: 'lingr.com:8080' },
      });
      assert.deepEqual(
        messagesIn(ok(observed)).map((m) => m.text),
        ['absolute あ 😀 a+b'],
      );
    });

    it('answers an absolute-form target naming a foreign host with HTTP 400', async () => {
      const session = await sessionOf('alice');
      for (const [origin, host] of [
        ['http://example.com', 'example.com'],
        ['http://example.com:8080', 'example.com:8080'],
        ['http://lingr.com.example.net', 'lingr.com.example.net'],
        ['http://notlingr.com', 'notlingr.com'],
      ] as const) {
        const w = await send(t.url, {
          path: `${origin}/api/session/verify?${form({ session })}`,
          headers: { host },
        });
        assert.equal(w.status, 400, origin);
        assert.ok(!w.text.includes(session), 'nothing of the session leaks');
      }
    });
  });

  // --- parameter normalisation (2.3, checklist 5-8) -----------------------------------------------

  describe('parameter normalisation', () => {
    it('reads room and rooms as one list: spaces trimmed, empty items and duplicates dropped, order kept', async () => {
      const session = await sessionOf('alice');
      const show = async (params: Params) => roomIds(ok(await get('room/show', { session, ...params })));
      assert.deepEqual(await show({ room: ' vim , ,emacs,vim,' }), ['vim', 'emacs']);
      assert.deepEqual(await show({ rooms: 'perl,vim,' }), ['perl', 'vim']);
      assert.deepEqual(await show({ room: 'vim', rooms: 'vim,emacs' }), ['vim', 'emacs']);
      assert.deepEqual(await show({ rooms: ',,emacs,,' }), ['emacs']);
      assert.deepEqual(await show({ room: 'emacs , perl ,vim' }), ['emacs', 'perl', 'vim']);
      assert.deepEqual(await show({ room: 'perl,perl,perl' }), ['perl']);

      // subscribe: each listed room exactly once, nothing else, no duplicate delivery.
      const sayer = await sessionOf('bob');
      const sub = ok(
        await get('room/subscribe', { session, room: ' vim , ,emacs,vim,', rooms: 'emacs,', reset: 'true' }),
      );
      for (const room of ['vim', 'emacs', 'perl'])
        ok(await get('room/say', { session: sayer, room, text: `list ${room}` }));
      assert.deepEqual(
        (await observeNow(session, sub.counter)).map((m) => m.text),
        ['list vim', 'list emacs'],
      );
      const both = ok(await get('room/subscribe', { session, room: 'perl', rooms: 'perl,vim,', reset: '1' }));
      for (const room of ['vim', 'emacs', 'perl'])
        ok(await get('room/say', { session: sayer, room, text: `again ${room}` }));
      assert.deepEqual(
        (await observeNow(session, both.counter)).map((m) => m.text),
        ['again vim', 'again perl'],
      );
    });

    it('accepts app_key, api_key and apiKey with any value on any call', async () => {
      const sayer = await sessionOf('bob');
      const variants: Array<[string, string]> = [
        ['app_key', 'abc123'],
        ['api_key', '0123456789abcdef0123456789abcdef'],
        ['apiKey', 'never issued ✓ !@#$%^&*()'],
        ['app_key', 'k'.repeat(500)],
      ];
      for (const [alias, value] of variants) {
        const label = `${alias}=${value.slice(0, 20)}`;
        const key = { [alias]: value };
        const created = ok(
          await get('session/create', { user: 'alice', password: 'password1', ...key }),
          label,
        );
        const session = created.session as string;
        ok(await get('session/verify', { session, ...key }), label);
        ok(await post('user/get_rooms', { session, ...key }), label);
        ok(await get('room/show', { session, room: 'vim', ...key }), label);
        const { counter } = ok(await get('room/subscribe', { session, room: 'vim', ...key }), label);
        ok(await get('room/say', { session, room: 'vim', text: `own line ${label}`, ...key }), label);
        ok(await get('room/say', { session: sayer, room: 'vim', text: `other line ${label}` }), label);
        assert.deepEqual(
          (await observeNow(session, counter, key)).map((m) => m.text),
          [`own line ${label}`, `other line ${label}`],
          label,
        );
        ok(await get('session/destroy', { session, ...key }), label);
      }
      const json = ok(
        await postJson('session/create', { user: 'alice', password: 'password1', apiKey: 'json-key' }),
      );
      assert.equal(typeof json.session, 'string');
      const all = ok(
        await get('session/create', {
          user: 'alice',
          password: 'password1',
          app_key: 'a',
          api_key: 'b',
          apiKey: 'c',
        }),
      );
      assert.equal(typeof all.session, 'string');
    });

    it('reads true, True, 1, yes, on and JSON true as true, and false, 0, empty and the rest as false (reset)', async () => {
      const sayer = await sessionOf('bob');
      /** Subscribes to vim, then to emacs with the given reset; says in both; reports what arrives. */
      const check = async (reset: string | boolean | undefined, replaces: boolean) => {
        const label = `reset=${JSON.stringify(reset)}`;
        const session = await sessionOf('alice');
        ok(await get('room/subscribe', { session, room: 'vim' }), label);
        const params: Record<string, unknown> = { session, room: 'emacs' };
        if (reset !== undefined) params.reset = reset;
        const sub = ok(
          typeof reset === 'boolean'
            ? await postJson('room/subscribe', params)
            : await get('room/subscribe', params as Params),
          label,
        );
        ok(await get('room/say', { session: sayer, room: 'vim', text: `vim ${label}` }));
        ok(await get('room/say', { session: sayer, room: 'emacs', text: `emacs ${label}` }));
        assert.deepEqual(
          (await observeNow(session, sub.counter)).map((m) => m.text),
          replaces ? [`emacs ${label}`] : [`vim ${label}`, `emacs ${label}`],
          label,
        );
      };
      for (const v of ['true', 'True', 'TRUE', '1', 'yes', 'Yes', 'on', 'ON', true]) await check(v, true);
      for (const v of ['false', 'False', '0', '', undefined, 'no', 'off', 'nope', false])
        await check(v, false);
    });

    it('uses the session nickname when nickname is empty or missing, a given one for that message only', async () => {
      const { session } = await signedIn(t, 'erin', ['vim']);
      const { counter } = ok(await get('room/subscribe', { session, room: 'vim' }));
      const say = async (text: string, extra: Params = {}) =>
        message(ok(await get('room/say', { session, room: 'vim', text, ...extra }))).nickname;
      assert.equal(await say('empty', { nickname: '' }), 'Erin');
      assert.equal(await say('missing'), 'Erin');
      assert.equal(await say('given', { nickname: 'エリン 🌸' }), 'エリン 🌸');
      assert.equal(await say('missing again'), 'Erin');
      assert.equal(
        message(ok(await postJson('room/say', { session, room: 'vim', text: 'json', nickname: '' })))
          .nickname,
        'Erin',
      );
      assert.equal(ok(await get('session/verify', { session })).nickname, 'Erin');
      assert.deepEqual(
        (await observeNow(session, counter)).map((m) => [m.text, m.nickname]),
        [
          ['empty', 'Erin'],
          ['missing', 'Erin'],
          ['given', 'エリン 🌸'],
          ['missing again', 'Erin'],
          ['json', 'Erin'],
        ],
      );
      // After a nickname change the empty nickname follows the session's new one.
      ok(await get('session/set_presence', { session, presence: 'online', nickname: 'E.' }));
      assert.equal(await say('after change', { nickname: '' }), 'E.');
    });

    it('ignores unknown parameters such as api_version, with and format', async () => {
      const session = await sessionOf('alice');
      const plain = ok(await get('room/show', { session, room: 'vim' }));
      for (const extra of [
        { with: 'messages,roster' },
        { api_version: '2' },
        { api_version: '1' },
        { format: 'json' },
        { format: 'xml' },
        { with: 'messages,roster', api_version: 2, format: 'xml', frobnicate: 'yes' },
      ] as Params[]) {
        const label = JSON.stringify(extra);
        const shown = ok(await get('room/show', { session, room: 'vim', ...extra }), label);
        assert.deepEqual(roomIds(shown), ['vim'], label);
        assert.deepEqual(
          Object.keys((shown.rooms as Json[])[0] as Json).sort(),
          Object.keys((plain.rooms as Json[])[0] as Json).sort(),
          label,
        );
        const created = ok(
          await get('session/create', { user: 'alice', password: 'password1', ...extra }),
          label,
        );
        assert.equal(typeof created.session, 'string', label);
        const said = message(
          ok(await get('room/say', { session, room: 'vim', text: `extra ${label}`, ...extra })),
        );
        assert.deepEqual(Object.keys(said).sort(), MESSAGE_KEYS, label);
        assert.equal(said.text, `extra ${label}`);
        const { counter } = ok(await get('room/subscribe', { session, room: 'vim', ...extra }), label);
        ok(await get('room/say', { session, room: 'vim', text: `observed ${label}` }));
        assert.deepEqual(
          (await observeNow(session, counter, extra)).map((m) => m.text),
          [`observed ${label}`],
          label,
        );
      }
      const json = ok(
        await postJson('session/create', {
          user: 'alice',
          password: 'password1',
          api_version: 2,
          with: ['x'],
        }),
      );
      assert.equal(typeof json.session, 'string');
    });
  });

  // --- answers (2.4, 2.5, checklist 9 and 12-14) --------------------------------------------------

  describe('answers', () => {
    /** The JSON inside `NAME(...)`, after checking the wrapping, the status and the content type. */
    const unwrap = (w: Wire, name: string): Json => {
      assert.equal(w.status, 200, w.text);
      assert.equal(w.headers['content-type'], API_TYPE);
      assert.ok(w.text.startsWith(`${name}(`) && w.text.endsWith(')'), `not wrapped in ${name}(): ${w.text}`);
      return JSON.parse(w.text.slice(name.length + 1, -1)) as Json;
    };

    it('wraps success and error answers in callback=NAME (JSONP); an invalid name gives invalid_parameter unwrapped', async () => {
      const session = await sessionOf('alice');
      const sayer = await sessionOf('bob');
      // A held observe that ends empty is wrapped too; it runs while the other checks go on.
      const idle = await sessionOf('carol');
      const idleSub = ok(await get('room/subscribe', { session: idle, room: 'lobby' }));
      const heldEmpty = get('event/observe', {
        session: idle,
        counter: idleSub.counter as number,
        callback: 'held.cb',
      });

      for (const name of ['cb', 'lingr.ui.cb_1', '$', '_x$9', 'jQuery1234_5678', 'a'.repeat(128)]) {
        const verified = unwrap(await get('session/verify', { session, callback: name }), name);
        assert.equal(verified.status, 'ok');
        assert.equal(verified.session, session);
      }
      assert.deepEqual(
        unwrap(await get('session/verify', { session: 'nope', callback: 'cb' }), 'cb').code,
        'invalid_session',
      );
      const notFound = unwrap(await get('room/show', { session, room: 'nowhere', callback: 'cb' }), 'cb');
      assert.deepEqual(Object.keys(notFound).sort(), ['code', 'detail', 'status']);
      assert.equal(notFound.status, 'error');
      assert.equal(notFound.code, 'not_found');
      assert.equal(typeof notFound.detail, 'string');
      assert.equal(
        unwrap(await get('room/say', { session, room: 'vim', callback: 'cb' }), 'cb').code,
        'invalid_parameter',
      );
      assert.equal(
        unwrap(
          await get('session/create', { user: 'alice', password: 'wrong-password', callback: 'cb' }),
          'cb',
        ).code,
        'invalid_user_credentials',
      );
      // The callback in a form body, in a JSON body, and on a POST.
      const said = unwrap(
        await post('room/say', { session, room: 'vim', text: 'jsonp あ', callback: 'f' }),
        'f',
      );
      assert.equal(message(said).text, 'jsonp あ');
      assert.equal(
        unwrap(await postJson('session/verify', { session, callback: 'g' }), 'g').session,
        session,
      );
      // observe answered at once, and one held until the hold ended.
      const { counter } = ok(await get('room/subscribe', { session, room: 'vim' }));
      ok(await get('room/say', { session: sayer, room: 'vim', text: 'observed through jsonp' }));
      const observed = unwrap(
        await get('event/observe', { session, counter: counter as number, callback: 'o.cb' }),
        'o.cb',
      );
      assert.deepEqual(
        messagesIn(observed).map((m) => m.text),
        ['observed through jsonp'],
      );
      assert.deepEqual(unwrap(await heldEmpty, 'held.cb'), {
        status: 'ok',
        counter: idleSub.counter,
        events: [],
      });

      // Invalid names: the callback is ignored and a parameter error is answered.
      for (const name of [
        'alert(1)//',
        '1cb',
        'a-b',
        'cb;x',
        '.cb',
        'cb name',
        'a'.repeat(129),
        '<script>',
      ]) {
        const w = await get('session/verify', { session, callback: name });
        assert.equal(errorCode(w, name), 'invalid_parameter', name);
        assert.ok(w.text.startsWith('{'), `unwrapped for ${name}: ${w.text}`);
      }
      // Not even a valid say goes through with an invalid callback.
      const refused = await get('room/say', {
        session,
        room: 'vim',
        text: 'bad callback line',
        callback: 'x(1)',
      });
      assert.equal(errorCode(refused), 'invalid_parameter');
      const archived = ok(await get('room/get_archives', { session, room: 'vim', limit: 5 }));
      assert.ok(!(archived.messages as Json[]).some((m) => m.text === 'bad callback line'));
    });

    it('wraps errors found while reading the body in the callback given in the query', async () => {
      const session = await sessionOf('alice');
      const badJson = await send(t.url, {
        method: 'POST',
        path: `/api/room/say?${form({ session, callback: 'cb' })}`,
        headers: { 'content-type': JSON_TYPE },
        body: '{"room": "vim", "text": ',
      });
      assert.equal(unwrap(badJson, 'cb').code, 'invalid_parameter');
      const badUtf8 = await send(t.url, {
        method: 'POST',
        path: `/api/room/say?${form({ session, callback: 'cb' })}`,
        headers: { 'content-type': FORM_TYPE },
        body: 'room=vim&text=%FF%FE',
      });
      assert.equal(unwrap(badUtf8, 'cb').code, 'invalid_parameter');
    });

    it('answers every call with HTTP 200, the API content type and Cache-Control: no-cache, errors included', async () => {
      const session = await sessionOf('carol');
      const calls: Array<[string, () => Promise<Wire>, string]> = [
        ['verify', () => get('session/verify', { session }), 'ok'],
        ['create', () => post('session/create', { user: 'carol', password: 'password1' }), 'ok'],
        ['show', () => postJson('room/show', { session, room: 'vim' }), 'ok'],
        [
          'bad password',
          () => get('session/create', { user: 'carol', password: 'wrong-password' }),
          'invalid_user_credentials',
        ],
        ['dead session', () => get('user/get_rooms', { session: 'x'.repeat(24) }), 'invalid_session'],
        ['no session', () => post('room/show', { room: 'vim' }), 'invalid_session'],
        ['no room', () => get('room/show', { session }), 'invalid_parameter'],
        [
          'bad presence',
          () => get('session/set_presence', { session, presence: 'away' }),
          'invalid_parameter',
        ],
        ['unknown room', () => postJson('room/show', { session, room: 'nowhere' }), 'not_found'],
        ['unknown message', () => get('favorite/add', { session, message: '999999999' }), 'not_found'],
        ['not a member', () => get('room/say', { session, room: 'perl', text: 'hi' }), 'forbidden'],
      ];
      for (const [label, call, expected] of calls) {
        const w = await call();
        assert.equal(w.status, 200, label);
        assert.equal(w.headers['content-type'], API_TYPE, label);
        assert.equal(w.headers['cache-control'], 'no-cache', label);
        if (expected === 'ok') ok(w, label);
        else assert.equal(errorCode(w, label), expected, label);
      }
      // Non-ASCII is written raw, not as \u escapes.
      const said = await get('room/say', { session, room: 'vim', text: 'アリス 😀' });
      assert.ok(said.text.includes('"text":"アリス 😀"'), said.text);
    });

    it('answers an unknown path under /api/ with HTTP 404 and an error body', async () => {
      for (const path of [
        '/api/room/frobnicate',
        '/api/nothing',
        '/api/session',
        '/api/room/say/extra',
        '/api/Room/Say',
      ]) {
        for (const method of ['GET', 'POST']) {
          const w = await send(t.url, {
            method,
            path: `${path}?session=x`,
            ...(method === 'POST' ? { body: '' } : {}),
          });
          assert.equal(w.status, 404, `${method} ${path}`);
          assert.equal(w.headers['content-type'], API_TYPE, `${method} ${path}`);
          const b = body(w);
          assert.equal(b.status, 'error', path);
          assert.equal(typeof b.code, 'string', path);
          assert.equal(typeof b.detail, 'string', path);
        }
      }
    });

    it('answers a method other than GET and POST with HTTP 405 and an error body', async () => {
      const session = await sessionOf('alice');
      for (const method of ['DELETE', 'PUT', 'PATCH']) {
        for (const path of [`/api/session/verify?${form({ session })}`, '/api/room/say']) {
          const w = await send(t.url, {
            method,
            path,
            headers: { 'content-type': FORM_TYPE },
            body: form({ session, room: 'vim', text: `by ${method}` }),
          });
          assert.equal(w.status, 405, `${method} ${path}`);
          const b = body(w);
          assert.equal(b.status, 'error');
          assert.equal(typeof b.code, 'string');
          assert.equal(typeof b.detail, 'string');
        }
      }
      const archived = ok(await get('room/get_archives', { session, room: 'vim', limit: 10 }));
      assert.ok(!(archived.messages as Json[]).some((m) => String(m.text).startsWith('by ')));
    });
  });

  // --- text and the message shape (2.3, 2.6, 4.5) ---------------------------------------------------

  describe('text and messages', () => {
    it('turns CRLF and lone CR into LF and keeps everything else verbatim', async () => {
      const session = await sessionOf('alice');
      const { counter } = ok(await get('room/subscribe', { session, room: 'perl', reset: 'true' }));
      const cases: Array<[string, string]> = [
        ['one\r\ntwo\rthree\n\nfour', 'one\ntwo\nthree\n\nfour'],
        ['a\r\r\nb\n\rc\r', 'a\n\nb\n\nc\n'],
        ['  leading and trailing spaces  ', '  leading and trailing spaces  '],
        ['\ttabs\tinside\t', '\ttabs\tinside\t'],
        ['\nnewlines around\n', '\nnewlines around\n'],
        ['アリス 😀 👨‍👩‍👧 e\u0301 \u00e9 ﷽', 'アリス 😀 👨‍👩‍👧 e\u0301 \u00e9 ﷽'],
        ['<b>&amp;</b> 100% + a=b & c?d#e "q" \\ \'', '<b>&amp;</b> 100% + a=b & c?d#e "q" \\ \''],
      ];
      const senders: Array<[string, (text: string) => Promise<Wire>]> = [
        ['GET', (text) => get('room/say', { session, room: 'perl', text })],
        ['form', (text) => post('room/say', { session, room: 'perl', text })],
        ['JSON', (text) => postJson('room/say', { session, room: 'perl', text })],
        [
          'multipart',
          (text) => {
            const parts = multipart({ session, room: 'perl', text });
            return send(t.url, {
              method: 'POST',
              path: '/api/room/say',
              headers: { 'content-type': parts.type },
              body: parts.body,
            });
          },
        ],
      ];
      const expected: string[] = [];
      for (const [how, sendText] of senders)
        for (const [input, stored] of cases) {
          const w = await sendText(input);
          assert.equal(message(ok(w, how)).text, stored, `${how} ${JSON.stringify(input)}`);
          expected.push(stored);
        }
      const archived = ok(await get('room/get_archives', { session, room: 'perl', limit: expected.length }));
      assert.deepEqual(
        (archived.messages as Json[]).map((m) => m.text),
        expected,
      );
      assert.deepEqual(
        (await observeNow(session, counter)).map((m) => m.text),
        expected,
      );
    });

    it('sends messages with all ten keys, a digit-string id, a UTC timestamp and local_id echoed or null', async () => {
      const { session, publicId } = await signedIn(t, 'alice');
      const { counter } = ok(await get('room/subscribe', { session, room: 'emacs', reset: 'true' }));
      const check = (m: Json, label: string) => {
        assert.deepEqual(Object.keys(m).sort(), MESSAGE_KEYS, label);
        assert.equal(typeof m.id, 'string', label);
        assert.match(m.id as string, /^\d+$/, label);
        assert.match(m.timestamp as string, ISO_UTC, label);
        assert.equal(m.type, 'user', label);
        assert.equal(m.room, 'emacs', label);
        assert.equal(m.speaker_id, 'alice', label);
        assert.equal(m.public_session_id, publicId, label);
        for (const key of ['nickname', 'icon_url', 'text'])
          assert.equal(typeof m[key], 'string', `${label} ${key}`);
      };
      const startedAt = Date.now() - 1000;
      const withLocal = message(
        ok(await get('room/say', { session, room: 'emacs', text: 'l1', local_id: 'pending-x-1' })),
      );
      const without = message(ok(await get('room/say', { session, room: 'emacs', text: 'l2' })));
      const empty = message(ok(await get('room/say', { session, room: 'emacs', text: 'l3', local_id: '' })));
      const viaJson = message(
        ok(await postJson('room/say', { session, room: 'emacs', text: 'l4', local_id: 'j-7' })),
      );
      assert.equal(withLocal.local_id, 'pending-x-1');
      assert.equal(without.local_id, null);
      assert.equal(empty.local_id, null);
      assert.equal(viaJson.local_id, 'j-7');
      const said = [withLocal, without, empty, viaJson];
      said.forEach((m, i) => check(m, `say ${i}`));
      assert.ok(Number(withLocal.id) < Number(without.id) && Number(without.id) < Number(empty.id));
      const stamp = Date.parse(withLocal.timestamp as string);
      assert.ok(
        stamp >= Math.floor(startedAt / 1000) * 1000 && stamp <= Date.now() + 1000,
        'timestamp is now, in UTC',
      );

      const observed = await observeNow(session, counter);
      assert.deepEqual(observed, said, 'observe delivers the same messages');
      const archived = ok(await get('room/get_archives', { session, room: 'emacs', limit: 4 }))
        .messages as Json[];
      archived.forEach((m, i) => check(m, `archive ${i}`));
      assert.deepEqual(
        archived.map((m) => [m.id, m.local_id]),
        said.map((m) => [m.id, m.local_id]),
      );
      const shown = ((ok(await get('room/show', { session, room: 'emacs' })).rooms as Json[])[0] as Json)
        .messages as Json[];
      shown.slice(-4).forEach((m, i) => check(m, `show ${i}`));
      assert.deepEqual(
        shown.slice(-4).map((m) => m.id),
        said.map((m) => m.id),
      );
    });
  });
});
