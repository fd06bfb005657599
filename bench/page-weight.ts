import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { RESULTS_DIR, writeResult } from './results.js';

/**
 * What a browser downloads for the room page besides its HTML, from the built files: bytes as served and
 * gzip -9 (what a compressing proxy would send). Run after `npm run build`: `node dist/bench/page-weight.js`.
 */
const root = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const ASSETS: Record<string, string> = {
  '/static/room.js': 'dist/client/room.js',
  '/static/lingr.css': 'src/web/assets/lingr.css',
  '/static/badge.js': 'dist/client/badge.js',
};

const assets: Record<string, { bytes: number; gzip: number }> = {};
for (const [url, file] of Object.entries(ASSETS)) {
  const body = readFileSync(root(file));
  assets[url] = { bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  console.log(`${url}: ${assets[url].bytes} bytes, ${assets[url].gzip} gzip -9`);
}
const room = ['/static/room.js', '/static/lingr.css'].map(
  (u) => assets[u] as { bytes: number; gzip: number },
);
const roomPage = { bytes: room.reduce((a, x) => a + x.bytes, 0), gzip: room.reduce((a, x) => a + x.gzip, 0) };
console.log(`room page: ${roomPage.bytes} bytes, ${roomPage.gzip} gzip -9`);
await writeResult(RESULTS_DIR, 'page-weight', { date: new Date().toISOString(), assets, roomPage });
