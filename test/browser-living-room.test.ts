import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { eventually, startTestServer, type TestServer } from './support/server.js';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SIZES = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

async function signIn(
  browser: Browser,
  t: TestServer,
  username: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  await page.goto(`${t.url}/signin`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${t.url}/`);
  return page;
}

async function openRoom(page: Page, t: TestServer, room: string): Promise<void> {
  await page.goto(`${t.url}/room/${room}`);
  await page.locator('.connection[data-state="live"]').waitFor();
}

async function say(t: TestServer, username: string, room: string, text: string) {
  const { session } = await t.api('session/create', { user: username, password: 'password1' });
  const reply = await t.api('room/say', { session: session as string, room, text });
  assert.equal(reply.status, 'ok', JSON.stringify(reply));
  return (reply.message as { id: string }).id;
}

const scrollState = (page: Page) =>
  page.locator('.messages').evaluate((el) => ({
    top: el.scrollTop,
    fromEnd: el.scrollHeight - el.scrollTop - el.clientHeight,
  }));

/** A solid 2×2 PNG, so an inline image has something real to load. */
function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header[8] = 8;
  header[9] = 2;
  const rows = Buffer.from([0, 200, 50, 50, 200, 50, 50, 0, 200, 50, 50, 200, 50, 50]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The minimum of the DOM this file's page functions touch (tests compile without the DOM library). */
interface Window {
  document: { activeElement: unknown };
  getComputedStyle(el: unknown): { color: string; backgroundColor: string };
}

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [luminance(a), luminance(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

for (const [size, screen] of SIZES)
  describe(`a room people live in, in Chromium (${size})`, () => {
    let t: TestServer;
    let browser: Browser;
    const enter = (username: string, options: BrowserContextOptions = {}) =>
      signIn(browser, t, username, { viewport: screen, ...options });
    before(async () => {
      t = await startTestServer({ sayPerMinute: '3', presenceGrace: '600', observeHold: '5' });
      browser = await launchChromium();
      for (const [username, name] of [
        ['alice', 'Alice'],
        ['bob', 'Bob'],
      ])
        await t.admin.addUser({ username: username as string, password: 'password1', name });
      await t.admin.addRoom({
        id: 'vim',
        name: 'Vim',
        owner: 'alice',
        tags: ['editor'],
        timezone: 'Asia/Tokyo',
      });
      await t.admin.addRoom({ id: 'emacs', name: 'Emacs', owner: 'bob', tags: ['editor'] });
      await t.admin.addRoom({ id: 'history', name: 'History', owner: 'bob', timezone: 'Asia/Tokyo' });
      await t.admin.join('vim', 'bob');
      await t.admin.join('emacs', 'alice');
      // Older lines, said by the store directly on other days.
      const bob = await t.adminStore.users.byUsername('bob');
      assert.ok(bob);
      const day = 24 * 60 * 60 * 1000;
      for (const [text, ago] of [
        ['three days ago', 3 * day],
        ['yesterday', day],
      ] as const) {
        const createdAt = Date.now() - ago;
        await t.adminStore.messages.append({
          roomId: 'history',
          type: 'user',
          speakerId: 'bob',
          publicSessionId: 'old',
          nickname: 'Bob',
          text,
          localId: null,
          createdAt,
        });
      }
    });
    after(async () => {
      await browser?.close();
      await t?.stop();
    });

    it(`keeps the message box on screen and the page still, the conversation scrolling above it (${size})`, async () => {
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      const box = await alice.getByRole('textbox', { name: 'Message' }).boundingBox();
      assert.ok(box, 'the box is laid out');
      assert.ok(box.y >= 0 && box.y + box.height <= screen.height, `box at ${box.y} in ${screen.height}`);
      const scrollable = await alice.evaluate<number>(
        'document.documentElement.scrollHeight - window.innerHeight',
      );
      assert.ok(scrollable <= 1, `the page itself scrolls by ${scrollable}px`);
      await alice.context().close();
    });

    it(`keeps the reading position when a line arrives, with a marker that takes the reader down (${size})`, async () => {
      for (let i = 0; i < 30; i++) await say(t, 'bob', 'vim', `filler ${size} ${i}`);
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      assert.ok((await scrollState(alice)).fromEnd < 40, 'opens at the latest line');
      // At the end, a new line is followed.
      await say(t, 'bob', 'vim', `followed ${size}`);
      await alice.locator('.message .text', { hasText: `followed ${size}` }).waitFor();
      await eventually(async () => assert.ok((await scrollState(alice)).fromEnd < 40));
      // Scrolled up to read, a new line leaves the view where it was.
      await alice.locator('.messages').evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
      await alice.waitForTimeout(300);
      const reading = await scrollState(alice);
      const windowY = await alice.evaluate<number>('window.scrollY');
      await say(t, 'bob', 'vim', `while reading ${size}`);
      await alice.locator('.message .text', { hasText: `while reading ${size}` }).waitFor();
      const marker = alice.getByRole('button', { name: /1 new message/ });
      await marker.waitFor();
      const after = await scrollState(alice);
      assert.ok(Math.abs(after.top - reading.top) <= 2, `moved from ${reading.top} to ${after.top}`);
      assert.equal(await alice.evaluate<number>('window.scrollY'), windowY, 'the page did not jump');
      assert.match(await alice.title(), /^\(1\) Vim/);
      await marker.click();
      await eventually(async () => assert.ok((await scrollState(alice)).fromEnd < 40));
      await marker.waitFor({ state: 'hidden' });
      assert.match(await alice.title(), /^Vim/);
      await alice.context().close();
    });

    if (size === 'phone')
      it('on a phone, opens the room info panel (chatters, your rooms, links) and closes it again', async () => {
        const alice = await enter('alice');
        await openRoom(alice, t, 'vim');
        const chatters = alice.getByRole('list', { name: 'Chatters' });
        assert.equal(await chatters.isVisible(), false, 'the conversation has the screen');
        await alice.getByRole('link', { name: 'Room info' }).click();
        await chatters.waitFor();
        assert.equal(await alice.getByRole('region', { name: 'Your rooms' }).isVisible(), true);
        await alice.screenshot({ path: '/tmp/room-info-phone.png' });
        await alice.getByRole('link', { name: 'Close room info' }).click();
        await chatters.waitFor({ state: 'hidden' });
        assert.equal(await alice.getByRole('textbox', { name: 'Message' }).isVisible(), true);
        await alice.context().close();
      });

    it('after a long break returns to WebSocket, and says "Live" only once it is', async () => {
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      const status = alice.locator('.connection');
      assert.equal(await status.getAttribute('data-transport'), 'websocket');
      const restarted = t.restart(6000);
      await eventually(async () => assert.equal(await status.getAttribute('data-state'), 'connecting'), 3000);
      // While the server is away the page never claims to be live.
      for (let i = 0; i < 10; i++) {
        assert.notEqual(await status.getAttribute('data-state'), 'live');
        await alice.waitForTimeout(400);
      }
      await restarted;
      await eventually(async () => {
        assert.equal(await status.getAttribute('data-state'), 'live');
        assert.equal(await status.getAttribute('data-transport'), 'websocket');
      }, 30_000);
      await say(t, 'bob', 'vim', 'after the long break');
      await alice.locator('.message .text', { hasText: 'after the long break' }).waitFor({ timeout: 5000 });
      await alice.context().close();
    });

    it('keeps every line typed when sends fail, says why in words, and sends them on retry', async () => {
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      const box = alice.getByRole('textbox', { name: 'Message' });
      const lines = ['one of five', 'two of five', 'three of five', 'four of five', 'five of five'];
      for (const line of lines) {
        await box.fill(line);
        await box.press('Enter');
      }
      for (const line of lines) await alice.locator('.messages li', { hasText: line }).waitFor();
      const failed = alice.locator('.message.failed');
      await eventually(async () => assert.ok((await failed.count()) >= 2, 'some lines were refused'));
      assert.match(await failed.first().innerText(), /sending lines faster than the room allows/);
      assert.equal(await alice.getByText('Failed to fetch').count(), 0);
      assert.equal(await box.inputValue(), '', 'the box is free for the next line');
      // The limit lifts (a restart clears it); every kept line goes on retry, none twice.
      await t.restart();
      await alice.locator('.connection[data-state="live"]').waitFor({ timeout: 20_000 });
      const retry = alice.getByRole('button', { name: 'Retry' });
      for (let i = 0; i < 10 && (await retry.count()) > 0; i++) {
        await retry.first().click();
        await alice.waitForTimeout(300);
      }
      for (const line of lines)
        await alice.locator('.message:not(.pending) .text', { hasText: line }).waitFor({ timeout: 5000 });
      assert.equal(await alice.locator('.message.pending').count(), 0);
      const { session } = await t.api('session/create', { user: 'bob', password: 'password1' });
      const archived = await t.api('room/get_archives', {
        session: session as string,
        room: 'vim',
        limit: 20,
      });
      const texts = (archived.messages as Array<{ text: string }>).map((m) => m.text);
      for (const line of lines) assert.equal(texts.filter((x) => x === line).length, 1, line);

      // Out of reach: said in words, and sent by itself once the server answers again.
      const restarted = t.restart(2500);
      await eventually(async () =>
        assert.notEqual(await alice.locator('.connection').getAttribute('data-state'), 'live'),
      );
      await box.fill('said while away');
      await box.press('Enter');
      await alice.locator('.message.failed', { hasText: 'could not be reached' }).waitFor();
      await restarted;
      await alice
        .locator('.message:not(.pending) .text', { hasText: 'said while away' })
        .waitFor({ timeout: 20_000 });
      await alice.context().close();
    });

    it('takes a closed tab out of the chatters list within seconds', async () => {
      const alice = await enter('alice');
      const bob = await enter('bob');
      await openRoom(alice, t, 'vim');
      await openRoom(bob, t, 'vim');
      // On a phone the chatters list is in the room info panel.
      if (size === 'phone') await alice.getByRole('link', { name: 'Room info' }).click();
      const chatters = alice.getByRole('list', { name: 'Chatters' });
      await chatters.getByText('Bob').waitFor();
      await bob.close({ runBeforeUnload: true });
      // The grace period here is 10 minutes: only the page saying it closed can explain this.
      await chatters.getByText('Bob').waitFor({ state: 'detached', timeout: 12_000 });
      await alice.context().close();
      await bob.context().close();
    });

    it('divides days, dates every time, and shows times in the reader’s own zone on request', async () => {
      const alice = await enter('alice', { timezoneId: 'Europe/Paris' });
      await openRoom(alice, t, 'history');
      const dividers = alice.locator('.day-divider time');
      await eventually(async () => assert.ok((await dividers.count()) >= 2));
      const yesterday = alice
        .locator('.message')
        .filter({ has: alice.locator('.text', { hasText: /^yesterday$/ }) });
      await alice.locator('.messages').evaluate((el) => el.scrollTo(0, 0));
      const time = yesterday.first().locator('time');
      const iso = (await time.getAttribute('datetime')) ?? '';
      assert.match(iso, /^\d{4}-\d{2}-\d{2}T/);
      const inTokyo = new Intl.DateTimeFormat('en-US', {
        timeZone: 'Asia/Tokyo',
        hour: 'numeric',
        minute: '2-digit',
      })
        .format(new Date(iso))
        .replace(/\s/g, '')
        .toLowerCase();
      const inParis = new Intl.DateTimeFormat('en-US', {
        timeZone: 'Europe/Paris',
        hour: 'numeric',
        minute: '2-digit',
      })
        .format(new Date(iso))
        .replace(/\s/g, '')
        .toLowerCase();
      assert.equal(await time.innerText(), inTokyo);
      assert.match((await time.getAttribute('title')) ?? '', /\w+day, \w+ \d+, \d{4}, .*Asia\/Tokyo/);
      assert.match(
        (await yesterday.first().locator('a.permalink').getAttribute('aria-label')) ?? '',
        /^Permalink: \w+day, \w+ \d+, \d{4}/,
      );
      await alice.getByLabel('Show times in').selectOption('mine');
      assert.equal(await time.innerText(), inParis);
      assert.match(await alice.locator('.zone-name').innerText(), /Europe\/Paris/);
      // The choice is remembered.
      await alice.reload();
      await alice.locator('.connection[data-state="live"]').waitFor();
      assert.equal(await alice.locator('.zone-name').innerText(), 'Europe/Paris');
      await alice.context().close();
    });

    it('gives live lines the same permalinks as loaded ones, and folds a very long line', async () => {
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      const id = await say(t, 'bob', 'vim', `a long one ${'x'.repeat(9000)}`);
      const live = alice.locator(`#message-${id}`);
      await live.waitFor();
      const liveHref = await live.locator('a.permalink').getAttribute('href');
      const text = live.locator('.text');
      const folded = await text.evaluate((el) => el.getBoundingClientRect().height);
      assert.ok(folded < 300, `folded to ${folded}px`);
      await live.getByRole('button', { name: /Show more/ }).click();
      assert.ok((await text.evaluate((el) => el.getBoundingClientRect().height)) > folded * 2);
      await alice.reload();
      await alice.locator('.connection[data-state="live"]').waitFor();
      assert.equal(await alice.locator(`#message-${id} a.permalink`).getAttribute('href'), liveHref);
      await alice.context().close();
    });

    it('counts unread lines of the other rooms live, beside the room and on Explore, and in the tab title', async () => {
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      // Beside the conversation on a desktop; behind "Room info" (which counts them too) on a phone.
      const emacs = alice.locator('.your-rooms [data-room="emacs"] .unread');
      await say(t, 'bob', 'emacs', 'over in emacs');
      await eventually(async () => assert.equal(await emacs.textContent(), '1'));
      await say(t, 'bob', 'emacs', 'and again');
      await eventually(async () => assert.equal(await emacs.textContent(), '2'));
      assert.match(await alice.title(), /^\(2\) Vim/);
      if (size === 'phone') {
        await alice.getByRole('link', { name: 'Room info (2 unread)' }).click();
        await alice.getByRole('region', { name: 'Your rooms' }).getByText('2').waitFor();
      } else assert.equal(await emacs.isVisible(), true);
      // Explore shows the same count from the server, and keeps it live.
      await alice.goto(`${t.url}/`);
      const card = alice.getByRole('region', { name: 'Your rooms' }).locator('[data-room="emacs"] .unread');
      assert.equal(await card.innerText(), '2');
      await alice.waitForTimeout(500);
      await say(t, 'bob', 'emacs', 'a third');
      await eventually(async () => assert.equal(await card.innerText(), '3'));
      // Reading the room clears it.
      await openRoom(alice, t, 'emacs');
      await alice.waitForTimeout(1200);
      await alice.goto(`${t.url}/`);
      assert.equal(await card.isHidden(), true);
      await alice.context().close();
    });

    it('highlights mentions, counts them in the title, notifies by choice, and completes names', async () => {
      const alice = await enter('alice');
      await alice.context().grantPermissions(['notifications']);
      // Notifications recorded, and the tab made to look hidden, from inside the page.
      await alice.addInitScript(`
      window.notified = [];
      window.hiddenForTest = false;
      Object.defineProperty(document, 'hidden', { get: () => window.hiddenForTest });
      window.Notification = class {
        static permission = 'granted';
        static requestPermission() { return Promise.resolve('granted'); }
        constructor(title) { window.notified.push(title); }
      };
    `);
      await openRoom(alice, t, 'vim');
      assert.equal(await alice.getByText('Desktop notifications are on for mentions').count(), 1);
      await alice.evaluate('window.hiddenForTest = true');
      await say(t, 'bob', 'vim', 'hey @alice, look at this');
      const line = alice.locator('.message.mention', { hasText: 'hey @alice' });
      await line.waitFor();
      await eventually(async () => assert.match(await alice.title(), /^\(@1\) \(1\) Vim/));
      assert.deepEqual(await alice.evaluate<string[]>('window.notified'), ['Bob mentioned you']);
      await say(t, 'bob', 'vim', 'no name here');
      await alice.locator('.message', { hasText: 'no name here' }).waitFor();
      assert.equal(await alice.locator('.message.mention', { hasText: 'no name here' }).count(), 0);

      const box = alice.getByRole('textbox', { name: 'Message' });
      await box.fill('');
      await box.pressSequentially('thanks @b');
      const option = alice.getByRole('option', { name: '@bob' });
      await option.waitFor();
      await box.press('Enter');
      assert.equal(await box.inputValue(), 'thanks @bob ');
      await alice.context().close();
    });

    it('stars a line in the web, in agreement with the API, and lists starred lines', async () => {
      const id = await say(t, 'bob', 'vim', 'a line worth a star');
      const alice = await enter('alice');
      await openRoom(alice, t, 'vim');
      const line = alice.locator(`#message-${id}`);
      await line.hover();
      await line.getByRole('button', { name: 'Star this line' }).click();
      await line.getByRole('button', { name: /Starred/ }).waitFor();
      const { session } = await t.api('session/create', { user: 'alice', password: 'password1' });
      await eventually(async () => {
        const shown = await t.api('room/show', { session: session as string, room: 'vim' });
        const room = (shown.rooms as Array<{ faved_message_ids?: string[] }>)[0];
        assert.ok(room?.faved_message_ids?.includes(id));
      });
      await alice.goto(`${t.url}/starred`);
      await alice.locator('.message', { hasText: 'a line worth a star' }).waitFor();
      // Unstarred through the API, the page agrees.
      await t.api('favorite/remove', { session: session as string, message: id });
      await openRoom(alice, t, 'vim');
      assert.equal(await alice.locator(`#message-${id}`).getAttribute('data-starred'), null);
      await alice.goto(`${t.url}/starred`);
      assert.equal(await alice.locator('.message', { hasText: 'a line worth a star' }).count(), 0);
      await alice.context().close();
    });

    it('shows an image link inline, sized and lazy, straight from the sender’s link', async () => {
      const image = png();
      let fetched = 0;
      const host: Server = createServer((_req, res) => {
        fetched++;
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
        res.end(image);
      });
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}/cat.png`;
        const alice = await enter('alice');
        await openRoom(alice, t, 'vim');
        await say(t, 'bob', 'vim', `look ${url}`);
        const img = alice.locator('.message .inline-image img').last();
        await img.waitFor();
        assert.equal(await img.getAttribute('loading'), 'lazy');
        await eventually(async () =>
          assert.ok(
            (await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)) === 2,
          ),
        );
        assert.equal(await img.locator('xpath=..').getAttribute('href'), url);
        assert.ok(fetched >= 1);
        await alice.context().close();
      } finally {
        host.close();
      }
    });

    it('is a live region with a skip link, readable contrast, and a dark mode', async () => {
      const alice = await enter('alice', { colorScheme: 'light' });
      await openRoom(alice, t, 'vim');
      assert.equal(await alice.getByRole('log', { name: 'Messages' }).count(), 1);
      await alice.keyboard.press('Tab');
      const skip = alice.getByRole('link', { name: 'Skip to the message box' });
      assert.equal(
        await skip.evaluate((el) => el === (globalThis as unknown as Window).document.activeElement),
        true,
      );
      await skip.press('Enter');
      assert.equal(await alice.evaluate<string>('document.activeElement.id'), 'say-text');
      const colours = await alice
        .locator('.tags a')
        .first()
        .evaluate((el) => {
          const style = (globalThis as unknown as Window).getComputedStyle(el);
          return [style.color, style.backgroundColor];
        });
      const ratio = contrast(colours[0] ?? '', colours[1] ?? '');
      assert.ok(ratio >= 4.5, `tag chip contrast ${ratio.toFixed(2)}:1`);
      await alice.emulateMedia({ colorScheme: 'dark' });
      const background = await alice.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      assert.ok(r + g + b < 150, `dark background ${background}`);
      await alice.context().close();
    });

    it('without JavaScript, reads and says, and never claims to be connecting', async () => {
      const alice = await enter('alice', { javaScriptEnabled: false });
      await alice.goto(`${t.url}/room/vim`);
      assert.equal(await alice.getByText('Connecting…').isVisible(), false);
      await alice.getByRole('textbox', { name: 'Message' }).fill('said without a script');
      await alice.getByRole('button', { name: 'Say it!' }).click();
      await alice.locator('.message .text', { hasText: 'said without a script' }).waitFor();
      await alice.context().close();
    });
  });
