import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { form, send } from './support/http.js';
import { startTestServer, type Json, type TestServer } from './support/server.js';
import { openSse, readSse, until, within, type SseStream } from './support/streams.js';
import { cookieOf, csrfOf, postForm, webUser } from './support/web.js';

// The room made private while followed is test/room-closing.test.ts; here the rooms were never public.

/** Words that exist only inside the private rooms: names, blurb, tags, lines, member names, ids. */
const SECRETS = [
  'hushden',
  'vaultroom',
  'Murmurwood',
  'Obsidian',
  'Quorum',
  'Tangerine',
  'zeppelin',
  'velociraptor',
  'cryptotag',
  'glimmerfax',
  'snorkelwhisper',
  'Zorblax',
  'Quimby',
  'Quillon',
  'Vexley',
];
/** Stand-ins that name nothing at all: a private room must answer exactly as these do. */
const NONE_ROOM = 'nosuchroom';
const NONE_WORD = 'nowherewordzz';
const NONE_TAG = 'nosuchtag';
const NONE_MESSAGE = '987654321';

interface Viewer {
  label: string;
  cookie?: string;
  session?: string;
  csrf?: string;
}

interface Answer {
  status: number;
  location?: string;
  text: string;
}

const PRIVATE = [
  { id: 'hushden', word: 'Murmurwood' },
  { id: 'vaultroom', word: 'Tangerine' },
] as const;

/** A socket kept open, gathering every frame as text. */
function socket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const raw: string[] = [];
  ws.on('message', (data) => raw.push(String(data)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, raw, opened };
}

/** One viewer's live connections, each authenticated its own way. */
interface Watch {
  v: Viewer;
  session: string;
  sse: SseStream;
  sseByCookie: SseStream;
  ws: ReturnType<typeof socket>;
  wsByCookie: ReturnType<typeof socket>;
}

