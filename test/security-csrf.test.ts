import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { launchChromium } from './support/browser.js';
import { body, form, send, type Wire } from './support/http.js';
import { startTestServer, type Json, type TestServer } from './support/server.js';
import { openSse, readSse, within } from './support/streams.js';
import { webSignIn, type Browser } from './support/web.js';

const EVIL = 'http://evil.example';
const FORGED_ROOM = 'forged_room';
const FORGED_USER = 'forgedsignup';

/** Everything a forgery could change for the victim, read through the API with its own session. */
interface VictimState {
  verify: unknown;
  rooms: unknown;
  subscribed: string[];
  denLines: string[];
  faved: unknown;
  vroom: unknown;
  yardMembers: unknown;
  forgedRoom: unknown;
  forgedUser: boolean;
  sessions: unknown;
}

interface Attempt {
  label: string;
  run(): Promise<Wire>;
  /** Whether the answer itself says no (the state is checked separately). */
  refused(w: Wire): boolean;
}

/** An upgrade's answer: 101 when the socket opened (it is closed again at once), else the HTTP status. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => undefined);
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
    ws.once('close', () => reject(new Error('closed before any answer')));
  });
}

/** A socket kept open, gathering the texts of the lines it receives. */
function socketWith(url: string, headers: Record<string, string>) {
  const ws = new WebSocket(url, { headers });
  const lines: string[] = [];
  ws.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { events: Array<{ message?: { text: string } }> };
    for (const e of reply.events) if (e.message) lines.push(e.message.text);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, lines, opened };
}

