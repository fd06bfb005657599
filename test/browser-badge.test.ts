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
});