describe('Private rooms: every path (API, pages, archives, search, explore, badge, SSE, WebSocket, long poll) for an outsider, a guest and a signed-out visitor | 0 leaked', () => {
  let t: TestServer;
  let outsider: Viewer;
  let guest: Viewer;
  const visitor: Viewer = { label: 'signed-out visitor' };
  let zorblax: string;
  let quillon: string;
  let pam: string;
  let secretMessage: string;
  /** A counter from before the private lines, for resuming streams. */
  let early: number;
  let day: string;
  const leaks: string[] = [];
  const count = { probes: 0, leaked: 0, byViewer: new Map<string, number>() };

  /** The secrets found in `text`, except words the request itself carried (they may be echoed). */
  function secretsIn(text: string, echoed: readonly string[]): string[] {
    const lower = text.toLowerCase();
    return SECRETS.filter(
      (s) =>
        !echoed.some((e) => e.toLowerCase().includes(s.toLowerCase())) && lower.includes(s.toLowerCase()),
    );
  }

  const normalized = (a: Answer, pairs: ReadonlyArray<readonly [string, string]>, side: 0 | 1): string => {
    let text = `${a.status} ${a.location ?? ''}\n${a.text}`;
    pairs.forEach((pair, i) => (text = text.replaceAll(pair[side], `\u00a7${i}\u00a7`)));
    return text;
  };

  /**
   * One probe: no secret in the answer, and (with a twin) the answer equals the twin's, the same request
   * about something that does not exist, once the names the two requests carried are set aside.
   */
  async function probe(
    v: Viewer,
    label: string,
    real: () => Promise<Answer>,
    twin?: { ask: () => Promise<Answer>; pairs: ReadonlyArray<readonly [string, string]> },
    echoed: readonly string[] = [],
  ): Promise<void> {
    count.probes++;
    count.byViewer.set(v.label, (count.byViewer.get(v.label) ?? 0) + 1);
    const known = leaks.length;
    await ask(v, label, real, twin, echoed);
    if (leaks.length > known) count.leaked++;
  }

  async function ask(
    v: Viewer,
    label: string,
    real: () => Promise<Answer>,
    twin: { ask: () => Promise<Answer>; pairs: ReadonlyArray<readonly [string, string]> } | undefined,
    echoed: readonly string[],
  ): Promise<void> {
    const answer = await real();
    const found = secretsIn(answer.text, echoed);
    if (found.length > 0)
      leaks.push(`${v.label}: ${label} shows ${found.join(', ')}: ${answer.text.slice(0, 300)}`);
    if (!twin) return;
    const other = await twin.ask();
    const a = normalized(answer, twin.pairs, 0);
    const b = normalized(other, twin.pairs, 1);
    if (a !== b)
      leaks.push(
        `${v.label}: ${label} differs from the same request about nothing:\n  ${a.slice(0, 400)}\n  vs ${b.slice(0, 400)}`,
      );
  }

  const page = async (v: Viewer, path: string): Promise<Answer> => {
    const res = await fetch(`${t.url}${path}`, {
      redirect: 'manual',
      headers: v.cookie ? { cookie: v.cookie } : {},
    });
    return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text() };
  };

  const posted = async (v: Viewer, path: string, fields: Record<string, string>): Promise<Answer> => {
    const w = await send(t.url, {
      method: 'POST',
      path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: t.url,
        ...(v.cookie ? { cookie: v.cookie } : {}),
      },
      body: form(v.csrf ? { csrf: v.csrf, ...fields } : fields),
    });
    // A session cookie handed out is an answer too.
    const cookie = w.headers['set-cookie'];
    return {
      status: w.status,
      location: w.headers.location as string | undefined,
      text: `${cookie ?? ''}${w.text}`,
    };
  };

  const apiBySession = async (v: Viewer, method: string, params: Record<string, string | number>) => ({
    status: 200,
    text: JSON.stringify(await t.api(method, { session: v.session ?? '', ...params })),
  });

  /** As our own pages call the API: the cookie and the page token in the header. */
  const apiByCookie = async (v: Viewer, method: string, params: Record<string, string | number>) => {
    const w = await send(t.url, {
      method: 'POST',
      path: `/api/${method}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: v.cookie ?? '',
        'x-lingr-csrf': v.csrf ?? '',
      },
      body: form(params),
    });
    return { status: w.status, text: w.text };
  };

  const publicStream = async (v: Viewer, query: string): Promise<Answer> => {
    const frames = await readSse(
      `${t.url}/api/room/stream?${query}`,
      v.cookie ? { cookie: v.cookie } : {},
      (f) => f.length > 0,
      2000,
    );
    return { status: 200, text: JSON.stringify(frames) };
  };

  before(async () => {
    t = await startTestServer({ sayPerMinute: '100000', callsPerMinute: '1000000' });
    for (const [username, name] of [
      ['zorblax', 'Zorblax Quimby'],
      ['quillon', 'Quillon Vexley'],
      ['pam', 'Pam Public'],
      ['otto', 'Otto Outsider'],
    ] as const)
      await t.admin.addUser({ username, password: 'password1', name });
    await t.admin.addRoom({ id: 'hushden', name: 'Murmurwood Lodge', owner: 'zorblax', isPublic: false });
    await t.admin.join('hushden', 'quillon');
    await t.admin.addRoom({
      id: 'vaultroom',
      name: 'Obsidian Quorum',
      blurb: 'Tangerine zeppelin velociraptor',
      owner: 'zorblax',
      isPublic: false,
      tags: ['cryptotag', 'sharedtag'],
    });
    await t.admin.addRoom({
      id: 'commons',
      name: 'Commons Hall',
      blurb: 'Open to all',
      owner: 'pam',
      tags: ['sharedtag'],
    });
    await t.admin.addRoom({ id: 'agora', name: 'Agora Square', owner: 'pam', tags: ['sharedtag'] });
    const login = async (user: string) =>
      (await t.api('session/create', { user, password: 'password1' })).session as string;
    zorblax = await login('zorblax');
    quillon = await login('quillon');
    pam = await login('pam');
    early = (await t.api('room/subscribe', { session: zorblax, room: 'hushden,vaultroom' }))
      .counter as number;
    await t.api('room/subscribe', { session: pam, room: 'commons' });
    const say = async (session: string, room: string, text: string) => {
      const r = await t.api('room/say', { session, room, text });
      assert.equal(r.status, 'ok', JSON.stringify(r));
      return (r.message as Json).id as string;
    };
    secretMessage = await say(zorblax, 'hushden', 'glimmerfax one');
    await say(quillon, 'hushden', 'glimmerfax two, snorkelwhisper');
    await say(zorblax, 'vaultroom', 'glimmerfax in the vault');
    await say(pam, 'commons', 'hello commons');

    const o = await webUser(t, 'otto');
    outsider = { label: 'outsider', cookie: o.cookie, session: o.session, csrf: o.csrf };
    const entered = await postForm(t.url, '/room/commons/guest', { nickname: 'Gustav Guest' });
    assert.equal(entered.status, 303);
    const cookie = cookieOf(entered);
    const home = await (await fetch(`${t.url}/`, { headers: { cookie } })).text();
    guest = { label: 'guest', cookie, session: cookie.split('=')[1] ?? '', csrf: csrfOf(home) };
    assert.equal((await t.api('session/verify', { session: guest.session ?? '' })).status, 'ok');

    // The day the lines were said, as the member's archives link it.
    const archives = await (await fetch(`${t.url}/room/hushden/archives`, { headers: member() })).text();
    day = /href="\/room\/hushden\/archives\/(\d{4}\/\d{2}\/\d{2})"/.exec(archives)?.[1] ?? '';
    assert.match(day, /^\d{4}\/\d{2}\/\d{2}$/);
  });
  after(async () => {
    // The client opens spare connections once streams are aborted; with no request on them the server's
    // stop would wait out its grace period. A request on each lets them close as idle ones.
    await Promise.all(Array.from({ length: 8 }, () => fetch(`${t.url}/healthz`).then((r) => r.text())));
    await t.stop();
  });

  /** The member's own browser: the positive controls read through it. */
  const member = () => ({ cookie: `lingr_session=${zorblax}` });

  it('the private rooms, their lines and members are there for members (controls)', async (ctx) => {
    const checks: Array<[string, boolean]> = [];
    const has = async (path: string, re: RegExp, headers: Record<string, string> = {}) =>
      checks.push([path, re.test(await (await fetch(`${t.url}${path}`, { headers })).text())]);
    await has('/room/hushden', /Murmurwood Lodge[\s\S]*glimmerfax one[\s\S]*snorkelwhisper/, member());
    await has('/room/vaultroom', /Obsidian Quorum[\s\S]*Tangerine zeppelin[\s\S]*cryptotag/, member());
    await has('/room/hushden/archives?q=glimmerfax', /glimmerfax one/, member());
    await has('/search?q=glimmerfax', /glimmerfax<\/mark> one/, member());
    await has(`/room/hushden/archives/${day}`, /snorkelwhisper/, member());
    await has('/', /Hot rooms[\s\S]*Commons Hall[\s\S]*New rooms[\s\S]*Agora Square/);
    await has('/?q=Commons', /href="\/room\/commons"/);
    await has('/tag/sharedtag', /href="\/room\/commons"/);
    await has('/tag/sharedtag', /href="\/room\/agora"/);
    await has('/room/commons', /Related rooms[\s\S]*href="\/room\/agora"/);
    await has('/room/commons/badge', /hello commons/);
    // The viewers really are signed in, by cookie and by session, so their refusals mean something.
    for (const [v, name] of [
      [outsider, 'Otto Outsider'],
      [guest, 'Gustav Guest'],
    ] as const) {
      await has('/room/commons', new RegExp(`class="who" href="/settings">${name}<`), {
        cookie: v.cookie ?? '',
      });
      const bySession = await apiBySession(v, 'room/get_archives', { room: 'commons' });
      checks.push([`${v.label} room/get_archives by session`, bySession.text.includes('hello commons')]);
      const byCookie = await apiByCookie(v, 'room/show', { room: 'commons' });
      checks.push([`${v.label} room/show by cookie`, byCookie.text.includes('Commons Hall')]);
    }
    const shown = await t.api('room/show', { session: zorblax, room: 'hushden' });
    const members = ((((shown.rooms as Json[])[0] as Json).roster as Json).members as Json[]).map(
      (m) => m.name,
    );
    checks.push([
      'room/show roster',
      JSON.stringify(members.sort()) === '["Quillon Vexley","Zorblax Quimby"]',
    ]);
    const failed = checks.filter(([, ok]) => !ok).map(([p]) => p);
    ctx.diagnostic(
      `controls: ${checks.length - failed.length}/${checks.length} passed (members see the private rooms, the viewers are signed in, public rooms are listed)`,
    );
    assert.deepEqual(failed, []);
  });

  it('pages, archives, search, explore, tags, related rooms, the badge and its stream', async () => {
    for (const v of [outsider, guest, visitor]) {
      for (const room of PRIVATE) {
        const pairs = [[room.id, NONE_ROOM]] as const;
        const paths = [
          (id: string) => `/room/${id}`,
          (id: string) => `/room/${id}/archives`,
          (id: string) => `/room/${id}/archives?q=glimmerfax`,
          (id: string) => `/room/${id}/archives?q=${room.word}`,
          (id: string) => `/room/${id}/archives/${day}`,
          (id: string) => `/room/${id}/badge`,
          (id: string) => `/room/${id}/edit`,
        ];
        for (const path of paths)
          await probe(
            v,
            `GET ${path(room.id)}`,
            () => page(v, path(room.id)),
            { ask: () => page(v, path(NONE_ROOM)), pairs },
            [room.id, 'glimmerfax', room.word],
          );
        // What a browser would post: entering as a guest, or joining and saying as a signed-in viewer.
        const posts: Array<[string, Record<string, string>]> = v.session
          ? [
              ['join', {}],
              ['say', { text: 'an outsider line' }],
            ]
          : [['guest', { nickname: 'Sneaky Visitor' }]];
        for (const [action, fields] of posts)
          await probe(
            v,
            `POST /room/${room.id}/${action}`,
            () => posted(v, `/room/${room.id}/${action}`, fields),
            { ask: () => posted(v, `/room/${NONE_ROOM}/${action}`, fields), pairs },
            [room.id],
          );
        for (const query of [(id: string) => `room=${id}`, (id: string) => `room=${id}&counter=${early}`])
          await probe(
            v,
            `public stream ?${query(room.id)}`,
            () => publicStream(v, query(room.id)),
            { ask: () => publicStream(v, query(NONE_ROOM)), pairs },
            [room.id],
          );
      }
      // Pages about every room at once: nothing of the private rooms, not even their ids.
      for (const path of [
        '/',
        '/tag/sharedtag',
        '/room/commons',
        '/room/agora',
        '/room/commons/archives?q=glimmerfax',
      ])
        await probe(v, `GET ${path}`, () => page(v, path), undefined, ['glimmerfax']);
      for (const word of ['Murmurwood', 'Tangerine', 'cryptotag', 'glimmerfax', 'Zorblax'])
        for (const search of ['/?q=', '/search?q='])
          await probe(
            v,
            `GET ${search}${word}`,
            () => page(v, `${search}${word}`),
            { ask: () => page(v, `${search}${NONE_WORD}`), pairs: [[word, NONE_WORD]] },
            [word],
          );
      await probe(
        v,
        'GET /tag/cryptotag',
        () => page(v, '/tag/cryptotag'),
        { ask: () => page(v, `/tag/${NONE_TAG}`), pairs: [['cryptotag', NONE_TAG]] },
        ['cryptotag'],
      );
    }
    assert.deepEqual(leaks, [], leaks.join('\n'));
  });

  it('the API, by session and as our pages call it by cookie', async () => {
    for (const v of [outsider, guest]) {
      for (const room of PRIVATE) {
        const pairs = [[room.id, NONE_ROOM]] as const;
        const calls: Array<[string, (id: string) => Record<string, string | number>]> = [
          ['room/show', (id) => ({ room: id })],
          ['room/show', (id) => ({ rooms: `commons,${id}` })],
          ['room/get_archives', (id) => ({ room: id })],
          ['room/get_archives', (id) => ({ room: id, before: 999999, limit: 100 })],
          ['room/subscribe', (id) => ({ room: id })],
          ['room/subscribe', (id) => ({ room: `commons,${id}` })],
          ['room/say', (id) => ({ room: id, text: 'an outsider line' })],
        ];
        for (const [method, params] of calls)
          await probe(
            v,
            `${method} ${JSON.stringify(params(room.id))}`,
            () => apiBySession(v, method, params(room.id)),
            { ask: () => apiBySession(v, method, params(NONE_ROOM)), pairs },
            [room.id],
          );
        for (const [method, params] of [calls[0], calls[2], calls[6]] as Array<(typeof calls)[number]>)
          await probe(
            v,
            `${method} by cookie ${JSON.stringify(params(room.id))}`,
            () => apiByCookie(v, method, params(room.id)),
            { ask: () => apiByCookie(v, method, params(NONE_ROOM)), pairs },
            [room.id],
          );
      }
      for (const method of ['favorite/add', 'favorite/remove'])
        await probe(
          v,
          `${method} of a private message`,
          () => apiBySession(v, method, { message: secretMessage }),
          {
            ask: () => apiBySession(v, method, { message: NONE_MESSAGE }),
            pairs: [[`message ${secretMessage}.`, `message ${NONE_MESSAGE}.`]],
          },
        );
      await probe(v, 'user/get_rooms', async () => {
        const a = await apiBySession(v, 'user/get_rooms', {});
        const rooms = (JSON.parse(a.text) as Json).rooms as string[];
        assert.ok(Array.isArray(rooms));
        return a;
      });
    }
    assert.deepEqual(leaks, [], leaks.join('\n'));
  });

  it("the viewer's own SSE, WebSocket and long poll while members speak", async (ctx) => {
    const ws = t.url.replace('http', 'ws');
    const viewers = [outsider, guest].map((v) => ({ v, session: v.session ?? '' }));
    const open: Watch[] = [];
    for (const { v, session } of viewers) {
      // Trying to follow the private rooms first (refused), then a public room that works.
      for (const room of PRIVATE) await t.api('room/subscribe', { session, room: room.id });
      assert.equal((await t.api('room/subscribe', { session, room: 'commons' })).status, 'ok');
      open.push({
        v,
        session,
        sse: openSse(`${t.url}/api/event/stream?session=${session}`),
        sseByCookie: openSse(`${t.url}/api/event/stream?csrf=${v.csrf ?? ''}`, { cookie: v.cookie ?? '' }),
        ws: socket(`${ws}/api/event/ws?session=${session}`),
        wsByCookie: socket(`${ws}/api/event/ws`, { origin: t.url, cookie: v.cookie ?? '' }),
      });
    }
    const memberStream = openSse(`${t.url}/api/event/stream?session=${zorblax}`);
    const badge = openSse(`${t.url}/api/room/stream?room=commons`);
    const sses: SseStream[] = [memberStream, badge, ...open.flatMap((o) => [o.sse, o.sseByCookie])];
    await within(Promise.all(sses.map((s) => s.opened)), 'the event streams open');
    await within(Promise.all(open.flatMap((o) => [o.ws.opened, o.wsByCookie.opened])), 'the sockets open');
    const rawOf = (o: Watch) => [
      ...[o.sse, o.sseByCookie].map((s) => s.frames.map((f) => f.data).join('\n')),
      ...[o.ws, o.wsByCookie].map((s) => s.raw.join('\n')),
    ];
    const heard = (text: string) => () =>
      [badge.texts().join('\n'), ...open.flatMap(rawOf)].every((raw) => raw.includes(text));
    // Every stream is attached (and every presence change settled) once a line said now reached it.
    let n = 0;
    await within(
      (async () => {
        while (!heard('warm-up')()) {
          await t.api('room/say', { session: pam, room: 'commons', text: `warm-up ${n++}` });
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      'every stream hears the public room',
    );
    const polls = await Promise.all(
      open.map(async (o) => {
        const counter = (await t.api('room/subscribe', { session: o.session, room: 'commons' }))
          .counter as number;
        return { o, counter, held: t.api('event/observe', { session: o.session, counter }) };
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await t.api('room/say', { session: zorblax, room: 'hushden', text: 'glimmerfax live from Zorblax' });
    await t.api('room/say', { session: quillon, room: 'hushden', text: 'snorkelwhisper live from Quillon' });
    await t.api('room/say', { session: zorblax, room: 'vaultroom', text: 'glimmerfax live in the vault' });
    await t.api('room/say', { session: pam, room: 'commons', text: 'sentinel after the secrets' });
    await until(heard('sentinel after the secrets'));
    await until(() => memberStream.texts().includes('glimmerfax live in the vault'));
    for (const { o, counter, held } of polls) {
      await probe(o.v, 'held event/observe', async () => ({
        status: 200,
        text: JSON.stringify(await within(held, 'the held observe is answered')),
      }));
      await probe(o.v, 'event/observe after the subscribe attempts', async () => ({
        status: 200,
        text: JSON.stringify(await t.api('event/observe', { session: o.session, counter })),
      }));
      const [sse, sseByCookie, wsRaw, wsByCookie] = rawOf(o);
      for (const [name, raw] of [
        ['SSE by session', sse],
        ['SSE by cookie and page token', sseByCookie],
        ['WebSocket by session', wsRaw],
        ['WebSocket by cookie', wsByCookie],
      ] as const)
        await probe(o.v, name, async () => ({ status: 200, text: raw ?? '' }));
      o.ws.ws.close();
      o.wsByCookie.ws.close();
    }
    await probe(visitor, 'public stream of a public room', async () => ({
      status: 200,
      text: badge.frames.map((f) => f.data).join('\n'),
    }));
    for (const s of sses) s.close();
    ctx.diagnostic(
      `member heard ${memberStream.texts().length} private lines live; every viewer stream heard the sentinel`,
    );
    assert.deepEqual(leaks, [], leaks.join('\n'));
  });

  it('nobody got in: the viewers follow no private room and the rosters are unchanged', async (ctx) => {
    for (const v of [outsider, guest]) {
      const rooms = (await t.api('user/get_rooms', { session: v.session ?? '' })).rooms as string[];
      assert.ok(!rooms.includes('hushden') && !rooms.includes('vaultroom'), `${v.label}: ${rooms.join(',')}`);
    }
    const shown = await t.api('room/show', { session: zorblax, room: 'hushden,vaultroom' });
    const rosters = (shown.rooms as Json[]).map((r) =>
      ((r.roster as Json).members as Json[])
        .map((m) => m.username as string)
        .sort()
        .join(','),
    );
    assert.deepEqual(rosters, ['quillon,zorblax', 'zorblax']);
    const lines = (await t.api('room/get_archives', { session: zorblax, room: 'hushden', limit: 100 }))
      .messages as Json[];
    assert.ok(!lines.some((m) => m.text === 'an outsider line'));
    const per = [...count.byViewer].map(([k, n]) => `${k} ${n}`).join(', ');
    ctx.diagnostic(`probes: ${count.probes} (${per}), leaked: ${count.leaked}`);
    assert.ok(count.probes >= 130, `only ${count.probes} probes`);
    assert.equal(count.leaked, 0, leaks.join('\n'));
  });
});
