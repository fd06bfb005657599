import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

describe('the badge in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'tokyo', name: 'Tokyo', owner: 'alice', timezone: 'Asia/Tokyo' });
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('keeps the line breaks of a multi-line line in the badge, as loaded and as it arrives', async () => {
    const { session } = await signedIn(t, 'alice', ['tokyo']);
    await t.api('room/say', { session, room: 'tokyo', text: 'first row\nsecond row' });
    const page = await browser.newPage();
    await page.goto(`${t.url}/room/tokyo/badge`);
    const loaded = page.locator('.badge-lines .text', { hasText: 'first row' });
    assert.equal(await loaded.innerText(), 'first row\nsecond row');
    const before = await loaded.boundingBox();
    const oneRow = await page.locator('.badge-lines .nickname').first().boundingBox();
    assert.ok(before && oneRow && before.height > oneRow.height * 1.5, 'drawn on two rows');

    // The badge's stream is open once it has the page's counter; a new line comes through it.
    await page.waitForTimeout(300);
    await t.api('room/say', { session, room: 'tokyo', text: 'live one\nlive two' });
    const live = page.locator('.badge-lines .text', { hasText: 'live one' });
    await live.waitFor({ timeout: 5000 });
    assert.equal(await live.innerText(), 'live one\nlive two');
    await page.close();
  });

  it('speaks the language its address names, whatever its reader’s, in what it draws live too', async () => {
    await t.admin.addUser({ username: 'bunta', password: 'password1', name: 'ぶんた' });
    const { session } = await signedIn(t, 'bunta', ['tokyo']);
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${t.url}/room/tokyo/badge?lang=ja`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    await page.getByRole('link', { name: 'Lingr で会話に参加する →' }).waitFor();
    const chatters = page.locator('.badge-chatters');
    assert.equal(await chatters.innerText(), 'オンライン 0 人');

    await page.waitForTimeout(300);
    await t.api('room/subscribe', { session, room: 'tokyo' });
    void t.api('event/observe', { session, counter: 99_999_999 }).catch(() => undefined);
    // The badge's script counts the chatters again, in the page's words.
    await page.locator('.badge-chatters', { hasText: 'オンライン 1 人' }).waitFor({ timeout: 5000 });
    await t.api('room/say', { session, room: 'tokyo', text: '午後の会議は 15 時からです' });
    const line = page.locator('.badge-lines li', { hasText: '午後の会議' });
    await line.waitFor({ timeout: 5000 });
    assert.match(
      await line.locator('time').innerText(),
      /^\d{1,2}:\d{2}$/,
      'a 24-hour clock, as Japanese pages write it',
    );

    // Without a language in its address, it speaks its reader's.
    const reader = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
    await reader.goto(`${t.url}/room/tokyo/badge`);
    assert.equal(await reader.locator('html').getAttribute('lang'), 'ja');
    const english = await context.newPage();
    await english.goto(`${t.url}/room/tokyo/badge`);
    assert.equal(await english.locator('html').getAttribute('lang'), 'en');
    assert.match(await english.locator('.badge-chatters').innerText(), /^\d+ chatters?$/);
    await reader.context().close();
    await context.close();
  });
});
