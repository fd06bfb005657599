import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { prepare, runLingr, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { cookieOf, postForm } from './support/web.js';
import { hookMessage, startBot, type BotProcess } from './support/bots.js';
import {
  eventually,
  getJson,
  signedIn,
  startTestServer,
  tempDataDir,
  type Json,
  type TestServer,
} from './support/server.js';

const SECRET = 'TestSecret0123456789abcdefg';
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

function lingr(t: TestServer, ...args: string[]): string {
  const r = runLingr([...args, '--data', t.dataDir]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A bot of ours registered on the command line and put in the room. */
function addBot(t: TestServer, id: string, bot: BotProcess, room: string): void {
  lingr(t, 'bot', 'add', id, '--name', `${id} bot`, '--callback', bot.url, '--secret', SECRET);
  lingr(t, 'room', 'add-bot', room, id);
}

async function lines(t: TestServer, session: string, room: string): Promise<Json[]> {
  const shown = await t.api('room/show', { session, room });
  return ((shown.rooms as Json[])[0]!.messages as Json[]).map((m) => m);
}

async function failures(t: TestServer, botId: string): Promise<string[]> {
  const view = await t.server.chat.bots.view(botId, 'operator');
  return (view.failures ?? []).map((f) => f.reason);
}

describe('webhook bots against real bot processes', () => {
  let t: TestServer;
  let alice: { session: string; publicId: string };
  const bots: BotProcess[] = [];
  const bot = async (mode: string, options: Parameters<typeof startBot>[1] = {}) => {
    const b = await startBot(mode, { server: t.url, secret: SECRET, ...options });
    bots.push(b);
    return b;
  };

  before(async () => {
    t = await startTestServer({ allowPrivateCallbacks: 'true', botTimeout: '0.5', sayPerMinute: '1000' });
    alice = await signedIn(t, 'alice');
  });
  after(async () => {
    await Promise.all(bots.map((b) => b.stop()));
    await t.stop();
  });

  const room = async (id: string) => {
    await t.admin.addRoom({ id, name: id.toUpperCase(), owner: 'alice' });
    return id;
  };
  const say = async (roomId: string, text: string) => {
    const r = await t.api('room/say', { session: alice.session, room: roomId, text });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    return (r.message as Json).id as string;
  };

  it('posts each line as JSON in the observe shape, signed, and says a reply as the bot', async () => {
    const echo = await bot('reply');
    const r = await room('echoroom');
    addBot(t, 'echo', echo, r);
    const id = await say(r, 'hello bot');
    await eventually(() => assert.equal(echo.hooks.length, 1));
    const hook = echo.hooks[0]!;
    assert.equal(hook.method, 'POST');
    assert.match(hook.headers['content-type']!, /^application\/json/);
    const body = JSON.parse(hook.body) as Json;
    const event = (body.events as Json[])[0]!;
    assert.equal(body.status, 'ok');
    assert.equal(body.counter, event.event_id);
    assert.equal((body.events as Json[]).length, 1);
    assert.deepEqual(Object.keys(event.message as Json).sort(), [
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
    ]);
    assert.equal((event.message as Json).id, id);
    assert.equal(hook.headers['x-lingr-event-id'], String(event.event_id));
    assert.match(hook.headers['x-lingr-signature']!, /^t=\d+,v1=[0-9a-f]{64}$/);
    const reply = await eventually(async () => {
      const found = (await lines(t, alice.session, r)).find((m) => m.text === 'echo: hello bot');
      assert.ok(found);
      return found;
    });
    assert.equal(reply.type, 'bot');
    assert.equal(reply.speaker_id, 'echo');
    assert.equal(reply.public_session_id, 'bot-echo');
    assert.equal(reply.nickname, 'echo bot');
    assert.equal(reply.local_id, null);
    assert.match(reply.icon_url as string, /\/images\/bot\/echo\/42x42\.gif$/);
    // Its own reply is not sent back: the next webhook is alice's next line.
    await say(r, 'second');
    await eventually(() => assert.equal(echo.hooks.length, 2));
    assert.equal(hookMessage(echo.hooks[1]!).text, 'second');
    const shown = await t.api('room/show', { session: alice.session, room: r });
    const roster = (shown.rooms as Json[])[0]!.roster as Json;
    assert.deepEqual(roster.bots, [
      { id: 'echo', name: 'echo bot', icon_url: `${t.url}/images/bot/echo/42x42.gif`, status: 'online' },
    ]);
  });

  it('lets a bot push later with its verifier, by GET or POST, hex or raw secret', async () => {
    const later = await bot('push', { bot: 'later' });
    const r = await room('pushroom');
    addBot(t, 'later', later, r);
    await say(r, 'ping');
    await eventually(() => assert.equal(later.pushes.length, 1));
    assert.equal(later.pushes[0]!.answer.status, 'ok');
    const pushed = later.pushes[0]!.answer.message as Json;
    assert.equal(pushed.text, 'later: ping');
    assert.equal(pushed.type, 'bot');
    assert.equal(pushed.speaker_id, 'later');
    const byPost = await fetch(`${t.url}/api/room/say`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ room: r, bot: 'later', bot_verifier: SECRET, text: 'raw secret by POST' }),
    });
    assert.equal(((await byPost.json()) as Json).status, 'ok');
    const upper = await t.api('room/say', {
      room: r,
      bot: 'later',
      bot_verifier: sha1(`later${SECRET}`).toUpperCase(),
      text: 'x'.repeat(1500),
    });
    assert.equal(upper.status, 'ok');
    assert.equal(((upper.message as Json).text as string).length, 1000, 'cut to 1000 characters');
  });

  it('refuses a wrong verifier, an unknown bot and a bot not in the room with the contract codes', async () => {
    const r = await room('closedroom');
    const wrong = await t.api('room/say', { room: r, bot: 'later', bot_verifier: sha1('nope'), text: 'hi' });
    assert.equal(wrong.code, 'invalid_bot_verifier');
    const unknown = await t.api('room/say', {
      room: r,
      bot: 'ghost',
      bot_verifier: sha1('ghost'),
      text: 'hi',
    });
    assert.equal(unknown.code, 'invalid_bot_verifier');
    const outside = await t.api('room/say', {
      room: r,
      bot: 'later',
      bot_verifier: sha1(`later${SECRET}`),
      text: 'hi',
    });
    assert.equal(outside.code, 'forbidden');
    const noRoom = await t.api('room/say', {
      room: 'nowhere',
      bot: 'later',
      bot_verifier: SECRET,
      text: 'hi',
    });
    assert.equal(noRoom.code, 'not_found');
  });

  it('gives up on a bot that does not answer, and goes on to the next line', async () => {
    const slow = await bot('slow');
    const r = await room('slowroom');
    addBot(t, 'sloth', slow, r);
    await say(r, 'one');
    await say(r, 'two');
    await eventually(() => assert.equal(slow.hooks.length, 2), 10_000);
    assert.deepEqual(
      slow.hooks.map((h) => hookMessage(h).text),
      ['one', 'two'],
    );
    assert.ok(
      slow.hooks.every((h) => h.inFlight === 1),
      'one request in flight at a time',
    );
    await eventually(async () =>
      assert.equal((await failures(t, 'sloth')).filter((f) => /timed out/.test(f)).length, 2),
    );
  });

  it('records a 500 and a redirect (never followed) as failures, with no line said', async () => {
    const broken = await bot('error');
    const moved = await bot('redirect');
    const r = await room('badroom');
    addBot(t, 'broken', broken, r);
    addBot(t, 'moved', moved, r);
    await say(r, 'anyone?');
    await eventually(async () => {
      assert.match((await failures(t, 'broken'))[0] ?? '', /500/);
      assert.match((await failures(t, 'moved'))[0] ?? '', /redirect/);
    });
    assert.equal(moved.requests.filter((q) => q.path === '/elsewhere').length, 0);
    const said = await lines(t, alice.session, r);
    assert.deepEqual(
      said.map((m) => m.text),
      ['anyone?'],
    );
  });

  it('cuts a reply of megabytes to one line of 1,000 characters', async () => {
    const huge = await bot('huge');
    const r = await room('hugeroom');
    addBot(t, 'huge', huge, r);
    await say(r, 'talk a lot');
    const reply = await eventually(async () => {
      const found = (await lines(t, alice.session, r)).find((m) => m.type === 'bot');
      assert.ok(found);
      return found;
    });
    assert.equal(reply.text, 'a'.repeat(1000));
  });

  it('signs every webhook so that a bot can check it', async () => {
    const checker = await bot('verify');
    const r = await room('signedroom');
    addBot(t, 'checker', checker, r);
    await say(r, 'is this really lingr?');
    const reply = await eventually(async () => {
      const found = (await lines(t, alice.session, r)).find((m) => m.type === 'bot');
      assert.ok(found);
      return found;
    });
    assert.equal(reply.text, `signature ok for event ${hookMessage(checker.hooks[0]!).event_id}`);
  });

  it('delivers lines of people, guests, API 1.0 occupants and other bots, but not the bot’s own', async () => {
    const ears = await bot('quiet');
    const other = await bot('quiet');
    const r = await room('everyone');
    addBot(t, 'ears', ears, r);
    addBot(t, 'other', other, r);
    await say(r, 'from alice');
    const guest = await postForm(t.url, `/room/${r}/guest`, { nickname: 'Gus' });
    assert.equal(guest.status, 303, await guest.text());
    const guestSession = cookieOf(guest).split('=')[1] ?? '';
    const byGuest = await t.api('room/say', { session: guestSession, room: r, text: 'from a guest' });
    assert.equal(byGuest.status, 'ok', JSON.stringify(byGuest));
    const fromOther = await t.api('room/say', {
      room: r,
      bot: 'other',
      bot_verifier: SECRET,
      text: 'from other',
    });
    assert.equal(fromOther.status, 'ok');
    const fromEars = await t.api('room/say', {
      room: r,
      bot: 'ears',
      bot_verifier: SECRET,
      text: 'from ears',
    });
    assert.equal(fromEars.status, 'ok');
    const v1 = await getJson(`${t.url}/api/session/create`, { api_key: 'test', format: 'json' });
    const entered = await getJson(`${t.url}/api/room/enter`, {
      session: v1.session as string,
      id: r,
      nickname: 'oldie',
      format: 'json',
    });
    assert.equal(entered.status, 'ok', JSON.stringify(entered));
    const v1Say = await getJson(`${t.url}/api/room/say`, {
      session: v1.session as string,
      ticket: entered.ticket as string,
      message: 'from API 1.0',
      format: 'json',
    });
    assert.equal(v1Say.status, 'ok', JSON.stringify(v1Say));
    await say(r, 'last');
    const heard = (b: BotProcess) => b.hooks.map((h) => hookMessage(h).text);
    await eventually(() => assert.equal(ears.hooks.length + other.hooks.length, 10));
    assert.deepEqual(heard(ears), ['from alice', 'from a guest', 'from other', 'from API 1.0', 'last']);
    assert.deepEqual(heard(other), ['from alice', 'from a guest', 'from ears', 'from API 1.0', 'last']);
    assert.deepEqual(
      ears.hooks.map((h) => hookMessage(h).type),
      ['user', 'user', 'bot', 'user', 'user'],
    );
  });

  it('drops the oldest lines beyond 100 waiting, and counts them in /metrics', async () => {
    const gate = await bot('gate');
    const r = await room('floodroom');
    addBot(t, 'gated', gate, r);
    await say(r, 'first');
    await eventually(() => assert.equal(gate.hooks.length, 1));
    for (let i = 1; i <= 110; i++) await say(r, `line ${i}`);
    await fetch(`${gate.url}open`);
    await eventually(() => assert.equal(gate.hooks.length, 101), 20_000);
    const texts = gate.hooks.map((h) => hookMessage(h).text);
    assert.equal(texts[1], 'line 11', 'the ten oldest waiting were dropped');
    assert.equal(texts.at(-1), 'line 110');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /lingr_bot_drops_total\{bot="gated"\} 10\b/);
    assert.match(metrics, /lingr_bot_deliveries_total\{bot="gated"\} 101\b/);
    assert.match(metrics, /lingr_bot_replies_total\{bot="gated"\} \d+/);
    assert.match(metrics, /lingr_bot_failures_total\{bot="sloth"\} [1-9]/);
    assert.match(metrics, /lingr_bot_latency_seconds_count\{bot="gated"\} 101\b/);
  });
});

