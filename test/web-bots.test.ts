import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestServer, type Json, type TestServer } from './support/server.js';
import { postForm, webSignIn, type Browser } from './support/web.js';

// The smallest valid PNG: one transparent pixel.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
  'hex',
);
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const HOSTILE = `<script>alert(1)</script>"'&<img src=x>`;

/** A page as a browser gets it, with or without a session cookie. */
async function get(t: TestServer, path: string, who?: Browser) {
  const res = await fetch(`${t.url}${path}`, {
    redirect: 'manual',
    headers: who ? { cookie: who.cookie } : {},
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A multipart form post from our own page, as the bot forms send it (they may carry an icon). */
async function postMultipart(
  t: TestServer,
  path: string,
  who: Browser,
  fields: Record<string, string>,
  icon?: Buffer,
) {
  const body = new FormData();
  body.set('csrf', who.csrf);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  if (icon) body.set('icon', new Blob([icon], { type: 'image/png' }), 'icon.png');
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: t.url, cookie: who.cookie },
    body,
  });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

/** An urlencoded post with the visitor's form token. */
async function post(t: TestServer, path: string, who: Browser, fields: Record<string, string> = {}) {
  const res = await postForm(t.url, path, { csrf: who.csrf, ...fields }, who.cookie);
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

const unescape = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The value of an input on a page, unescaped. */
function inputValue(page: string, id: string): string | undefined {
  const tag = new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(page)?.[0];
  const value = tag && /value="([^"]*)"/.exec(tag)?.[1];
  return value === undefined ? undefined : unescape(value);
}

/** No markup from users survives: their `<` arrives as `&lt;`. */
function assertEscaped(text: string, where: string): void {
  assert.doesNotMatch(text, /<img src=x/, where);
  assert.doesNotMatch(text, /<script>alert/, where);
}

