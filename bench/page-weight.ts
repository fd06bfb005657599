import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { precompress } from '../src/http/compression.js';
import { RESULTS_DIR, writeResult } from './results.js';

/**
 * What a browser downloads for the room page besides its HTML, from the built files: bytes as they are,
 * and the brotli and gzip forms the server sends (made once at start by the same `precompress`). Run after
 * `npm run build`: `node dist/bench/page-weight.js`.
 */
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const ASSETS: Record<string, string> = {
  '/static/room.js': 'dist/client/room.js',
  '/static/lingr.css': 'src/web/assets/lingr.css',
  '/static/app.js': 'dist/client/app.js',
  '/static/badge.js': 'dist/client/badge.js',
};
/** Everything the room page loads besides its HTML and images. */
const ROOM_PAGE = ['/static/room.js', '/static/lingr.css', '/static/app.js'];

interface Weight {
  bytes: number;
  br: number;
  gzip: number;
}

const assets: Record<string, Weight> = {};
for (const [url, file] of Object.entries(ASSETS)) {
  const body = readFileSync(root(file));
  const forms = precompress(body);
  const weight = {
    bytes: body.length,
    br: forms.br?.length ?? body.length,
    gzip: forms.gzip?.length ?? body.length,
  };
  assets[url] = weight;
  console.log(`${url}: ${weight.bytes} bytes, ${weight.br} brotli, ${weight.gzip} gzip`);
}
const room = ROOM_PAGE.map((u) => assets[u] as Weight);
const sum = (key: keyof Weight) => room.reduce((a, x) => a + x[key], 0);
const roomPage = { bytes: sum('bytes'), br: sum('br'), gzip: sum('gzip') };
console.log(`room page: ${roomPage.bytes} bytes, ${roomPage.br} brotli, ${roomPage.gzip} gzip`);
await writeResult(RESULTS_DIR, 'page-weight', { date: new Date().toISOString(), assets, roomPage });
