import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { slotsOf, type Message } from '../src/client/format-message.js';
import { CATALOGS } from '../src/web/i18n/catalog.js';
import { en } from '../src/web/i18n/en.js';
import { startTestServer, type TestServer } from './support/server.js';
import { webUser, type Browser } from './support/web.js';

interface Got {
  status: number;
  location?: string;
  cookie?: string;
  text: string;
}

/** A page as a browser gets it: with its cookies and languages, not following redirects. */
async function get(
  t: TestServer,
  path: string,
  options: { cookie?: string; language?: string } = {},
): Promise<Got> {
  const res = await fetch(`${t.url}${path}`, {
    redirect: 'manual',
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.language ? { 'accept-language': options.language } : {}),
    },
  });
  return {
    status: res.status,
    location: res.headers.get('location') ?? undefined,
    cookie: res.headers.get('set-cookie') ?? undefined,
    text: await res.text(),
  };
}

/** A form posted from one of our pages, in a browser that asks for `language`. */
async function post(
  t: TestServer,
  path: string,
  fields: Record<string, string>,
  options: { cookie?: string; language?: string } = {},
): Promise<Got> {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: t.url,
      referer: `${t.url}/`,
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.language ? { 'accept-language': options.language } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
  return {
    status: res.status,
    location: res.headers.get('location') ?? undefined,
    cookie: res.headers.get('set-cookie') ?? undefined,
    text: await res.text(),
  };
}

const langOf = (page: string) => /<html lang="([^"]+)">/.exec(page)?.[1];

/**
 * English sentences of the catalog, cut at their values (what a page could show of them): fragments of a
 * few words that Japanese does not share. A Japanese page must hold none of them.
 */
const ENGLISH = [
  ...new Set(
    Object.entries(en)
      .flatMap(([, m]: [string, Message]) => (typeof m === 'string' ? [m] : Object.values(m)))
      .flatMap((text) => text.split(/\{\w+\}/))
      .map((s) => s.trim())
      .filter((s) => /[a-z]{2,} [a-z]{2,}/i.test(s) && s.length >= 8),
  ),
].filter((s) => !JSON.stringify(CATALOGS.ja).includes(s));

