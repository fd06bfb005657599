import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

/** What a visit finds in one language: the words it clicks by, and what the pages and live client say. */
interface Visit {
  locale: string;
  lang: string;
  explore: string;
  signUp: string;
  signUpButton: string;
  username: string;
  displayName: string;
  password: string;
  newRoom: string;
  roomId: string;
  roomName: string;
  tags: string;
  timezone: string;
  createRoom: string;
  message: string;
  sayIt: string;
  live: string;
  chatters: RegExp;
  today: string;
  clock: RegExp;
  permalink: RegExp;
  star: string;
  joined: (name: string) => string;
  online: (name: string) => string;
  archives: string;
  archivesHeading: (room: string) => string;
  archiveSearch: string;
  archiveFound: (query: string) => string;
  siteSearch: string;
  searchButton: string;
  linesFound: RegExp;
  line: string;
  short: string;
  within: string;
}

const VISITS: Visit[] = [
  {
    locale: 'en-US',
    lang: 'en',
    explore: 'Explore rooms',
    signUp: 'Sign up',
    signUpButton: 'Sign up',
    username: 'Username',
    displayName: 'Display name',
    password: 'Password',
    newRoom: 'New room',
    roomId: 'Room id',
    roomName: 'Name',
    tags: 'Tags',
    timezone: 'Timezone',
    createRoom: 'Create room',
    message: 'Message',
    sayIt: 'Say it!',
    live: 'Live',
    chatters: /^\d+ chatters?$/,
    today: 'Today',
    clock: /^\d{1,2}:\d{2}(am|pm)$/,
    permalink: /^Permalink: \w+day, \w+ \d{1,2}, \d{4}, \d{1,2}:\d{2}(am|pm) \(Asia\/Tokyo\)$/,
    star: 'Star this line',
    joined: (name) => `${name} joined the room`,
    online: (name) => `${name} is now online`,
    archives: 'Archives',
    archivesHeading: (room) => `Archives of ${room}`,
    archiveSearch: 'Search these archives',
    archiveFound: (query) => `1 line matching “${query}”`,
    siteSearch: 'Search rooms and lines',
    searchButton: 'Search',
    linesFound: /^1 line in public rooms and your rooms$/,
    line: 'The lighthouse keeper waves at the ferry',
    short: 'at',
    within: 'ghthou',
  },
  {
    locale: 'ja-JP',
    lang: 'ja',
    explore: 'ルームを探す',
    signUp: 'アカウント登録',
    signUpButton: 'アカウント登録',
    username: 'ユーザー名',
    displayName: '表示名',
    password: 'パスワード',
    newRoom: 'ルームを作る',
    roomId: 'ルーム ID',
    roomName: '名前',
    tags: 'タグ',
    timezone: 'タイムゾーン',
    createRoom: 'ルームを作成',
    message: 'メッセージ',
    sayIt: '送信',
    live: 'ライブ',
    chatters: /^オンライン（\d+）$/,
    today: '今日',
    clock: /^\d{1,2}:\d{2}$/,
    permalink: /^固定リンク：\d{4}年\d{1,2}月\d{1,2}日\([日月火水木金土]\) \d{1,2}:\d{2}（Asia\/Tokyo）$/,
    star: 'この発言にスターを付ける',
    joined: (name) => `${name} さんがルームに参加しました`,
    online: (name) => `${name} さんがオンラインになりました`,
    archives: '過去ログ',
    archivesHeading: (room) => `${room} の過去ログ`,
    archiveSearch: 'この過去ログを検索',
    archiveFound: (query) => `「${query}」に一致する発言 1 件`,
    siteSearch: 'ルームと発言を検索',
    searchButton: '検索',
    linesFound: /^発言 1 件（公開ルームと参加中のルーム）$/,
    line: '灯台守がフェリーに手を振っています',
    short: '灯台',
    within: 'フェリー',
  },
];