describe('callbacks to private addresses, without --allow-private-callbacks', () => {
  let t: TestServer;
  let bot: BotProcess;
  before(async () => {
    t = await startTestServer({ botTimeout: '0.5' });
    bot = await startBot('reply');
  });
  after(async () => {
    await bot.stop();
    await t.stop();
  });

  it('refuses them when a user registers a bot', async () => {
    await signedIn(t, 'mallory');
    const mallory = await t.adminStore.users.byUsername('mallory');
    for (const callbackUrl of [
      bot.url,
      'http://localhost:8080/hook',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5/',
      'http://[::ffff:127.0.0.1]/',
      'ftp://example.com/',
    ])
      await assert.rejects(
        t.server.chat.bots.register({ userId: mallory!.id }, { id: 'sneaky', name: 'Sneaky', callbackUrl }),
        (err: Error & { code?: string }) => err.code === 'invalid_parameter',
        callbackUrl,
      );
    assert.equal(await t.server.chat.bots.byId('sneaky'), undefined);
  });

  it('refuses them when connecting, whatever was registered', async () => {
    const alice = await signedIn(t, 'alice');
    await t.admin.addRoom({ id: 'lan', name: 'LAN', owner: 'alice' });
    // The operator may register any callback; the server still refuses to call a private one.
    lingr(t, 'bot', 'add', 'inside', '--name', 'Inside', '--callback', bot.url, '--secret', SECRET);
    lingr(t, 'room', 'add-bot', 'lan', 'inside');
    const said = await t.api('room/say', { session: alice.session, room: 'lan', text: 'reach in' });
    assert.equal(said.status, 'ok');
    await eventually(async () => assert.match((await failures(t, 'inside'))[0] ?? '', /refused/));
    assert.equal(bot.requests.length, 0, 'no request reached the bot');
  });
});

