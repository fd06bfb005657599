import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startTestServer, type TestServer } from './support/server.js';

/** Width and height from a PNG's header, after checking its signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual(
    [...bytes.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'PNG signature',
  );
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('Lingr as an installable app, in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  before(async () => {
    t = await startTestServer();
    browser = await launchChromium();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'vim', name: 'Vim Lovers', owner: 'alice' });
  });
  after(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('every page links a manifest that parses, whose icons are PNGs of the sizes it states', async () => {
    const page = await browser.newPage();
    for (const path of ['/', '/room/vim', '/search?q=x', '/signin', '/offline']) {
      await page.goto(`${t.url}${path}`);
      assert.equal(await page.locator('link[rel="manifest"]').getAttribute('href'), '/manifest.webmanifest');
      assert.equal(await page.locator('meta[name="theme-color"]').getAttribute('content'), '#2f6fdf');
    }
    const res = await fetch(`${t.url}/manifest.webmanifest`);
    assert.equal(res.headers.get('content-type'), 'application/manifest+json');
    const manifest = (await res.json()) as {
      name: string;
      short_name: string;
      start_url: string;
      display: string;
      theme_color: string;
      icons: Array<{ src: string; sizes: string; type: string; purpose: string }>;
    };
    assert.equal(manifest.name, 'Lingr');
    assert.equal(manifest.short_name, 'Lingr');
    assert.equal(manifest.start_url, '/');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.theme_color, '#2f6fdf');
    const sizes = manifest.icons.map((i) => `${i.sizes} ${i.purpose}`).sort();
    assert.deepEqual(sizes, ['192x192 any', '512x512 any', '512x512 maskable']);
    for (const icon of manifest.icons) {
      const got = await fetch(new URL(icon.src, t.url));
      assert.equal(got.headers.get('content-type'), 'image/png');
      const { width, height } = pngSize(Buffer.from(await got.arrayBuffer()));
      assert.equal(`${width}x${height}`, icon.sizes, icon.src);
      // The browser decodes it, at the size stated.
      // Pages run in the browser, so their scripts are strings here (the tests compile without the DOM).
      const decoded = (await page.evaluate(`(async () => {
        const img = new Image();
        img.src = ${JSON.stringify(icon.src)};
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const g = canvas.getContext('2d');
        g.drawImage(img, 0, 0);
        const at = (x, y) => [...g.getImageData(x, y, 1, 1).data];
        const n = img.naturalWidth;
        return { width: n, height: img.naturalHeight, corner: at(0, 0), middle: at(n * 0.6, n * 0.4), bar: at(n * 0.4, n / 2) };
      })()`)) as { width: number; height: number; corner: number[]; middle: number[]; bar: number[] };
      assert.equal(`${decoded.width}x${decoded.height}`, icon.sizes);
      assert.deepEqual(decoded.middle, [0x2f, 0x6f, 0xdf, 255], 'the accent colour');
      assert.deepEqual(decoded.bar, [255, 255, 255, 255], 'the white L');
      assert.equal(decoded.corner[3], icon.purpose === 'maskable' ? 255 : 0, 'rounded, unless maskable');
    }
    await page.close();
  });

  it('serves the worker for the whole site, never stale', async () => {
    const res = await fetch(`${t.url}/sw.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(res.headers.get('service-worker-allowed'), '/');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const offline = await fetch(`${t.url}/offline`);
    assert.equal(offline.status, 200);
    assert.match(await offline.text(), /You are offline[\s\S]*Lingr will reconnect when you are back/);
  });

  it('after a first visit, a page asked for offline shows the offline shell, styled; the API is never cached', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${t.url}/`);
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    // A call to the API through the page: the worker must leave it alone.
    assert.equal(await page.evaluate("fetch('/api/room/show?room=vim').then((r) => r.ok)"), true);
    const cached = await page.evaluate(`(async () => {
      const urls = [];
      for (const name of await caches.keys())
        for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
      return urls.sort();
    })()`);
    // The shell under the hashed URLs the pages link, so the offline page finds its stylesheet.
    const stylesheet = await page.locator('link[rel="stylesheet"]').getAttribute('href');
    const app = await page.locator('script[src*="/static/app."]').getAttribute('src');
    assert.match(stylesheet ?? '', /^\/static\/lingr\.[0-9a-f]{10}\.css$/);
    assert.deepEqual(
      cached,
      ['/icons/lingr-192.png', '/manifest.webmanifest', '/offline', app, stylesheet].sort(),
    );

    await context.setOffline(true);
    await page.goto(`${t.url}/room/vim`);
    await page.getByRole('heading', { name: 'You are offline' }).waitFor();
    await page.getByText('Lingr will reconnect when you are back').waitFor();
    assert.equal(new URL(page.url()).pathname, '/room/vim');
    // The stylesheet came from the cache: the page is styled, not bare HTML.
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(245, 247, 250)');
    const icon = await page.evaluate("document.querySelector('img.offline-icon').naturalWidth");
    assert.equal(icon, 192);
    await page.screenshot({ path: '/tmp/lingr-offline.png' }).catch(() => undefined);
    const api = await page.evaluate(
      "fetch('/api/room/show?room=vim').then(() => 'answered', () => 'failed')",
    );
    assert.equal(api, 'failed', 'no API answer comes from a cache');

    // Back online, the offline page takes the reader back to the room by itself.
    await context.setOffline(false);
    await page.getByRole('heading', { name: 'Vim Lovers' }).waitFor({ timeout: 20_000 });
    await context.close();
  });
});
