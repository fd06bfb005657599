import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { seedLine, startTestServer, type TestServer } from './support/server.js';

/** A permalink as the API contract builds it (spec 8): the day of the message's UTC timestamp. */
const utcPermalink = (room: string, createdAt: number, id: number) =>
  `/room/${room}/archives/${new Date(createdAt).toISOString().slice(0, 10).replace(/-/g, '/')}#message-${id}`;

describe('archive permalinks in Chromium', () => {
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

  it('lands a UTC-dated permalink on its line where the room’s local day is the next one', async () => {
    const evening = Date.UTC(2026, 2, 10, 20, 0, 0); // 05:00 on 03-11 in Tokyo
    await seedLine(t, 'tokyo', 'a morning line', Date.UTC(2026, 2, 10, 1, 0, 0)); // keeps 03-10 a day with lines
    const id = await seedLine(t, 'tokyo', 'said at 20:00 UTC', evening);
    const page = await browser.newPage();
    await page.goto(`${t.url}${utcPermalink('tokyo', evening, id)}`);
    await page.waitForURL(`${t.url}/room/tokyo/archives/2026/03/11#message-${id}`);
    const line = page.locator(`#message-${id}`);
    await line.waitFor();
    assert.equal(await line.locator('.text').innerText(), 'said at 20:00 UTC');
    assert.ok(await line.evaluate((el) => el.matches(':target')), 'the line is the page’s target');
    assert.ok(await line.isVisible());
    await page.close();
  });

  it('lands a permalink on the page of a busy day that holds its line', async () => {
    const start = Date.UTC(2026, 2, 12, 1, 0, 0); // 10:00 on 03-12 in Tokyo
    const ids: number[] = [];
    for (let i = 0; i < 1200; i++) ids.push(await seedLine(t, 'tokyo', `busy line ${i}`, start + i * 1000));
    const id = ids[1100] as number;
    const page = await browser.newPage();
    await page.goto(`${t.url}/room/tokyo/archives/2026/03/12#message-${id}`);
    await page.waitForURL(`${t.url}/room/tokyo/archives/2026/03/12?page=2#message-${id}`);
    const line = page.locator(`#message-${id}`);
    await line.waitFor();
    assert.equal(await line.locator('.text').innerText(), 'busy line 1100');
    assert.ok(await line.isVisible());
    assert.equal(await page.getByText('Lines 1,001–1,200 of 1,200').count(), 1);

    // A line on the page is not asked about; one in no archive ends on a page that says so.
    await page.goto(`${t.url}/room/tokyo/archives/2026/03/12#message-${ids[5]}`);
    await page.locator(`#message-${ids[5]}`).waitFor();
    assert.equal(new URL(page.url()).search, '');
    await page.goto(`${t.url}/room/tokyo/archives/2026/03/12#message-999999`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.close();
  });
});