describe('exactly one delivery with --workers 2', () => {
  const dataDir = tempDataDir();
  let server: ServerProcess;
  let bot: BotProcess;
  after(async () => {
    await bot?.stop();
    await stopServer(server, dataDir);
  });

  it('sends every line once, in order, one request at a time, whichever worker stored it', async () => {
    bot = await startBot('reply', { delay: 20 });
    const people = ['ann', 'ben', 'cat', 'dan'];
    prepare(dataDir, [
      ...people.map((u) => ['user', 'add', u, '--password', 'password1']),
      ['room', 'add', 'busy', '--name', 'Busy', '--owner', 'ann'],
      ...people.slice(1).map((u) => ['room', 'join', 'busy', u]),
      ['bot', 'add', 'counter', '--name', 'Counter', '--callback', bot.url, '--secret', SECRET],
      ['room', 'add-bot', 'busy', 'counter'],
    ]);
    server = await spawnServer(dataDir, [
      '--workers',
      '2',
      '--allow-private-callbacks',
      '--say-per-minute',
      '1000',
    ]);
    const sessions = await Promise.all(
      people.map(
        async (user) =>
          (await getJson(`${server.url}/api/session/create`, { user, password: 'password1' }))
            .session as string,
      ),
    );
    const said: number[] = [];
    for (let round = 0; round < 10; round++)
      await Promise.all(
        sessions.map(async (session, i) => {
          // A fresh connection each time, so the primary hands the says to both workers.
          const res = await fetch(
            `${server.url}/api/room/say?${new URLSearchParams({ session, room: 'busy', text: `${people[i]} ${round}` })}`,
            { headers: { connection: 'close' } },
          );
          const body = (await res.json()) as Json;
          assert.equal(body.status, 'ok', JSON.stringify(body));
          said.push(Number((body.message as Json).id));
        }),
      );
    await eventually(() => assert.equal(bot.hooks.length, 40), 20_000);
    const ids = bot.hooks.map((h) => Number((JSON.parse(h.body) as { events: Json[] }).events[0]!.event_id));
    assert.equal(new Set(ids).size, 40, 'no line twice');
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'in event order',
    );
    assert.ok(
      bot.hooks.every((h) => h.inFlight === 1),
      'one request in flight at a time',
    );
    assert.deepEqual(
      bot.hooks.map((h) => hookMessage(h).text).sort(),
      people.flatMap((p) => Array.from({ length: 10 }, (_, r) => `${p} ${r}`)).sort(),
    );
    // Every reply was said once.
    const shown = await getJson(`${server.url}/api/room/get_archives`, {
      session: sessions[0]!,
      room: 'busy',
      limit: 100,
    });
    const replies = (shown.messages as Json[]).filter((m) => m.type === 'bot');
    assert.equal(replies.length, 40);
    assert.equal(said.length, 40);
  });
});
