import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

async function signIn(browser: Browser, t: TestServer, username: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${t.url}/signin`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${t.url}/`);
  return page;
}

describe('the live room in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    for (const [username, name] of [
      ['alice', 'Alice'],
      ['bob', 'Bob'],
    ])
      await t.admin.addUser({ username: username as string, password: 'password1', name });
    await t.admin.addRoom({ id: 'vim', name: 'Vim', owner: 'alice', tags: ['editor'] });
    await t.admin.join('vim', 'bob');
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('two signed-in users see each other’s lines live, and the chatters list follows them', async () => {
    const alice = await signIn(browser, t, 'alice');
    const bob = await signIn(browser, t, 'bob');
    await alice.goto(`${t.url}/room/vim`);
    await alice.getByRole('status').getByText('Live').waitFor();
    await bob.goto(`${t.url}/room/vim`);
    await bob.getByRole('status').getByText('Live').waitFor();
    await alice.getByRole('list', { name: 'Chatters' }).getByText('Bob').waitFor();

    await alice.getByRole('textbox', { name: 'Message' }).fill('hello from alice');
    await alice.getByRole('button', { name: 'Say it!' }).click();
    await bob.locator('.message .text', { hasText: 'hello from alice' }).waitFor({ timeout: 1000 });

    // Enter sends; Shift+Enter makes a new line.
    const box = bob.getByRole('textbox', { name: 'Message' });
    await box.fill('line one');
    await box.press('Shift+Enter');
    await box.type('line two');
    await box.press('Enter');
    const line = alice.locator('.message .text', { hasText: 'line one' });
    await line.waitFor({ timeout: 1000 });
    assert.equal(await line.innerText(), 'line one\nline two');
    assert.equal(
      await bob.locator('.message.own .text', { hasText: 'line one' }).count(),
      1,
      'own line marked once',
    );

    await bob.context().close();
    // Bob's stream closed; after the presence grace period he leaves the chatters list (not waited for here).
    assert.equal(
      await alice.locator('.message .text', { hasText: 'hello from alice' }).count(),
      1,
      'no line doubled',
    );
  });

  it('a guest enters with a nickname; the chatters list follows entering, renaming and leaving', async () => {
    const alice = await signIn(browser, t, 'alice');
    await alice.goto(`${t.url}/room/vim`);
    await alice.getByRole('status').getByText('Live').waitFor();
    const chatters = alice.getByRole('list', { name: 'Chatters' });

    const guest = await (await browser.newContext()).newPage();
    await guest.goto(`${t.url}/room/vim`);
    await guest.getByLabel('Nickname').fill('Guesty');
    await guest.getByRole('button', { name: 'Enter as a guest' }).click();
    await guest.getByRole('status').getByText('Live').waitFor();
    await chatters.getByText('Guesty').waitFor({ timeout: 5000 });

    await guest.getByRole('textbox', { name: 'Message' }).fill('hi from a guest');
    await guest.getByRole('button', { name: 'Say it!' }).click();
    await alice
      .locator('.message', { hasText: 'hi from a guest' })
      .locator('.nickname', { hasText: 'Guesty' })
      .waitFor();

    await guest.getByLabel('Your name here').fill('Guest Star');
    await guest.getByRole('button', { name: 'Change' }).click();
    await chatters.getByText('Guest Star').waitFor({ timeout: 5000 });
    await alice.locator('.system', { hasText: 'Guesty is now known as Guest Star' }).waitFor();

    await guest.getByRole('button', { name: 'Sign out' }).click();
    await alice.locator('.system', { hasText: 'Guest Star left the room' }).waitFor({ timeout: 5000 });
    await chatters.getByText('Guest Star').waitFor({ state: 'detached', timeout: 5000 });
  });

  it('renders hostile text as text and runs nothing', async () => {
    const alice = await signIn(browser, t, 'alice');
    let dialogs = 0;
    alice.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await alice.goto(`${t.url}/room/vim`);
    await alice.getByRole('status').getByText('Live').waitFor();
    const payload = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    await alice.getByRole('textbox', { name: 'Message' }).fill(payload);
    await alice.getByRole('button', { name: 'Say it!' }).click();
    await alice.locator('.message .text', { hasText: '<img src=x' }).first().waitFor();
    await alice.reload();
    await alice.locator('.message .text', { hasText: '<img src=x' }).first().waitFor();
    assert.equal(await alice.locator('.message img[src="x"]').count(), 0);
    assert.equal(dialogs, 0);
  });

  it('lists the signed-in user’s rooms and refuses a private room to an outsider', async () => {
    await t.admin.addRoom({ id: 'backstage', name: 'Backstage', owner: 'alice', isPublic: false });
    const alice = await signIn(browser, t, 'alice');
    const mine = alice.getByRole('region', { name: 'Your rooms' });
    await mine.getByRole('link', { name: 'Backstage' }).waitFor();
    await mine.getByRole('link', { name: 'Vim' }).waitFor();
    const bob = await signIn(browser, t, 'bob');
    assert.equal(await bob.getByRole('link', { name: 'Backstage' }).count(), 0);
    const refused = await bob.goto(`${t.url}/room/backstage`);
    assert.equal(refused?.status(), 404);
    assert.equal(await bob.getByText('Not found').count(), 1);
    const archives = await bob.goto(`${t.url}/room/backstage/archives`);
    assert.equal(archives?.status(), 404);
  });

  it('shows hostile room names, descriptions and nicknames as text', async () => {
    const hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script>';
    await t.admin.addRoom({
      id: 'xss',
      name: hostile.slice(0, 90),
      blurb: `${hostile} see javascript:alert(3)`,
      tags: ['xss'],
    });
    const guest = await (await browser.newContext()).newPage();
    let dialogs = 0;
    guest.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await guest.goto(`${t.url}/room/xss`);
    await guest.getByLabel('Nickname').fill(hostile.slice(0, 50));
    await guest.getByRole('button', { name: 'Enter as a guest' }).click();
    await guest.getByRole('status').getByText('Live').waitFor();
    await guest.getByRole('textbox', { name: 'Message' }).fill(hostile);
    await guest.getByRole('button', { name: 'Say it!' }).click();
    await guest.locator('.message .nickname', { hasText: '<img src=x' }).first().waitFor();
    for (const path of ['/room/xss', '/', '/tag/xss', '/room/xss/archives', '/room/xss/badge']) {
      await guest.goto(`${t.url}${path}`);
      assert.equal(await guest.locator('img[src="x"]').count(), 0, path);
      assert.equal(await guest.locator('script:not([src])').count(), 0, path);
    }
    assert.equal(await guest.locator('a[href^="javascript:"]').count(), 0);
    assert.equal(dialogs, 0);
  });

  it('survives a server restart: reconnects by itself and loses no line, doubles none', async () => {
    const alice = await signIn(browser, t, 'alice');
    await alice.goto(`${t.url}/room/vim`);
    await alice.getByRole('status').getByText('Live').waitFor();
    await t.restart();
    // Lines said after the restart, before the page has reconnected, come from its counter.
    const { session } = await t.api('session/create', { user: 'bob', password: 'password1' });
    for (const text of ['after restart 1', 'after restart 2', 'after restart 3'])
      await t.api('room/say', { session: session as string, room: 'vim', text });
    const lines = alice.locator('.message .text', { hasText: 'after restart' });
    await lines.nth(2).waitFor({ timeout: 20_000 });
    assert.deepEqual(await lines.allInnerTexts(), ['after restart 1', 'after restart 2', 'after restart 3']);
    await alice.getByRole('status').getByText('Live').waitFor();
    await t.api('room/say', { session: session as string, room: 'vim', text: 'after restart 4' });
    await lines.nth(3).waitFor({ timeout: 5000 });
    assert.equal(await lines.count(), 4);
  });

  it('loads older lines as the reader scrolls up', async () => {
    const { session } = await t.api('session/create', { user: 'bob', password: 'password1' });
    for (let i = 0; i < 70; i++)
      await t.api('room/say', { session: session as string, room: 'vim', text: `backlog ${i}` });
    const alice = await signIn(browser, t, 'alice');
    await alice.goto(`${t.url}/room/vim`);
    await alice.getByRole('status').getByText('Live').waitFor();
    const first = alice.locator('.message .text', { hasText: /^backlog 0$/ });
    assert.equal(await first.count(), 0, 'the page starts with the latest lines only');
    await alice.locator('.messages').evaluate((el) => el.scrollTo(0, 0));
    await first.waitFor({ timeout: 5000 });
  });

  it('opens an archive permalink at its line', async () => {
    const { session } = await t.api('session/create', { user: 'bob', password: 'password1' });
    const said = await t.api('room/say', {
      session: session as string,
      room: 'vim',
      text: 'remember this line',
    });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.url}/room/vim`);
    const href = await page
      .locator('.message', { hasText: 'remember this line' })
      .locator('a.permalink')
      .getAttribute('href');
    assert.match(
      href ?? '',
      new RegExp(`^/room/vim/archives/\\d{4}/\\d{2}/\\d{2}#message-${(said.message as { id: string }).id}$`),
    );
    await page.goto(`${t.url}${href}`);
    const target = page.locator(':target');
    assert.match((await target.innerText()) ?? '', /remember this line/);
  });
});