describe('CSRF: every state-changing form and API call, cross-origin, with the cookie; cross-origin WebSocket and SSE | 0 accepted', () => {
  let t: TestServer;
  let victim: Browser;
  /** The attacker's own account: its form token is a real token, only not the victim's. */
  let mallory: Browser;
  let hal: string;
  /** A counter before the marker lines: observing from it shows which rooms the victim follows. */
  let c0: number;
  let unfaved: string;
  let faved: string;
  let baseline: VictimState;
  const tally = { forms: 0, anonymous: 0, api: 0, streams: 0, accepted: 0 };
  const failures: string[] = [];

  const api = (method: string, params: Record<string, string | number> = {}) => t.api(method, params);

  async function state(): Promise<VictimState> {
    const session = victim.session;
    const show = async (room: string) => {
      const r = await api('room/show', { session, room });
      return r.status === 'ok' ? ((r.rooms as Json[])[0] as Json) : { code: r.code };
    };
    const verify = await api('session/verify', { session });
    const archives = await api('room/get_archives', { session, room: 'den', limit: 100 });
    const den = await show('den');
    const vroom = await show('vroom');
    const yard = await show('yard');
    const forged = await show(FORGED_ROOM);
    // Answered at once: the marker lines after c0 are in the rooms the session follows.
    const observed = await api('event/observe', { session, counter: c0 });
    const events = (observed.events ?? []) as Array<{ message?: { room: string } }>;
    const health = (await (await fetch(`${t.url}/healthz`)).json()) as Json;
    return {
      verify:
        verify.status === 'ok'
          ? { nickname: verify.nickname, presence: verify.presence, user: verify.user }
          : verify.code,
      rooms: await api('user/get_rooms', { session }).then((r) => r.rooms ?? r.code),
      subscribed: [...new Set(events.flatMap((e) => (e.message ? [e.message.room] : [])))].sort(),
      denLines: ((archives.messages ?? []) as Json[]).map((m) => m.text as string),
      faved: den.faved_message_ids ?? den.code,
      vroom: 'code' in vroom ? vroom.code : { name: vroom.name, blurb: vroom.blurb, public: vroom.is_public },
      yardMembers: (((yard.roster as Json | undefined)?.members ?? []) as Json[]).map((m) => m.name).sort(),
      forgedRoom: 'code' in forged ? forged.code : forged.name,
      forgedUser: (await t.adminStore.users.byUsername(FORGED_USER)) !== undefined,
      sessions: health.sessions,
    };
  }

  async function attempt(kind: 'forms' | 'anonymous' | 'api', a: Attempt): Promise<void> {
    tally[kind]++;
    const answer = await a.run();
    const now = await state();
    const refused = a.refused(answer);
    let changed = false;
    try {
      assert.deepEqual(now, baseline);
    } catch {
      changed = true;
    }
    if (refused && !changed) return;
    tally.accepted++;
    failures.push(
      `${a.label}: HTTP ${answer.status} ${answer.text.slice(0, 120).replace(/\s+/g, ' ')}` +
        (changed ? `\n  state changed: ${JSON.stringify(baseline)}\n  -> ${JSON.stringify(now)}` : ''),
    );
    // Compare later attempts with what is there now, so one acceptance is reported once.
    baseline = now;
  }

  before(async () => {
    t = await startTestServer({ sayPerMinute: '100000', callsPerMinute: '1000000' });
    for (const [username, name] of [
      ['vera', 'Vera Victim'],
      ['hal', 'Hal Helper'],
      ['mallory', 'Mallory'],
      ['bruno', 'Bruno Browser'],
    ] as const)
      await t.admin.addUser({ username, password: 'password1', name });
    await t.admin.addRoom({ id: 'den', name: 'Den', owner: 'hal' });
    await t.admin.addRoom({ id: 'yard', name: 'Yard', owner: 'hal' });
    await t.admin.addRoom({ id: 'vroom', name: 'Vera room', blurb: 'Mine', owner: 'vera' });
    await t.admin.join('den', 'vera');
    await t.admin.join('den', 'bruno');
    victim = await webSignIn(t.url, 'vera', 'password1');
    mallory = await webSignIn(t.url, 'mallory', 'password1');
    hal = (await api('session/create', { user: 'hal', password: 'password1' })).session as string;
    c0 = (await api('room/subscribe', { session: victim.session, room: 'den' })).counter as number;
    const say = async (room: string, text: string) =>
      ((await api('room/say', { session: hal, room, text })).message as Json).id as string;
    unfaved = await say('den', 'a line to favorite');
    faved = await say('den', 'a line already favorited');
    await say('yard', 'marker in yard');
    assert.equal((await api('favorite/add', { session: victim.session, message: faved })).status, 'ok');
    // The first observe brings the victim online; the baseline is taken after it.
    await state();
    baseline = await state();
    assert.equal((baseline.verify as Json).presence, 'online');
    assert.deepEqual(baseline.subscribed, ['den']);
    assert.deepEqual(baseline.rooms, ['vroom', 'den']);
  });
  after(() => t.stop());

  it('refuses every forged form post and cookie-only API call, and nothing changes', async (ctx) => {
    const forms: Array<{ path: string; fields: Record<string, string> }> = [
      { path: '/signout', fields: {} },
      { path: '/rooms/new', fields: { id: FORGED_ROOM, name: 'Forged room', visibility: 'public' } },
      { path: '/settings', fields: { name: 'Pwned Name' } },
      { path: '/room/yard/join', fields: {} },
      {
        path: '/room/vroom/edit',
        fields: { name: 'Pwned room', blurb: 'pwned', visibility: 'private', tags: 'pwned' },
      },
      { path: '/room/den/nickname', fields: { nickname: 'Pwned Nick' } },
      { path: '/room/vroom/delete', fields: { confirm: 'yes' } },
      { path: '/room/den/leave', fields: {} },
      { path: '/room/den/say', fields: { text: 'forged form line' } },
    ];
    // Origin (or, without it, Referer) must name us AND the token must be the session's own.
    const variants: Array<{ name: string; headers: Record<string, string>; token?: string }> = [
      { name: 'foreign Origin, right token', headers: { origin: EVIL }, token: 'right' },
      { name: 'foreign Origin, no token', headers: { origin: EVIL } },
      { name: 'no Origin, foreign Referer, right token', headers: { referer: `${EVIL}/p` }, token: 'right' },
      { name: 'no Origin, no Referer, right token', headers: {}, token: 'right' },
      { name: 'Origin null, right token', headers: { origin: 'null' }, token: 'right' },
      { name: 'our Origin, wrong token', headers: { origin: t.url }, token: 'wrong' },
      { name: 'our Origin, no token', headers: { origin: t.url } },
    ];
    for (const f of forms)
      for (const v of variants) {
        const fields = { ...f.fields };
        if (v.token === 'right') fields.csrf = victim.csrf;
        if (v.token === 'wrong') fields.csrf = mallory.csrf;
        await attempt('forms', {
          label: `POST ${f.path} (${v.name})`,
          run: () =>
            send(t.url, {
              method: 'POST',
              path: f.path,
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                cookie: victim.cookie,
                ...v.headers,
              },
              body: form(fields),
            }),
          // Sign-out always clears the cookie of the browser that asked (a page of ours); without the
          // token the session itself lives on, which the state check sees.
          refused: (w) =>
            w.status === 403 ||
            (w.status === 303 && /^\/signin/.test(String(w.headers.location))) ||
            (f.path === '/signout' && v.headers.origin === t.url && w.status === 303),
        });
      }

    // No session yet: only the Origin check stands between a foreign page and these.
    const anonymous: Array<{ path: string; fields: Record<string, string> }> = [
      { path: '/room/yard/guest', fields: { nickname: 'Forged Guest' } },
      { path: '/signin', fields: { username: 'mallory', password: 'password1' } },
      { path: '/signup', fields: { username: FORGED_USER, password: 'long enough 1', name: 'Forged' } },
    ];
    const foreign: Array<{ name: string; headers: Record<string, string> }> = [
      { name: 'foreign Origin', headers: { origin: EVIL } },
      { name: 'no Origin, foreign Referer', headers: { referer: `${EVIL}/p` } },
      { name: 'no Origin, no Referer', headers: {} },
      { name: 'Origin null', headers: { origin: 'null' } },
    ];
    for (const f of anonymous)
      for (const v of foreign)
        await attempt('anonymous', {
          label: `POST ${f.path} (${v.name})`,
          run: () =>
            send(t.url, {
              method: 'POST',
              path: f.path,
              headers: { 'content-type': 'application/x-www-form-urlencoded', ...v.headers },
              body: form(f.fields),
            }),
          refused: (w) => w.status === 403 && w.headers['set-cookie'] === undefined,
        });

    const calls: Array<{ method: string; params: Record<string, string> }> = [
      { method: 'room/say', params: { room: 'den', text: 'forged api line' } },
      { method: 'room/subscribe', params: { room: 'yard' } },
      { method: 'room/unsubscribe', params: { room: 'den' } },
      { method: 'session/set_presence', params: { presence: 'offline', nickname: 'Pwned' } },
      { method: 'session/destroy', params: {} },
      { method: 'favorite/add', params: { message: unfaved } },
      { method: 'favorite/remove', params: { message: faved } },
    ];
    // The cookie stands for `session` only with the page token in X-Lingr-CSRF, which no other site can set.
    const apiVariants: Array<{
      name: string;
      method: 'GET' | 'POST';
      headers: Record<string, string>;
      extra?: Record<string, string>;
    }> = [
      { name: 'POST from a foreign page, no header', method: 'POST', headers: { origin: EVIL } },
      { name: 'GET with the cookie alone (an image, a link)', method: 'GET', headers: {} },
      {
        name: "another session's token in the header",
        method: 'GET',
        headers: { 'x-lingr-csrf': mallory.csrf },
      },
      { name: 'empty header', method: 'GET', headers: { 'x-lingr-csrf': '' } },
      {
        name: 'right token as a form field, not the header',
        method: 'POST',
        headers: { origin: EVIL },
        extra: { csrf: victim.csrf },
      },
      {
        name: 'right token in the query, not the header',
        method: 'GET',
        headers: {},
        extra: { csrf: victim.csrf },
      },
    ];
    for (const c of calls)
      for (const v of apiVariants) {
        const params = form({ ...c.params, ...v.extra });
        await attempt('api', {
          label: `${v.method} /api/${c.method} (${v.name})`,
          run: () =>
            send(t.url, {
              method: v.method,
              path: v.method === 'GET' ? `/api/${c.method}?${params}` : `/api/${c.method}`,
              headers: {
                cookie: victim.cookie,
                ...(v.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
                ...v.headers,
              },
              body: v.method === 'POST' ? params : undefined,
            }),
          // Destroying answers ok for any session it is not given (spec 3.3): the state check decides.
          refused: (w) =>
            c.method === 'session/destroy' ? body(w).status === 'ok' : body(w).code === 'invalid_session',
        });
      }

    ctx.diagnostic(
      `forged form posts: ${tally.forms}, forged anonymous posts: ${tally.anonymous}, ` +
        `forged API calls: ${tally.api}, accepted: ${tally.accepted}`,
    );
    assert.deepEqual(failures, [], `accepted forgeries:\n${failures.join('\n')}`);
    assert.equal(tally.accepted, 0);
  });

  it('refuses a cross-origin WebSocket upgrade with the cookie, and SSE by cookie without the page token', async (ctx) => {
    const ws = `${t.url.replace('http', 'ws')}/api/event/ws`;
    const refusals: Array<[string, number]> = [];
    for (const [name, headers, query] of [
      ['foreign Origin', { origin: EVIL }, ''],
      ['Origin null', { origin: 'null' }, ''],
      ['foreign Origin with the page token', { origin: EVIL }, `?csrf=${victim.csrf}`],
    ] as const) {
      tally.streams++;
      const status = await within(
        upgradeStatus(`${ws}${query}`, { ...headers, cookie: victim.cookie }),
        name,
      );
      refusals.push([name, status]);
      if (status !== 403) tally.accepted++;
    }
    assert.deepEqual(
      refusals.map(([, s]) => s),
      [403, 403, 403],
      JSON.stringify(refusals),
    );

    // What a foreign page's EventSource sends: the cookie (if at all) and whatever query it likes.
    const sse = `${t.url}/api/event/stream`;
    for (const [name, query] of [
      ['no csrf', ''],
      ['wrong csrf', '?csrf=not-the-token'],
      ["another session's csrf", `?csrf=${mallory.csrf}`],
      ['empty csrf', '?csrf='],
    ] as const) {
      tally.streams++;
      const frames = await readSse(
        `${sse}${query}`,
        { cookie: victim.cookie, origin: EVIL },
        (f) => f.length > 0,
      );
      const first = frames[0];
      const ok =
        frames.length === 1 &&
        first?.event === 'error' &&
        (JSON.parse(first.data) as Json).code === 'invalid_session';
      if (!ok) {
        tally.accepted++;
        failures.push(`SSE by cookie, ${name}: ${JSON.stringify(frames)}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(await state(), baseline);

    // The same streams made properly open the victim's own stream and carry its room's lines.
    const good = openSse(`${sse}?csrf=${victim.csrf}`, { cookie: victim.cookie });
    const socket = socketWith(ws, { origin: t.url, cookie: victim.cookie });
    await within(Promise.all([good.opened, socket.opened]), 'the proper streams open');
    // Attached once a line said now arrives; say until one does.
    let n = 0;
    await within(
      (async () => {
        while (!(good.texts().some((x) => x.startsWith('control stream')) && socket.lines.length > 0)) {
          await api('room/say', { session: hal, room: 'den', text: `control stream ${n++}` });
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      'the proper streams carry a line',
    );
    good.close();
    socket.ws.close();
    ctx.diagnostic(
      `forged stream opens: ${tally.streams}, accepted: ${tally.accepted}; proper SSE and WebSocket: open`,
    );
    assert.equal(tally.accepted, 0);
    baseline = await state();
  });

  it('accepts each of those requests made properly: our origin, the right token', async (ctx) => {
    const session = victim.session;
    const ours = (path: string, fields: Record<string, string>, cookie?: string) =>
      send(t.url, {
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: t.url,
          ...(cookie ? { cookie } : {}),
        },
        body: form(fields),
      });
    const byCookie = async (method: string, params: Record<string, string>) =>
      body(
        await send(t.url, {
          method: 'POST',
          path: `/api/${method}`,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            cookie: victim.cookie,
            'x-lingr-csrf': victim.csrf,
          },
          body: form(params),
        }),
      );
    const checks: Array<[string, boolean]> = [];
    const check = (name: string, ok: boolean) => checks.push([name, ok]);
    const lines = async () =>
      ((await api('room/get_archives', { session: hal, room: 'den', limit: 100 })).messages as Json[]).map(
        (m) => m.text,
      );
    const rooms = async () => (await api('user/get_rooms', { session })).rooms as string[];
    const name = async () => ((await api('session/verify', { session })).user as Json).name;

    // API calls by cookie with the header.
    check('api room/say', (await byCookie('room/say', { room: 'den', text: 'api control' })).status === 'ok');
    check('api room/say said', (await lines()).includes('api control'));
    check('api room/subscribe', (await byCookie('room/subscribe', { room: 'yard' })).status === 'ok');
    check('api subscribed', (await state()).subscribed.includes('yard'));
    check('api room/unsubscribe', (await byCookie('room/unsubscribe', { room: 'yard' })).status === 'ok');
    check('api unsubscribed', !(await state()).subscribed.includes('yard'));
    check(
      'api session/set_presence',
      (await byCookie('session/set_presence', { presence: 'online', nickname: 'Vee' })).status === 'ok',
    );
    check('api nickname set', (await api('session/verify', { session })).nickname === 'Vee');
    const added = await byCookie('favorite/add', { message: unfaved });
    check('api favorite/add', typeof (added.message as Json | undefined)?.favorite_id === 'string');
    check('api favorite/remove', (await byCookie('favorite/remove', { message: faved })).status === 'ok');
    const favs = (((await api('room/show', { session, room: 'den' })).rooms as Json[])[0] as Json)
      .faved_message_ids as string[];
    check('api favorites changed', favs.includes(unfaved) && !favs.includes(faved));

    // Form posts from our pages with the token.
    const post = (path: string, fields: Record<string, string>) =>
      ours(path, { csrf: victim.csrf, ...fields }, victim.cookie);
    const redirected = (w: Wire, to: string) => w.status === 303 && w.headers.location === to;
    check('form say', redirected(await post('/room/den/say', { text: 'form control' }), '/room/den'));
    check('form said', (await lines()).includes('form control'));
    check('form join', redirected(await post('/room/yard/join', {}), '/room/yard'));
    check('form joined', (await rooms()).includes('yard'));
    check('form leave', redirected(await post('/room/yard/leave', {}), '/'));
    check('form left', !(await rooms()).includes('yard'));
    check('form nickname', redirected(await post('/room/den/nickname', { nickname: 'Vera N' }), '/room/den'));
    check('form renamed', (await name()) === 'Vera N');
    check('form settings', redirected(await post('/settings', { name: 'Vera S' }), '/settings?saved=1'));
    check('form settings saved', (await name()) === 'Vera S');
    check(
      'form rooms/new',
      redirected(await post('/rooms/new', { id: 'control_room', name: 'Control' }), '/room/control_room'),
    );
    check('form room created', (await rooms()).includes('control_room'));
    check(
      'form edit',
      redirected(await post('/room/vroom/edit', { name: 'Edited', visibility: 'public' }), '/room/vroom'),
    );
    const vroom = await api('room/show', { session, room: 'vroom' });
    check('form edited', ((vroom.rooms as Json[])[0] as Json).name === 'Edited');
    check('form delete', redirected(await post('/room/vroom/delete', { confirm: 'yes' }), '/'));
    check('form deleted', (await api('room/show', { session, room: 'vroom' })).code === 'not_found');

    // The anonymous forms from our own pages.
    const guest = await ours('/room/yard/guest', { nickname: 'Control Guest' });
    check(
      'form guest',
      redirected(guest, '/room/yard') && /lingr_session=/.test(String(guest.headers['set-cookie'])),
    );
    const signin = await ours('/signin', { username: 'mallory', password: 'password1' });
    check(
      'form signin',
      redirected(signin, '/') && /lingr_session=/.test(String(signin.headers['set-cookie'])),
    );
    const signup = await ours('/signup', { username: 'controlsignup', password: 'long enough 1' });
    check(
      'form signup',
      redirected(signup, '/') && /lingr_session=/.test(String(signup.headers['set-cookie'])),
    );
    check('form signed up', (await t.adminStore.users.byUsername('controlsignup')) !== undefined);

    // Ending the session: by the API with the header, and by the form on a fresh sign-in.
    check('api session/destroy', (await byCookie('session/destroy', {})).status === 'ok');
    check('api destroyed', (await api('session/verify', { session })).code === 'invalid_session');
    const again = await webSignIn(t.url, 'vera', 'password1');
    check('form signout', redirected(await ours('/signout', { csrf: again.csrf }, again.cookie), '/'));
    check(
      'form signed out',
      (await api('session/verify', { session: again.session })).code === 'invalid_session',
    );

    const failed = checks.filter(([, ok]) => !ok).map(([n]) => n);
    ctx.diagnostic(`proper requests: ${checks.length - failed.length}/${checks.length} did what they ask`);
    assert.deepEqual(failed, []);
  });

  it('in Chromium, a page of another site cannot make the signed-in victim say a line', async (ctx) => {
    const browser = await launchChromium();
    let attacker: Server | undefined;
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.url}/signin`);
      await page.getByLabel('Username').fill('bruno');
      await page.getByLabel('Password').fill('password1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${t.url}/`);
      const token = (await page.locator('meta[name="csrf-token"]').getAttribute('content')) ?? '';
      assert.ok(token.length > 20);
      const said = async () =>
        ((await api('room/get_archives', { session: hal, room: 'den', limit: 100 })).messages as Json[]).map(
          (m) => m.text as string,
        );

      // Control: the very same form, posted from our own page, says the line.
      await page.evaluate(`{
        const f = document.createElement('form');
        f.method = 'post';
        f.action = '/room/den/say';
        f.innerHTML = '<input name="csrf"><input name="text" value="said from our own page">';
        f.elements.csrf.value = ${JSON.stringify(token)};
        document.body.append(f);
        f.submit();
      }`);
      await page.waitForURL(`${t.url}/room/den`);
      assert.ok((await said()).includes('said from our own page'));

      // Another site: "localhost" is not the site of 127.0.0.1 to a browser. It even knows the token.
      const reports: Json[] = [];
      const lingr = t.url;
      attacker = createServer((req, res) => {
        if (req.method === 'POST' && req.url === '/report') {
          let text = '';
          req.on('data', (c: Buffer) => (text += String(c)));
          req.on('end', () => {
            reports.push(JSON.parse(text) as Json);
            res.end();
          });
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Win a prize</title>
<form id="f" method="post" action="${lingr}/room/den/say">
<input name="csrf" value="${token}"><input name="text" value="forged from another site">
</form>
<script>
(async () => {
  const r = {};
  try {
    await fetch(${JSON.stringify(`${lingr}/api/room/say`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
      body: new URLSearchParams({ room: 'den', text: 'forged by fetch', csrf: ${JSON.stringify(token)} }) });
    r.fetch = 'sent';
  } catch { r.fetch = 'failed'; }
  r.ws = await new Promise((done) => {
    const ws = new WebSocket(${JSON.stringify(`${lingr.replace('http', 'ws')}/api/event/ws`)});
    ws.onopen = () => done('open');
    ws.onerror = () => done('error');
  });
  r.sse = await new Promise((done) => {
    const es = new EventSource(${JSON.stringify(`${lingr}/api/event/stream`)}, { withCredentials: true });
    es.addEventListener('error', (e) => { es.close(); done(e.data ? JSON.parse(e.data).code : 'failed'); });
    es.onmessage = () => { es.close(); done('message'); };
  });
  await fetch('/report', { method: 'POST', body: JSON.stringify(r) });
  document.getElementById('f').submit();
})();
</script>`);
      });
      await new Promise<void>((resolve) => attacker?.listen(0, '127.0.0.1', resolve));
      const evil = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
      const answered = page.waitForResponse(
        (r) => r.url() === `${lingr}/room/den/say` && r.request().method() === 'POST',
      );
      await page.goto(evil);
      const response = await within(answered, 'the forged post reaches the server', 15_000);
      assert.equal(response.status(), 403);
      assert.equal(reports.length, 1);
      const report = reports[0] as Json;
      assert.equal(report.ws, 'error', 'a foreign page opened a WebSocket');
      assert.notEqual(report.sse, 'message', 'a foreign page read an event stream');
      const lines = await said();
      assert.ok(!lines.includes('forged from another site'), 'the forged form said a line');
      assert.ok(!lines.includes('forged by fetch'), 'the forged fetch said a line');
      ctx.diagnostic(
        `Chromium: forged form answered ${response.status()}; from the foreign page fetch ${String(report.fetch)}, ` +
          `WebSocket ${String(report.ws)}, EventSource ${String(report.sse)}; no line said`,
      );
    } finally {
      attacker?.close();
      await browser.close();
    }
  });
});