/** The English sentences a page holds, if any (its text, attributes and the scripts' messages alike). */
const englishIn = (page: string): string[] =>
  ENGLISH.filter((s) =>
    page.includes(s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')),
  );

describe('pages in the visitor’s language', () => {
  let t: TestServer;
  let alice: Browser;
  before(async () => {
    t = await startTestServer();
    alice = await webUser(t, 'alice');
    await t.admin.addRoom({
      id: 'nekobeya',
      name: 'ねこ部屋',
      blurb: '猫の写真を貼るルームです',
      owner: 'alice',
      tags: ['猫', '日本語'],
      timezone: 'Asia/Tokyo',
    });
    await t.admin.addRoom({ id: 'vim', name: 'Vim', tags: ['editor'] });
    const alice2 = await t.adminStore.users.byUsername('alice');
    await t.server.chat.bots.register({ userId: alice2?.id ?? 0 }, { id: 'nekobot', name: 'ねこボット' });
    const { session } = (await t.api('session/create', { user: 'alice', password: 'password1' })) as {
      session: string;
    };
    await t.api('room/say', { session, room: 'nekobeya', text: '今日は猫が膝の上で寝ています' });
  });
  after(() => t?.stop());

  it('gives English to a visitor who asks for no language, and Japanese for Accept-Language ja', async () => {
    const plain = await get(t, '/');
    assert.equal(langOf(plain.text), 'en');
    assert.match(plain.text, /<h1>Explore rooms<\/h1>/);
    const japanese = await get(t, '/', { language: 'ja-JP,ja;q=0.9,en;q=0.8' });
    assert.equal(langOf(japanese.text), 'ja');
    assert.match(japanese.text, /<h1>ルームを探す<\/h1>/);
    assert.match(japanese.text, /<h2 id="hot-heading">盛り上がっているルーム<\/h2>/);
    assert.deepEqual(englishIn(japanese.text), []);
    const rather = await get(t, '/', { language: 'en-US,en;q=0.9,ja;q=0.8' });
    assert.equal(langOf(rather.text), 'en', 'English first, Japanese second: English');
  });

  it('says every page in Japanese to a Japanese visitor, with no English sentence left', async () => {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(Date.now());
    const visitor = [
      '/',
      '/room/nekobeya',
      '/room/nekobeya/archives',
      `/room/nekobeya/archives/${day.replace(/-/g, '/')}`,
      '/room/nekobeya/archives?q=猫',
      '/room/nekobeya/members',
      `/tag/${encodeURIComponent('猫')}`,
      `/search?q=${encodeURIComponent('猫')}`,
      '/search',
      '/?q=ねこ',
      '/signin',
      '/signup',
      '/alice',
      '/bot/nekobot',
      '/room/nekobeya/badge',
      '/offline',
      '/nothing-here',
    ];
    for (const path of visitor) {
      const page = await get(t, encodeURI(path), { language: 'ja' });
      assert.equal(langOf(page.text), 'ja', path);
      assert.deepEqual(englishIn(page.text), [], `${path} has English`);
    }
    const owner = [
      '/',
      '/room/nekobeya',
      '/room/nekobeya/members',
      '/room/nekobeya/edit',
      '/rooms/new',
      '/settings',
      '/starred',
      '/bots',
      '/bot/nekobot',
    ];
    for (const path of owner) {
      const page = await get(t, path, { language: 'ja', cookie: alice.cookie });
      assert.equal(page.status, 200, path);
      assert.equal(langOf(page.text), 'ja', path);
      assert.deepEqual(englishIn(page.text), [], `${path} (its owner) has English`);
    }
    // The same pages in English hold the English sentences (the check above could fail).
    const english = await get(t, '/room/nekobeya/members', { cookie: alice.cookie });
    assert.ok(englishIn(english.text).includes('Invite someone'));
  });

  it('renders Japanese names, tags, lines and dates in a Japanese room', async () => {
    const room = await get(t, '/room/nekobeya', { language: 'ja' });
    assert.match(room.text, /<h1 id="room-title">ねこ部屋<\/h1>/);
    assert.match(room.text, /href="\/tag\/%E7%8C%AB">猫<\/a>/);
    assert.match(room.text, /今日は猫が膝の上で寝ています/);
    assert.match(room.text, /時刻は <span class="zone-name">Asia\/Tokyo<\/span> 時間です/);
    assert.match(
      room.text,
      /title="\d{4}年\d{1,2}月\d{1,2}日\([日月火水木金土]\)"\s*>今日<\/time/,
      'a divider',
    );
    assert.match(
      room.text,
      /><time datetime="[^"]+" title="[^"]+"\s*>\d{1,2}:\d{2}<\/time/,
      'a 24-hour clock',
    );
    const tag = await get(t, `/tag/${encodeURIComponent('日本語')}`, { language: 'ja' });
    assert.equal(tag.status, 200);
    assert.match(tag.text, /タグ「日本語」のルーム/);
    assert.match(tag.text, /href="\/room\/nekobeya">ねこ部屋<\/a>/);
  });

  it('finds a Japanese word of one or two characters inside a sentence, in archives, rooms and everywhere', async () => {
    const archives = await get(t, `/room/nekobeya/archives?q=${encodeURIComponent('膝')}`, {
      language: 'ja',
    });
    assert.match(archives.text, /「膝」に一致する発言 1 件/);
    assert.match(archives.text, /今日は猫が膝の上で寝ています/);
    const rooms = await get(t, `/?q=${encodeURIComponent('猫')}`, { language: 'ja' });
    assert.match(rooms.text, /href="\/room\/nekobeya">ねこ部屋<\/a>/, 'by its tag and its description');
    const lines = await get(t, `/search?q=${encodeURIComponent('寝て')}`, { language: 'ja' });
    assert.match(lines.text, /今日は猫が膝の上で<mark>寝て<\/mark>います/);
    assert.match(lines.text, /発言 1 件/);
  });

  it('lets the footer’s cookie win over Accept-Language, and sets it from a link that goes back', async () => {
    const page = await get(t, '/room/vim', { language: 'ja' });
    const link = /<a href="(\/settings\/language\?to=en&amp;next=[^"]+)" lang="en"/.exec(page.text)?.[1];
    assert.ok(link, 'the footer offers English');
    const switched = await get(t, link.replace(/&amp;/g, '&'), { language: 'ja' });
    assert.equal(switched.status, 303);
    assert.equal(switched.location, '/room/vim');
    assert.match(switched.cookie ?? '', /^lang=en; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const after = await get(t, '/room/vim', { language: 'ja', cookie: 'lang=en' });
    assert.equal(langOf(after.text), 'en');
    assert.equal(langOf((await get(t, '/room/vim', { cookie: 'lang=ja' })).text), 'ja');
    // Only our own pages are gone back to, and only languages Lingr speaks are set.
    const away = await get(t, '/settings/language?to=ja&next=//evil.example/', { language: 'ja' });
    assert.equal(away.location, '/');
    const unknown = await get(t, '/settings/language?to=xx&next=/room/vim');
    assert.equal(unknown.location, '/room/vim');
    assert.equal(unknown.cookie, undefined);
  });

  it('lets a signed-in user’s setting win over the cookie and Accept-Language, set on the profile or in the footer', async () => {
    const bob = await webUser(t, 'bob');
    const both = { language: 'en', cookie: `${bob.cookie}; lang=en` };
    assert.equal(langOf((await get(t, '/', both)).text), 'en');
    const saved = await post(t, '/settings', { csrf: bob.csrf, name: 'Bob', language: 'ja' }, both);
    assert.equal(saved.status, 303);
    assert.match(saved.cookie ?? '', /^lang=ja;/, 'the cookie follows the setting');
    assert.equal((await t.adminStore.users.byUsername('bob'))?.language, 'ja');
    const page = await get(t, '/', both);
    assert.equal(langOf(page.text), 'ja', 'the setting wins over both');
    const settings = await get(t, '/settings', both);
    assert.match(settings.text, /<option value="ja" lang="ja" selected>\s*日本語\s*<\/option>/);

    // The footer's form keeps the choice in the setting, and comes back to the page.
    assert.match(page.text, /<form class="languages" method="post" action="\/settings\/language"/);
    const footer = await post(
      t,
      '/settings/language',
      { csrf: bob.csrf, language: 'en', next: '/room/vim' },
      both,
    );
    assert.equal(footer.status, 303);
    assert.equal(footer.location, '/room/vim');
    assert.equal((await t.adminStore.users.byUsername('bob'))?.language, 'en');
    assert.equal(
      langOf((await get(t, '/', { language: 'ja', cookie: `${bob.cookie}; lang=ja` })).text),
      'en',
    );
    // Without the page's token the footer's form changes nothing.
    const forged = await post(t, '/settings/language', { language: 'ja', next: '/' }, both);
    assert.equal(forged.status, 403);
    assert.equal((await t.adminStore.users.byUsername('bob'))?.language, 'en');

    // Back to following the browser.
    const auto = await post(t, '/settings', { csrf: bob.csrf, name: 'Bob', language: '' }, both);
    assert.match(auto.cookie ?? '', /^lang=; .*Max-Age=0/);
    assert.equal((await t.adminStore.users.byUsername('bob'))?.language, null);
    assert.equal(langOf((await get(t, '/', { language: 'ja', cookie: bob.cookie })).text), 'ja');
  });

  it('says refusals in Japanese to a Japanese visitor, in English to others', async () => {
    const wrong = await post(t, '/signin', { username: 'alice', password: 'nope-nope' }, { language: 'ja' });
    assert.equal(wrong.status, 401);
    assert.match(
      wrong.text,
      /<p class="form-error" role="alert">ユーザー名またはパスワードが違います。<\/p>/,
    );
    const wrongEn = await post(t, '/signin', { username: 'alice', password: 'nope-nope' });
    assert.match(wrongEn.text, /The username or password is wrong\./);

    const bad = await post(
      t,
      '/signup',
      { username: 'api', name: 'A', password: 'password1' },
      { language: 'ja' },
    );
    assert.match(bad.text, /「api」は予約されているため使えません。/);
    const short = await post(
      t,
      '/signup',
      { username: 'kazu', name: 'K', password: 'short' },
      { language: 'ja' },
    );
    assert.match(short.text, /パスワードは 8〜1,024 文字にしてください。/);

    const form = { csrf: alice.csrf, id: 'inu', name: '犬', tags: 'bad/tag', visibility: 'public' };
    const tags = await post(t, '/rooms/new', form, { language: 'ja', cookie: alice.cookie });
    assert.equal(tags.status, 400);
    assert.match(tags.text, /タグ「bad\/tag」は、文字・数字と _.\+#- で 1〜40 文字にしてください。/);

    const expired = await post(
      t,
      '/room/vim/join',
      { csrf: 'stale' },
      { language: 'ja', cookie: alice.cookie },
    );
    assert.equal(expired.status, 403);
    assert.match(expired.text, /フォームの有効期限が切れました/);
    const missing = await get(t, '/room/nothere', { language: 'ja' });
    assert.equal(missing.status, 404);
    assert.match(missing.text, /<h1>見つかりません<\/h1>\s*<p>ルーム「nothere」はありません。<\/p>/);

    const guest = await post(t, '/room/vim/guest', { nickname: 'alice' }, { language: 'ja' });
    assert.match(guest.text, /「alice」は登録済みのユーザーの名前です/);
    assert.deepEqual(englishIn(guest.text), []);
  });

  it('lets a guest take a Japanese nickname, shown as typed', async () => {
    const entered = await post(t, '/room/nekobeya/guest', { nickname: 'たま' }, { language: 'ja' });
    assert.equal(entered.status, 303);
    const cookie = (entered.cookie ?? '').split(';')[0] ?? '';
    const room = await get(t, '/room/nekobeya', { cookie, language: 'ja' });
    assert.match(room.text, /value="たま"/);
    assert.match(room.text, /<a class="who" href="\/settings">たま<\/a>/);
    const members = await get(t, '/room/nekobeya/members', { language: 'ja' });
    assert.match(members.text, /<span class="name">たま<\/span>/);
  });

  it('gives the badge its address’s language, else its reader’s, and the live scripts their messages', async () => {
    const asked = await get(t, '/room/nekobeya/badge?lang=ja', { language: 'en' });
    assert.equal(langOf(asked.text), 'ja');
    assert.match(asked.text, /Lingr で会話に参加する →/);
    const reader = await get(t, '/room/nekobeya/badge', { language: 'ja' });
    assert.equal(langOf(reader.text), 'ja');
    assert.equal(langOf((await get(t, '/room/nekobeya/badge')).text), 'en');
    const messages = /<meta name="lingr-messages" content="([^"]+)"/.exec(reader.text)?.[1] ?? '';
    const parsed = JSON.parse(messages.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Record<
      string,
      Message
    >;
    assert.equal(parsed['badge.chatters'], 'オンライン {count} 人');

    const room = await get(t, '/room/nekobeya', { language: 'ja', cookie: alice.cookie });
    const live = /<meta name="lingr-messages" content="([^"]+)"/.exec(room.text)?.[1] ?? '';
    const client = JSON.parse(live.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Record<string, Message>;
    assert.equal(client['live.sending'], '送信中…');
    assert.ok(
      Object.keys(client).every((k) => k.startsWith('live.')),
      'only what the script says',
    );
    assert.deepEqual(slotsOf(String(client['live.renamed'])).sort(), ['name', 'previous']);
  });
});