describe('the badge on a blog of another origin', () => {
  let t: TestServer;
  let browser: Browser;
  let blog: Server;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'vim', name: 'Vim <Users>', owner: 'alice' });
  });
  after(async () => {
    blog?.close();
    await browser?.close();
    await t?.stop();
  });

  it('shows the room name, latest lines and chatters, and a new line live', async () => {
    const { session } = await t.api('session/create', { user: 'alice', password: 'password1' });
    await t.api('room/say', { session: session as string, room: 'vim', text: 'before the visit' });
    // The snippet, exactly as the room page offers it to be copied.
    const roomPage = await (await fetch(`${t.url}/room/vim`)).text();
    const snippet = (
      /<textarea id="badge-snippet"[^>]*>([^<]*)<\/textarea>/.exec(roomPage)?.[1] ?? ''
    ).trim();
    const decoded = snippet
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    assert.match(decoded, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/room\/vim\/badge"/);
    blog = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>My blog</title><h1>My blog</h1>${decoded}`);
    });
    await new Promise<void>((resolve) => blog.listen(0, '127.0.0.1', resolve));
    // localhost is another origin than 127.0.0.1 for the browser.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://localhost:${(blog.address() as { port: number }).port}/`);
    const badge = page.frameLocator('iframe');
    await badge.getByText('Vim <Users>').waitFor();
    await badge.getByText('before the visit').waitFor();
    await t.api('room/say', { session: session as string, room: 'vim', text: 'hello, blog readers' });
    await badge.getByText('hello, blog readers').waitFor({ timeout: 5000 });
    assert.match(await badge.locator('.badge-chatters').innerText(), /\d+ chatters?/);
  });
});
