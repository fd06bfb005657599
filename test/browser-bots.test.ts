import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

// The smallest valid PNG: one transparent pixel.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
  'hex',
);
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

describe('bots through the pages in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'vim', name: 'Vim', owner: 'alice' });
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('registers a bot, adds it to a room, and its pushed line arrives live with a badge', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('password1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/`);

    // From the header to the form.
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Bots' }).click();
    await page.waitForURL(`${t.url}/bots`);
    await page.getByLabel('Bot id').fill('robo');
    await page.getByLabel('Name', { exact: true }).fill('Robo');
    await page.getByLabel('Icon (optional)').setInputFiles({
      name: 'robo.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await page.getByRole('button', { name: 'Register bot' }).click();
    await page.waitForURL(`${t.url}/bot/robo?created=1`);
    await page.getByRole('status').getByText('Your bot is registered').waitFor();
    const secret = (await page.getByLabel('Secret', { exact: true }).innerText()).trim();
    assert.match(secret, /^[A-Za-z0-9]{27}$/, 'the secret is shown at once');
    assert.equal(
      (await page.getByLabel('Verifier', { exact: true }).innerText()).trim(),
      sha1(`robo${secret}`),
    );

    // The secret can be replaced, once the box is ticked.
    await page.getByLabel('The old secret stops working at once').check();
    await page.getByRole('button', { name: 'Regenerate secret' }).click();
    await page.getByRole('status').getByText('A new secret is ready').waitFor();
    const fresh = (await page.getByLabel('Secret', { exact: true }).innerText()).trim();
    assert.notEqual(fresh, secret);

    // Into the room.
    await page.getByLabel('Add to a room').selectOption('vim');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').getByText('The bot is now in Vim.').waitFor();
    await page.getByRole('list', { name: 'Rooms' }).getByRole('link', { name: 'Vim' }).click();
    await page.waitForURL(`${t.url}/room/vim`);
    await page.getByRole('status').getByText('Live').waitFor();
    const roster = page.getByRole('list', { name: 'Bots' });
    await roster.getByRole('link', { name: 'Robo' }).waitFor();

    // A push as the bot, with its verifier and no session, shows up live.
    const pushed = await fetch(
      `${t.url}/api/room/say?room=vim&bot=robo&bot_verifier=${sha1(`robo${fresh}`)}&text=hi`,
    );
    assert.equal(((await pushed.json()) as { status: string }).status, 'ok');
    const line = page.locator('.message', { hasText: 'hi' });
    await line.waitFor({ timeout: 5000 });
    assert.equal(await line.locator('.nickname').innerText(), 'Robo');
    assert.equal(await line.locator('.bot-badge').textContent(), 'bot');
    assert.ok(await line.locator('.bot-badge').isVisible());
    assert.equal(await line.getAttribute('data-type'), 'bot');
    assert.doesNotMatch((await line.getAttribute('class')) ?? '', /\bown\b/, 'not the viewer’s own line');
    const icon = line.locator('img.icon');
    assert.equal(await icon.getAttribute('src'), '/images/bot/robo/42x42.gif');
    // The icon loads: the uploaded picture, not a broken image.
    await page.waitForFunction(
      `document.querySelector('.message[data-type="bot"] img.icon')?.naturalWidth > 0`,
    );

    // The page the server renders shows the same line the same way.
    await page.reload();
    const again = page.locator('.message', { hasText: 'hi' });
    await again.locator('.bot-badge').waitFor();
    assert.equal(await again.locator('.nickname').innerText(), 'Robo');
  });
});
