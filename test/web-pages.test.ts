import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

const XSS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  '</title><script>alert(1)</script>',
  '<a href="javascript:alert(1)">x</a>',
];

async function get(t: TestServer, path: string) {
  const res = await fetch(`${t.url}${path}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** No markup from users survives: every `<` of theirs arrives as `&lt;`. */
function assertNoInjectedMarkup(text: string): void {
  assert.doesNotMatch(text, /<script>alert/);
  assert.doesNotMatch(text, /<img src=x/);
  assert.doesNotMatch(text, /<svg onload/);
  assert.doesNotMatch(text, /href="javascript:/);
}

describe('web pages', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({
      id: 'vim',
      name: 'Vim <b>users</b>',
      blurb: XSS.join(' '),
      owner: 'alice',
      tags: ['editor', 'vim'],
      timezone: 'Asia/Tokyo',
    });
    await t.admin.addRoom({ id: 'emacs', name: 'Emacs', tags: ['editor'] });
    await t.admin.addRoom({ id: 'hidden', name: 'Hidden', isPublic: false, tags: ['editor'] });
  });
  after(() => t.stop());

  it('serves the explore page with hot rooms, new rooms and a tag cloud, and a strict CSP', async () => {
    const { session } = await signedIn(t, 'alice', ['vim']);
    await t.api('room/say', { session, room: 'vim', text: 'busy' });
    const r = await get(t, '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(r.text, /Hot rooms[\s\S]*href="\/room\/vim"[\s\S]*1 line today/);
    assert.match(r.text, /New rooms[\s\S]*href="\/room\/emacs"/);
    assert.match(r.text, /href="\/tag\/editor">editor<\/a>\s*<span class="count">2<\/span>/);
    assert.doesNotMatch(r.text, /\/room\/hidden|>Hidden</, 'a private room never appears');
    assertNoInjectedMarkup(r.text);
  });

  it('searches rooms by name, description and tag', async () => {
    const byName = await get(t, '/?q=emac');
    assert.match(byName.text, /href="\/room\/emacs"/);
    assert.doesNotMatch(byName.text, /href="\/room\/vim"/);
    const byTag = await get(t, '/?q=editor');
    assert.match(byTag.text, /href="\/room\/vim"/);
    assert.match(byTag.text, /href="\/room\/emacs"/);
    const hostile = await get(t, `/?q=${encodeURIComponent(XSS[0] as string)}`);
    assert.equal(hostile.status, 200);
    assertNoInjectedMarkup(hostile.text);
    assert.match(hostile.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('lists the rooms of a tag', async () => {
    const r = await get(t, '/tag/editor');
    assert.equal(r.status, 200);
    assert.match(r.text, /href="\/room\/vim"/);
    assert.match(r.text, /href="\/room\/emacs"/);
    assert.equal((await get(t, '/tag/nothing_here')).status, 404);
  });

  it('shows a room: lines with permalink ids and local times, chatters, tags and related rooms', async () => {
    const { session } = await signedIn(t, 'alice', ['vim']);
    const said = await t.api('room/say', {
      session,
      room: 'vim',
      text: 'see https://example.com/a?b=1&c=2 and\nmore',
    });
    const id = (said.message as { id: string }).id;
    await t.api('room/subscribe', { session, room: 'vim' });
    await t.api('event/observe', { session, counter: 99_999_999 });
    const r = await get(t, '/room/vim');
    assert.equal(r.status, 200);
    assert.match(r.text, new RegExp(`<li\\s+class="message"\\s+id="message-${id}"`));
    assert.match(
      r.text,
      /<a href="https:\/\/example\.com\/a\?b=1&amp;c=2" rel="nofollow noopener noreferrer">/,
    );
    assert.match(r.text, /and\nmore/);
    // The clock time, with the full date in its title, and a divider naming the day.
    assert.match(
      r.text,
      /<time datetime="[^"]+" title="\w+day, \w+ \d{1,2}, \d{4}, \d{1,2}:\d{2}(am|pm) \([\w/]+\)">\d{1,2}:\d{2}(am|pm)<\/time>/,
    );
    // A line said today is divided off as "Today", with the full date in the divider's title.
    assert.match(
      r.text,
      /<li class="day-divider" role="separator">\s*<time datetime="\d{4}-\d{2}-\d{2}" title="\w+day, \w+ \d{1,2}, \d{4}"\s*>Today<\/time/,
    );
    assert.match(r.text, /Times are in <span class="zone-name">Asia\/Tokyo<\/span>/);
    assert.match(r.text, /<h2 id="chatters-heading">1 chatter<\/h2>/);
    assert.match(r.text, /aria-label="Chatters"[\s\S]*Alice/);
    assert.match(r.text, /Related rooms[\s\S]*href="\/room\/emacs"/);
    assert.match(r.text, /<h1 id="room-title">Vim &lt;b&gt;users&lt;\/b&gt;<\/h1>/);
    assertNoInjectedMarkup(r.text);
  });

  it('renders hostile messages and nicknames as text', async () => {
    const { session } = await signedIn(t, 'alice', ['vim']);
    for (const text of XSS)
      await t.api('room/say', { session, room: 'vim', text, nickname: text.slice(0, 40) });
    const r = await get(t, '/room/vim');
    assertNoInjectedMarkup(r.text);
    assert.match(r.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('answers private and unknown rooms with the same 404 page', async () => {
    for (const path of ['/room/hidden', '/room/nowhere', '/no/such/page']) {
      const r = await get(t, path);
      assert.equal(r.status, 404, path);
      assert.match(r.text, /Not found/);
    }
  });

  it('serves default icons and the stylesheet from our own origin', async () => {
    const icon = await get(t, '/images/user/alice/42x42.gif');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
    assert.match(icon.text, /^<svg /);
    assert.equal(
      icon.text,
      (await get(t, '/images/user/alice/42x42.gif')).text,
      'the same name gives the same icon',
    );
    const css = await get(t, '/static/lingr.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});

describe('the badge page', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addRoom({ id: 'open', name: 'Open' });
    await t.admin.addRoom({ id: 'closed', name: 'Closed', isPublic: false });
  });
  after(() => t.stop());

  it('may be framed by any site; every other page by none', async () => {
    const badge = await get(t, '/room/open/badge');
    assert.equal(badge.status, 200);
    assert.match(badge.headers.get('content-security-policy') ?? '', /frame-ancestors \*/);
    const room = await get(t, '/room/open');
    assert.match(room.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  it('does not exist for private rooms, nor does their public stream', async () => {
    assert.equal((await get(t, '/room/closed/badge')).status, 404);
    const stream = await get(t, '/api/room/stream?room=closed');
    assert.match(stream.text, /^event: error\ndata: \{"status":"error","code":"not_found"/m);
  });
});