describe('one whole visit in each language, in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  for (const v of VISITS)
    it(`${v.lang}: explore, sign up, create a room, say a line, read the archives, search`, async () => {
      const context = await browser.newContext({ locale: v.locale, timezoneId: 'Asia/Tokyo' });
      const page: Page = await context.newPage();
      const user = `visitor_${v.lang}`;
      const room = `room_${v.lang}`;
      const roomName = v.lang === 'ja' ? '灯台の部屋' : 'The Lighthouse';
      // Someone else, new to this visit: their coming online is news here.
      const other = `kai_${v.lang}`;
      const otherName = v.lang === 'ja' ? 'カイ' : 'Kai';
      await t.admin.addUser({ username: other, password: 'password1', name: otherName });

      await page.goto(`${t.url}/`);
      assert.equal(await page.locator('html').getAttribute('lang'), v.lang);
      await page.getByRole('heading', { name: v.explore }).waitFor();

      await page.getByRole('navigation').getByRole('link', { name: v.signUp }).click();
      await page.getByLabel(v.username).fill(user);
      await page.getByLabel(v.displayName).fill(v.lang === 'ja' ? '灯台守' : 'Keeper');
      await page.getByLabel(v.password).fill('password1');
      await page.getByRole('button', { name: v.signUpButton }).click();
      await page.waitForURL(`${t.url}/`);

      await page.getByRole('link', { name: v.newRoom }).click();
      await page.getByLabel(v.roomId).fill(room);
      await page.getByLabel(v.roomName, { exact: true }).fill(roomName);
      await page.getByLabel(v.tags).fill(v.lang === 'ja' ? '灯台 日本語' : 'lighthouse');
      await page.getByLabel(v.timezone).selectOption('Asia/Tokyo');
      await page.getByRole('button', { name: v.createRoom }).click();
      await page.waitForURL(`${t.url}/room/${room}`);
      await page.getByRole('status').getByText(v.live, { exact: true }).waitFor();
      assert.match(await page.locator('#chatters-heading').innerText(), v.chatters);

      // A line said here, then one from someone else arriving live: both drawn by the live client.
      await page.getByRole('textbox', { name: v.message }).fill(v.line);
      await page.getByRole('button', { name: v.sayIt }).click();
      const mine = page.locator('.message.own', { hasText: v.line });
      await mine.locator('.star').waitFor();
      assert.match(await mine.locator('time').innerText(), v.clock);
      assert.match((await mine.locator('a.permalink').getAttribute('aria-label')) ?? '', v.permalink);
      assert.equal(await mine.locator('.star').getAttribute('aria-label'), v.star);
      assert.equal(await page.locator('.day-divider time').first().innerText(), v.today);

      await t.admin.join(room, other);
      await page.locator('.system', { hasText: v.joined(otherName) }).waitFor();
      const { session } = await t.api('session/create', { user: other, password: 'password1' });
      await t.api('room/subscribe', { session: session as string, room });
      void t.api('event/observe', { session: session as string, counter: 99_999_999 }).catch(() => undefined);
      await page.locator('.system', { hasText: v.online(otherName) }).waitFor();
      await t.api('room/say', {
        session: session as string,
        room,
        text: v.lang === 'ja' ? 'こんばんは' : 'evening',
      });
      const theirs = page.locator('.message:not(.own)').last();
      await theirs.locator('.star').waitFor();
      assert.match(await theirs.locator('time').innerText(), v.clock);
      assert.equal(await theirs.locator('.star').getAttribute('aria-label'), v.star);

      await page.getByRole('link', { name: v.archives, exact: true }).click();
      await page.getByRole('heading', { name: v.archivesHeading(roomName) }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), v.lang);
      await page.getByLabel(v.archiveSearch).fill(v.short);
      await page.getByRole('button', { name: v.searchButton }).last().click();
      await page.getByRole('heading', { name: v.archiveFound(v.short) }).waitFor();
      assert.match(await page.locator('.messages.results .text').innerText(), new RegExp(v.line));

      await page.getByRole('searchbox', { name: v.siteSearch }).fill(v.within);
      await page.getByRole('searchbox', { name: v.siteSearch }).press('Enter');
      const heading = page.locator('#found-lines');
      await heading.waitFor();
      assert.match((await heading.innerText()).replace(/\s+/g, ' ').trim(), v.linesFound);
      assert.equal(await page.locator('.found-line mark').first().innerText(), v.within);
      await context.close();
    });

  it('switches language from the footer, without JavaScript, and stays switched', async () => {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${t.url}/search`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByRole('contentinfo').getByRole('link', { name: '日本語' }).click();
    await page.waitForURL(`${t.url}/search`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    await page.getByRole('heading', { name: '検索', exact: true }).waitFor();
    await page.goto(`${t.url}/`);
    await page.getByRole('heading', { name: 'ルームを探す' }).waitFor();
    await page.getByRole('contentinfo').getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Explore rooms' }).waitFor();
    await context.close();
  });
});
