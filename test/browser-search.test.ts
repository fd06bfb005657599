import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

describe('searching in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let lineId = 0;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'vim', name: 'Vim Lovers', owner: 'alice' });
    const { session } = await signedIn(t, 'alice');
    await t.api('room/say', { session, room: 'vim', text: 'nothing to see' });
    const said = await t.api('room/say', { session, room: 'vim', text: 'the <b>lighthouse</b> keeper' });
    lineId = Number((said.message as { id: string }).id);
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('the header box finds a line, and its time leads to the line in the archives', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/`);
    const box = page.getByRole('searchbox', { name: 'Search rooms and lines' });
    await box.fill('LightHouse');
    await box.press('Enter');
    await page.waitForURL(/\/search\?q=LightHouse$/);
    await page.getByRole('heading', { name: '1 line in public rooms' }).waitFor();
    const found = page.getByRole('list', { name: 'Lines found' }).getByRole('listitem');
    assert.equal(await found.count(), 1);
    assert.equal(await found.locator('mark').innerText(), 'lighthouse');
    assert.equal(await found.locator('.text').innerText(), 'the <b>lighthouse</b> keeper');
    await found.locator('a.permalink').click();
    await page.waitForURL(new RegExp(`/room/vim/archives/\\d{4}/\\d{2}/\\d{2}#message-${lineId}$`));
    const target = page.locator(`#message-${lineId}`);
    assert.equal(await target.locator('.text').innerText(), 'the <b>lighthouse</b> keeper');
    assert.equal(await target.evaluate((el) => el.matches(':target')), true);
    await page.close();
  });
});
