import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';
import { json, raw } from './support/raw-http.js';

const API_TYPE = 'application/javascript; charset=utf-8';
const form = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();

/** Spec section 9: every request encoding a real Lingr 2.0 client sends. */
describe('API 2.0 request encodings (spec 2.3, checklist 1-9)', () => {
  let t: TestServer;
  let alice: { session: string; publicId: string };
  before(async () => {
    t = await startTestServer();
    alice = await signedIn(t, 'alice', ['vim', 'emacs', 'perl']);
  });
  after(() => t.stop());

  it('accepts GET with a query string and POST with a urlencoded body', async () => {
    const get = await raw(t.url, { path: `/api/user/get_rooms?${form({ session: alice.session })}` });
    const post = await raw(t.url, {
      method: 'POST',
      path: '/api/user/get_rooms',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ session: alice.session }),
    });
    for (const r of [get, post]) {
      assert.equal(r.status, 200);
      assert.deepEqual(json(r).rooms, ['vim', 'emacs', 'perl']);
    }
  });

  it('parses a form body sent without any Content-Type', async () => {
    const r = await raw(t.url, {
      method: 'POST',
      path: '/api/room/say',
      body: form({ session: alice.session, room: 'vim', text: 'no type at all' }),
    });
    assert.equal(json(r).status, 'ok');
    assert.equal((json(r).message as Json).text, 'no type at all');
  });

  it('uses the query string of a POST with an empty body', async () => {
    const r = await raw(t.url, {
      method: 'POST',
      path: `/api/session/verify?${form({ session: alice.session })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(json(r).session, alice.session);
  });

  it('merges query and body, the body winning', async () => {
    const r = await raw(t.url, {
      method: 'POST',
      path: `/api/room/say?${form({ session: alice.session, room: 'emacs', text: 'from the query' })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ room: 'vim', text: 'from the body' }),
    });
    const m = json(r).message as Json;
    assert.equal(m.room, 'vim');
    assert.equal(m.text, 'from the body');
  });

  it('reads JSON bodies: strings, numbers, booleans, null as absent, lists joined', async () => {
    const post = (path: string, body: unknown) =>
      raw(t.url, {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
      }).then(json);
    const bob = await signedIn(t, 'bob', ['vim', 'emacs']);
    const sub = await post('/api/room/subscribe', {
      session: bob.session,
      room: ['vim', 'emacs'],
      reset: true,
    });
    assert.equal(typeof sub.counter, 'number');
    const said = await post('/api/room/say', {
      session: bob.session,
      room: 'vim',
      text: 'json',
      nickname: null,
    });
    assert.equal((said.message as Json).nickname, 'Bob');
    const arch = await post('/api/room/get_archives', { session: bob.session, room: 'vim', limit: 1 });
    assert.equal((arch.messages as Json[]).length, 1);
    const observed = await post('/api/event/observe', {
      session: bob.session,
      counter: sub.counter as number,
    });
    assert.ok((observed.events as Json[]).some((e) => (e.message as Json | undefined)?.text === 'json'));
  });

  it('reads multipart/form-data bodies', async () => {
    const boundary = 'lingrboundary42';
    const parts = Object.entries({ session: alice.session, room: 'vim', text: 'multi\npart' })
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('');
    const r = await raw(t.url, {
      method: 'POST',
      path: '/api/room/say',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `${parts}--${boundary}--\r\n`,
    });
    assert.equal((json(r).message as Json).text, 'multi\npart');
  });

  it('ignores a form content type on a GET with an empty body, and reads other types as forms', async () => {
    const get = await raw(t.url, {
      path: `/api/session/verify?${form({ session: alice.session })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(json(get).status, 'ok');
    const odd = await raw(t.url, {
      method: 'POST',
      path: '/api/session/verify',
      headers: { 'content-type': 'text/plain' },
      body: form({ session: alice.session }),
    });
    assert.equal(json(odd).status, 'ok');
  });

  it('ignores a trailing slash', async () => {
    const r = await raw(t.url, { path: `/api/user/get_rooms/?${form({ session: alice.session })}` });
    assert.deepEqual(json(r).rooms, ['vim', 'emacs', 'perl']);
  });

  it('routes absolute-form targets for lingr.com and www.lingr.com by path, any port', async () => {
    for (const [target, host] of [
      ['http://lingr.com:8080/api/session/verify', 'lingr.com:8080'],
      ['http://lingr.com/api/session/verify', 'lingr.com'],
      ['http://www.lingr.com/api/session/verify/', 'www.lingr.com'],
    ] as const) {
      const r = await raw(t.url, {
        path: `${target}?${form({ session: alice.session })}`,
        headers: { host },
      });
      assert.equal(r.status, 200, target);
      assert.equal(json(r).session, alice.session, target);
    }
  });

  it('refuses absolute-form targets for other hosts with HTTP 400', async () => {
    const r = await raw(t.url, {
      path: 'http://example.com/api/session/verify',
      headers: { host: 'example.com' },
    });
    assert.equal(r.status, 400);
    assert.equal(json(r).status, 'error');
  });

  it('reads room and rooms with spaces, empty items, duplicates and trailing commas', async () => {
    const shown = await t.api('room/show', {
      session: alice.session,
      room: ' vim , ,emacs,vim,',
      rooms: 'perl,',
    });
    assert.deepEqual(
      (shown.rooms as Json[]).map((r) => r.id),
      ['vim', 'emacs', 'perl'],
    );
    const sub = await t.api('room/subscribe', { session: alice.session, rooms: 'vim,' });
    assert.equal(sub.status, 'ok');
  });

  it('accepts app_key, api_key and apiKey with any value on any call', async () => {
    for (const key of ['app_key', 'api_key', 'apiKey']) {
      const created = await t.api('session/create', {
        user: 'alice',
        password: 'password1',
        [key]: 'whatever!',
      });
      assert.equal(created.status, 'ok', key);
      const session = created.session as string;
      const { counter } = await t.api('room/subscribe', { session, room: 'perl', [key]: 'x' });
      await t.api('room/say', { session, room: 'perl', text: `key ${key}` });
      const r = await t.api('event/observe', {
        session,
        counter: counter as number,
        [key]: 'abc',
        api_version: 2,
      });
      assert.equal(r.status, 'ok', key);
    }
  });

  it('reads true, True, 1, yes, on and JSON true as true; false, 0 and empty as false (reset)', async () => {
    const check = async (reset: string | undefined, replaces: boolean) => {
      const { session } = await signedIn(t, 'carol', ['vim', 'emacs']);
      await t.api('room/subscribe', { session, room: 'vim' });
      const params: Record<string, string> = { session, room: 'emacs' };
      if (reset !== undefined) params.reset = reset;
      const { counter } = await t.api('room/subscribe', params);
      await t.api('room/say', { session: alice.session, room: 'vim', text: `in vim ${reset}` });
      await t.api('room/say', { session: alice.session, room: 'emacs', text: `in emacs ${reset}` });
      const r = await t.api('event/observe', { session, counter: counter as number });
      const texts = (r.events as Json[]).flatMap((e) => (e.message ? [(e.message as Json).text] : []));
      assert.deepEqual(
        texts,
        replaces ? [`in emacs ${reset}`] : [`in vim ${reset}`, `in emacs ${reset}`],
        `reset=${reset}`,
      );
    };
    for (const v of ['true', 'True', '1', 'yes', 'on']) await check(v, true);
    for (const v of ['false', '0', '', undefined]) await check(v, false);
    const { session } = await signedIn(t, 'carol');
    const r = await raw(t.url, {
      method: 'POST',
      path: '/api/room/subscribe',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session, room: 'perl', reset: true }),
    });
    assert.equal(json(r).status, 'ok');
  });

  it('uses the session nickname when nickname is empty or missing, and a given one for that line only', async () => {
    const { session } = await signedIn(t, 'dave', ['vim']);
    const empty = await t.api('room/say', { session, room: 'vim', text: 'a', nickname: '' });
    assert.equal((empty.message as Json).nickname, 'Dave');
    const given = await t.api('room/say', { session, room: 'vim', text: 'b', nickname: 'Davey' });
    assert.equal((given.message as Json).nickname, 'Davey');
    const missing = await t.api('room/say', { session, room: 'vim', text: 'c' });
    assert.equal((missing.message as Json).nickname, 'Dave');
  });

  it('ignores unknown parameters such as api_version, with and format', async () => {
    const r = await t.api('room/show', {
      session: alice.session,
      room: 'vim',
      with: 'messages,roster',
      api_version: '2',
      format: 'json',
      frobnicate: 'yes',
    });
    assert.equal(r.status, 'ok');
  });

  it('wraps success and errors in callback=NAME (JSONP) with the same content type', async () => {
    const ok = await raw(t.url, {
      path: `/api/session/verify?${form({ session: alice.session, callback: 'lingr.cb_1' })}`,
    });
    assert.equal(ok.headers['content-type'], API_TYPE);
    assert.match(ok.text, /^lingr\.cb_1\(\{.*\}\)$/s);
    assert.equal((JSON.parse(ok.text.slice('lingr.cb_1('.length, -1)) as Json).session, alice.session);
    const err = await raw(t.url, {
      path: `/api/session/verify?${form({ session: 'dead', callback: '$cb' })}`,
    });
    assert.match(err.text, /^\$cb\(\{"status":"error","code":"invalid_session"/);
    const bad = await raw(t.url, {
      path: `/api/session/verify?${form({ session: alice.session, callback: 'alert(1)//' })}`,
    });
    assert.equal(json(bad).code, 'invalid_parameter');
  });

  it('answers every call with HTTP 200, the API content type and no-cache, errors included', async () => {
    for (const path of [
      `/api/session/verify?${form({ session: alice.session })}`,
      '/api/session/verify?session=nope',
      '/api/room/show',
    ]) {
      const r = await raw(t.url, { path });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], API_TYPE, path);
      assert.equal(r.headers['cache-control'], 'no-cache', path);
    }
    const err = json(await raw(t.url, { path: '/api/session/verify?session=nope' }));
    assert.deepEqual(Object.keys(err).sort(), ['code', 'detail', 'status']);
    assert.equal(err.status, 'error');
    assert.equal(typeof err.detail, 'string');
  });

  it('answers an unknown API path with 404 and a method other than GET or POST with 405, each with an error body', async () => {
    const missing = await raw(t.url, { path: '/api/room/frobnicate' });
    assert.equal(missing.status, 404);
    assert.equal(json(missing).status, 'error');
    for (const method of ['DELETE', 'PUT', 'PATCH']) {
      const r = await raw(t.url, { method, path: '/api/user/get_rooms' });
      assert.equal(r.status, 405, method);
      assert.equal(json(r).status, 'error');
      assert.match(String(r.headers.allow), /GET/);
    }
  });

  it('keeps text verbatim except for newlines: CRLF and lone CR become LF', async () => {
    const text = 'one\r\ntwo\rthree\n  four  \u3042 \u{1F600}';
    const r = await t.api('room/say', { session: alice.session, room: 'vim', text });
    assert.equal((r.message as Json).text, 'one\ntwo\nthree\n  four  \u3042 \u{1F600}');
  });
});