describe('bots in the web', () => {
  let t: TestServer;
  let olga: Browser;
  let bob: Browser;

  before(async () => {
    t = await startTestServer({ allowPrivateCallbacks: 'true', botTimeout: '0.5' });
    await t.admin.addUser({ username: 'olga', password: 'password1', name: 'Olga' });
    await t.admin.addUser({ username: 'bob', password: 'password1', name: 'Bob' });
    await t.admin.addRoom({ id: 'lab', name: 'The Lab', owner: 'olga' });
    await t.admin.addRoom({ id: 'garage', name: 'Garage', owner: 'bob' });
    await t.admin.addRoom({ id: 'attic', name: 'Attic', owner: 'bob', isPublic: false });
    olga = await webSignIn(t.url, 'olga', 'password1');
    bob = await webSignIn(t.url, 'bob', 'password1');
  });
  after(() => t.stop());

  const register = (who: Browser, fields: Record<string, string>, icon?: Buffer) =>
    postMultipart(t, '/bots', who, fields, icon);
  const bot = async (id: string) => {
    const found = await t.server.chat.bots.byId(id);
    assert.ok(found, `bot ${id} exists`);
    return found;
  };
  const pushAs = (botId: string, secret: string, room: string, text: string) =>
    t.api('room/say', { room, bot: botId, bot_verifier: sha1(botId + secret), text });

  it('sends visitors to sign in for /bots, and tells guests to sign up', async () => {
    const anonymous = await get(t, '/bots');
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), '/signin?next=/bots');
    const entered = await postForm(t.url, '/room/lab/guest', { nickname: 'Visitor' });
    await entered.text();
    const cookie = (entered.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const guestPage = await fetch(`${t.url}/bots`, { headers: { cookie } });
    const text = await guestPage.text();
    assert.equal(guestPage.status, 403);
    assert.match(text, /Bots need an account/);
    assert.doesNotMatch(text, /href="\/bots">Bots</, 'guests get no Bots link');
    const home = await get(t, '/', olga);
    assert.match(home.text, /<nav class="account"[\s\S]*href="\/bots">Bots<\/a>/);
  });

  it('registers a bot with an icon, then shows its page with the secret and verifier', async () => {
    const r = await register(olga, { id: 'helper', name: 'Helper', callback_url: '' }, PNG);
    assert.equal(r.status, 303, r.text);
    assert.equal(r.location, '/bot/helper?created=1');
    const made = await bot('helper');
    assert.equal(made.ownerId, (await t.adminStore.users.byUsername('olga'))?.id);
    assert.equal(made.name, 'Helper');
    assert.equal(made.callbackUrl, null);

    const page = await get(t, r.location, olga);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Helper <span class="bot-badge"/);
    assert.match(page.text, /Your bot is registered/);
    assert.match(page.text, /<details class="secret" open>/, 'the new secret is shown at once');
    assert.ok(page.text.includes(`aria-label="Secret">${made.secret}</code>`));
    assert.ok(page.text.includes(`aria-label="Verifier">${sha1('helper' + made.secret)}</code>`));
    assert.ok(page.text.includes(`-d bot_verifier=${sha1('helper' + made.secret)}`), 'a curl example');
    assert.match(page.text, /class="status offline">offline</, 'no callback: offline');
    assert.match(page.text, /Made by <a href="\/olga">Olga<\/a>/);

    const list = await get(t, '/bots', olga);
    assert.equal(list.status, 200);
    assert.match(list.text, /<li data-bot="helper">[\s\S]*href="\/bot\/helper">Helper<[\s\S]*in no room/);

    const icon = await fetch(`${t.url}/images/bot/helper/80x80.gif`);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('content-type'), 'image/png');
    assert.match(icon.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.deepEqual(Buffer.from(await icon.arrayBuffer()), PNG);
  });

  it('draws an icon from the id for a bot without one, and answers 404 for no such bot', async () => {
    const r = await register(bob, { id: 'plain', name: 'Plain' });
    assert.equal(r.status, 303, r.text);
    const drawn = await fetch(`${t.url}/images/bot/plain/16x16.gif`);
    assert.equal(drawn.status, 200);
    assert.equal(drawn.headers.get('content-type'), 'image/svg+xml');
    const svg = await drawn.text();
    assert.match(svg, /^<svg /);
    const big = await (await fetch(`${t.url}/images/bot/plain/42x42.gif`)).text();
    assert.equal(big, svg, 'the same picture at every size');
    const user = await (await fetch(`${t.url}/images/user/plain/42x42.gif`)).text();
    assert.notEqual(user, svg, 'a bot does not look like a user of the same name');
    for (const path of ['/images/bot/nobody/16x16.gif', '/images/bot/plain/huge.png']) {
      const missing = await fetch(`${t.url}${path}`);
      await missing.text();
      assert.equal(missing.status, 404, path);
    }
  });

  it('shows the form again with the reason and what was typed when registering fails', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ id: 'helper', name: 'Again', callback_url: '' }, /There is a bot "helper" already/],
      [{ id: 'no spaces', name: 'Spacey', callback_url: '' }, /bot id must be 1 to 40 letters/],
      [{ id: 'ftpbot', name: 'Ftp', callback_url: 'ftp://example.com/x' }, /must use http or https, not ftp/],
      [{ id: 'nameless', name: '', callback_url: '' }, /^The bot’s name is empty\.$/],
    ];
    for (const [fields, reason] of cases) {
      const r = await register(olga, fields);
      assert.equal(r.status, 400, JSON.stringify(fields));
      const error = /<p class="form-error" role="alert">([^<]*)<\/p>/.exec(r.text)?.[1];
      assert.ok(error, `an error for ${JSON.stringify(fields)}`);
      assert.match(unescape(error), reason);
      assert.equal(inputValue(r.text, 'bot-id'), fields.id);
      assert.equal(inputValue(r.text, 'bot-name'), fields.name);
      assert.equal(inputValue(r.text, 'bot-callback'), fields.callback_url);
    }
    const bad = await register(olga, { id: 'badicon', name: 'Bad icon' }, Buffer.from('<svg/>'));
    assert.equal(bad.status, 400);
    assert.match(bad.text, /The icon must be a PNG, JPEG, GIF or WebP image/);
    assert.equal(await t.server.chat.bots.byId('badicon'), undefined, 'nothing registered');
  });

  it('shows everyone the public page, and only its owner the settings, secret and failures', async () => {
    const secret = (await bot('helper')).secret;
    for (const [who, label] of [
      [undefined, 'a visitor'],
      [bob, 'another user'],
    ] as const) {
      const page = await get(t, '/bot/helper', who);
      assert.equal(page.status, 200, label);
      assert.match(page.text, /<h1>Helper /, label);
      assert.match(page.text, /<span class="bot-id">helper<\/span>/, label);
      assert.match(page.text, /Made by <a href="\/olga">Olga<\/a>/, label);
      assert.ok(!page.text.includes(secret), `${label} never sees the secret`);
      assert.ok(!page.text.includes(sha1('helper' + secret)), `${label} never sees the verifier`);
      assert.doesNotMatch(page.text, /Settings|Recent failures|Regenerate secret|Delete bot/, label);
    }
    const bobs = await get(t, '/bot/helper', bob);
    assert.match(bobs.text, /<select id="add-room" name="room" required>[\s\S]*value="garage"/);
    assert.match(bobs.text, /value="attic">Attic</, 'his private room too');
    assert.doesNotMatch(bobs.text, /value="lab"/, 'not a room he does not own');
    const anonymous = await get(t, '/bot/helper');
    assert.doesNotMatch(anonymous.text, /add-room/, 'a visitor adds nothing');

    const mine = await get(t, '/bot/helper', olga);
    assert.match(mine.text, /Settings/);
    assert.match(mine.text, /<details class="secret"\s*>/, 'the secret hidden behind a toggle');
    assert.match(mine.text, /Recent failures[\s\S]*None/);
    assert.match(mine.text, /Regenerate secret/);
    assert.match(mine.text, /Delete bot/);

    for (const path of ['/bot/nobody', '/bot/%3Cb%3E', '/bot/helper/extra']) {
      const missing = await get(t, path);
      assert.equal(missing.status, 404, path);
    }
    assert.match((await get(t, '/bot/nobody')).text, /There is no bot “nobody”/);
  });

  it('lets a room owner add a bot to a room of theirs and refuses anyone else’s room', async () => {
    const added = await post(t, '/bot/helper/rooms/add', olga, { room: 'lab' });
    assert.equal(added.status, 303, added.text);
    assert.equal(added.location, '/bot/helper?added=lab');
    const page = await get(t, added.location ?? '', olga);
    assert.match(page.text, /The bot is now in The Lab\./);
    assert.match(page.text, /<li data-room="lab">\s*<a href="\/room\/lab">The Lab<\/a>/);
    assert.deepEqual(
      (await t.server.chat.bots.inRoom('lab')).map((b) => b.id),
      ['helper'],
    );

    const refused = await post(t, '/bot/helper/rooms/add', bob, { room: 'lab' });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /<h1>Not allowed<\/h1>/);
    assert.match(refused.text, /Only the owner of &quot;lab&quot; may add bots to it/);
    const unknownRoom = await post(t, '/bot/helper/rooms/add', olga, { room: 'nowhere' });
    assert.equal(unknownRoom.status, 404);

    // Bob owns his rooms: he may put Olga's bot in them, and take it out again.
    const inGarage = await post(t, '/bot/helper/rooms/add', bob, { room: 'garage' });
    assert.equal(inGarage.status, 303);
    const bobs = await get(t, '/bot/helper', bob);
    assert.match(
      bobs.text,
      /<li data-room="garage">[\s\S]*?Remove<span class="visually-hidden"> from Garage/,
    );
    assert.doesNotMatch(bobs.text, /Remove<span class="visually-hidden"> from The Lab/, 'not Olga’s room');
    const olgas = await get(t, '/bot/helper', olga);
    assert.match(olgas.text, /from Garage/, 'the bot’s owner may take it out of any room');
    assert.match(olgas.text, /from The Lab/);

    const gone = await post(t, '/bot/helper/rooms/remove', bob, { room: 'garage' });
    assert.equal(gone.status, 303);
    assert.equal(gone.location, '/bot/helper?removed=garage');
    assert.deepEqual(await t.server.chat.bots.inRoom('garage'), []);
    const again = await post(t, '/bot/helper/rooms/remove', bob, { room: 'lab' });
    assert.equal(again.status, 403, 'not his room, not his bot');
  });

  it('regenerates the secret only when confirmed; the old verifier stops working', async () => {
    const before = (await bot('helper')).secret;
    assert.equal((await pushAs('helper', before, 'lab', 'before')).status, 'ok');
    const unconfirmed = await post(t, '/bot/helper/secret', olga);
    assert.equal(unconfirmed.status, 400);
    assert.match(unconfirmed.text, /Tick the box to confirm/);
    assert.equal((await bot('helper')).secret, before);
    const notHers = await post(t, '/bot/helper/secret', bob, { confirm: 'yes' });
    assert.equal(notHers.status, 403);

    const done = await post(t, '/bot/helper/secret', olga, { confirm: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/bot/helper?secret=1');
    const after = (await bot('helper')).secret;
    assert.notEqual(after, before);
    const page = await get(t, done.location ?? '', olga);
    assert.ok(page.text.includes(after));
    assert.match(page.text, /A new secret is ready/);
    const old = await pushAs('helper', before, 'lab', 'old');
    assert.equal(old.code, 'invalid_bot_verifier');
    assert.equal((await pushAs('helper', after, 'lab', 'new')).status, 'ok');
  });

  it('edits name, callback and switch; a bad icon changes nothing', async () => {
    const r = await postMultipart(t, '/bot/helper/edit', olga, {
      name: 'Helper Two',
      callback_url: 'http://127.0.0.1:9/hook',
      enabled: 'yes',
    });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.location, '/bot/helper?saved=1');
    let now = await bot('helper');
    assert.equal(now.name, 'Helper Two');
    assert.equal(now.callbackUrl, 'http://127.0.0.1:9/hook');
    assert.equal(now.enabled, true);
    assert.match((await get(t, '/bot/helper')).text, /class="status online">online</);

    const off = await postMultipart(t, '/bot/helper/edit', olga, { name: 'Helper Two', callback_url: '' });
    assert.equal(off.status, 303);
    now = await bot('helper');
    assert.equal(now.enabled, false, 'an unticked box switches it off');
    assert.equal(now.callbackUrl, null);

    const bad = await postMultipart(
      t,
      '/bot/helper/edit',
      olga,
      { name: 'Renamed', callback_url: '', enabled: 'yes' },
      Buffer.from('not a picture'),
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /The icon must be a PNG, JPEG, GIF or WebP image/);
    assert.equal(inputValue(bad.text, 'bot-name'), 'Renamed', 'what was typed is kept');
    assert.equal((await bot('helper')).name, 'Helper Two', 'nothing changed');

    const notHers = await postMultipart(t, '/bot/helper/edit', bob, { name: 'Mine now', callback_url: '' });
    assert.equal(notHers.status, 403);
    assert.equal((await bot('helper')).name, 'Helper Two');
    await postMultipart(t, '/bot/helper/edit', olga, { name: 'Helper', callback_url: '', enabled: 'yes' });
  });

  it('shows bot lines with their icon and a badge in the room, its archives and search', async () => {
    const { secret } = await bot('helper');
    const pushed = await pushAs('helper', secret, 'lab', 'beep boop from the lab');
    assert.equal(pushed.status, 'ok');
    const id = (pushed.message as Json).id as string;
    const room = await get(t, '/room/lab');
    const line = new RegExp(`<li\\s+class="message bot"\\s+id="message-${id}"[\\s\\S]*?</li>`).exec(
      room.text,
    )?.[0];
    assert.ok(line, 'the line is marked as a bot’s');
    assert.match(line, /src="\/images\/bot\/helper\/42x42.gif"/);
    assert.match(line, /<span class="nickname">Helper<\/span> <span class="bot-badge"[^>]*>bot<\/span>/);
    assert.match(room.text, /<ul aria-label="Bots">[\s\S]*href="\/bot\/helper">Helper<\/a>/);
    assert.ok(
      room.text.indexOf('aria-label="Chatters"') < room.text.indexOf('aria-label="Bots"'),
      'bots come after the members',
    );

    const permalink = await fetch(`${t.url}/room/lab/message/${id}`, { redirect: 'manual' });
    await permalink.text();
    const day = await get(t, (permalink.headers.get('location') ?? '').replace(/#.*/, ''));
    assert.equal(day.status, 200);
    assert.match(day.text, new RegExp(`id="message-${id}"[\\s\\S]*?class="bot-badge"`));
    const search = await get(t, '/search?q=boop');
    assert.match(search.text, /\/images\/bot\/helper\/42x42.gif[\s\S]*class="bot-badge"/);
  });

  it('lists a room’s bots on its members page; its owner adds and removes them there', async () => {
    const page = await get(t, '/room/lab/members', olga);
    assert.match(page.text, /<h2 id="bots-heading">1 bot<\/h2>/);
    assert.match(page.text, /<li data-bot="helper">[\s\S]*Remove<span class="visually-hidden"> Helper/);
    assert.match(page.text, /<label for="add-bot-id">Bot id<\/label>/);
    const visitor = await get(t, '/room/lab/members');
    assert.match(visitor.text, /<li data-bot="helper">/);
    assert.doesNotMatch(visitor.text, /remove-bot|add-bot/);

    const unknown = await post(t, '/room/lab/members/add-bot', olga, { bot: 'nobody' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /<p class="form-error" role="alert">No bot &quot;nobody&quot;/);
    assert.equal(inputValue(unknown.text, 'add-bot-id'), 'nobody');

    const removed = await post(t, '/room/lab/members/remove-bot', olga, { bot: 'helper' });
    assert.equal(removed.status, 303);
    assert.equal(removed.location, '/room/lab/members?bot_removed=helper');
    assert.deepEqual(await t.server.chat.bots.inRoom('lab'), []);
    const added = await post(t, '/room/lab/members/add-bot', olga, { bot: 'plain' });
    assert.equal(added.status, 303);
    assert.match((await get(t, added.location ?? '', olga)).text, /Plain \(plain\) is now in this room\./);
    assert.deepEqual(
      (await t.server.chat.bots.inRoom('lab')).map((b) => b.id),
      ['plain'],
    );
    const bobTries = await post(t, '/room/lab/members/add-bot', bob, { bot: 'helper' });
    assert.equal(bobTries.status, 403);
  });

  it('lists the recent failures of delivery to its owner alone', async () => {
    // Nothing listens on port 9 here: every delivery fails at once.
    const r = await register(olga, { id: 'pinger', name: 'Pinger', callback_url: 'http://127.0.0.1:9/hook' });
    assert.equal(r.status, 303, r.text);
    assert.equal((await post(t, '/bot/pinger/rooms/add', olga, { room: 'lab' })).status, 303);
    const { session } = await t.api('session/create', { user: 'olga', password: 'password1' });
    const said = await t.api('room/say', { session: session as string, room: 'lab', text: 'anyone?' });
    assert.equal(said.status, 'ok');
    const page = await eventually(async () => {
      const p = await get(t, '/bot/pinger', olga);
      assert.match(p.text, /<table class="failures">/);
      return p.text;
    });
    const [failure] = (await t.server.chat.bots.view('pinger', 'operator')).failures ?? [];
    assert.ok(failure);
    const row = /<tbody>\s*<tr>([\s\S]*?)<\/tr>/.exec(page)?.[1] ?? '';
    const at = new Date(failure.at).toISOString();
    assert.ok(row.includes(`<time datetime="${at}">${at.slice(0, 10)} ${at.slice(11, 19)} UTC</time>`));
    assert.match(row, /<a href="\/room\/lab">lab<\/a>/);
    assert.ok(row.includes(`<td>${failure.eventId}</td>`), 'the event id');
    assert.ok(row.includes(`<td class="reason">${failure.reason}</td>`), 'the reason');
    assert.match((await get(t, '/bot/pinger')).text, /class="status online">online</);
    assert.doesNotMatch((await get(t, '/bot/pinger', bob)).text, /failures/);
  });

  it('refuses posts without the page’s token or from another site', async () => {
    const noToken = await postForm(t.url, '/bot/helper/secret', { confirm: 'yes' }, olga.cookie);
    await noToken.text();
    assert.equal(noToken.status, 403);
    const foreign = await postForm(
      t.url,
      '/bot/helper/delete',
      { csrf: olga.csrf, confirm: 'yes' },
      olga.cookie,
      'https://evil.example',
    );
    await foreign.text();
    assert.equal(foreign.status, 403);
    const anonymous = await postForm(t.url, '/bots', { id: 'sneaky', name: 'Sneaky' });
    await anonymous.text();
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location') ?? '', /^\/signin/);
    assert.ok(await t.server.chat.bots.byId('helper'));
    assert.equal(await t.server.chat.bots.byId('sneaky'), undefined);
  });

  it('escapes a hostile bot name on every page that shows it', async () => {
    const r = await register(bob, { id: 'hostile', name: HOSTILE, callback_url: '' });
    assert.equal(r.status, 303, r.text);
    const { secret } = await bot('hostile');
    assert.equal((await post(t, '/bot/hostile/rooms/add', bob, { room: 'garage' })).status, 303);
    assert.equal((await pushAs('hostile', secret, 'garage', 'hi')).status, 'ok');
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x&gt;';
    for (const [path, who] of [
      ['/bot/hostile', bob],
      ['/bot/hostile', undefined],
      ['/bots', bob],
      ['/room/garage', bob],
      ['/room/garage/members', bob],
      ['/bob', undefined],
    ] as const) {
      const page = await get(t, path, who);
      assert.equal(page.status, 200, path);
      assertEscaped(page.text, path);
      assert.ok(page.text.includes(escaped), `${path} shows the name, escaped`);
    }
    const refused = await register(bob, { id: 'hostile', name: HOSTILE, callback_url: HOSTILE });
    assert.equal(refused.status, 400);
    assertEscaped(refused.text, 'the form shown again');
  });

  it('shows the owner’s page, where the bot page links', async () => {
    const profile = await get(t, '/olga');
    assert.equal(profile.status, 200);
    assert.match(profile.text, /<h1>Olga<\/h1>/);
    assert.match(profile.text, /href="\/room\/lab">The Lab</);
    assert.match(profile.text, /<li data-bot="helper">/);
    assert.doesNotMatch((await get(t, '/bob')).text, /Attic/, 'no private rooms');
    assert.equal((await get(t, '/nobody')).status, 404);
  });

  it('deletes a bot only when confirmed: it leaves its rooms, its lines stay', async () => {
    const notConfirmed = await post(t, '/bot/helper/delete', olga);
    assert.equal(notConfirmed.status, 400);
    assert.equal((await post(t, '/bot/helper/delete', bob, { confirm: 'yes' })).status, 403);
    assert.ok(await t.server.chat.bots.byId('helper'));

    const deleted = await post(t, '/bot/helper/delete', olga, { confirm: 'yes' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.location, '/bots?deleted=helper');
    assert.match((await get(t, deleted.location ?? '', olga)).text, /helper is deleted\./);
    assert.equal(await t.server.chat.bots.byId('helper'), undefined);
    assert.equal((await get(t, '/bot/helper')).status, 404);
    assert.equal((await fetch(`${t.url}/images/bot/helper/16x16.gif`)).status, 404);
    const room = await get(t, '/room/lab');
    assert.match(room.text, /beep boop from the lab/, 'its lines stay');
    assert.doesNotMatch(room.text, /data-bot="helper"/, 'it left the room');
  });
});
