import { html } from './html.js';
import type { Translator } from './i18n/translator.js';
import { page } from './layout.js';
import type { Page } from './pages.js';
import { encodePng } from './png.js';

/** The accent of the stylesheet (`--accent`), as browsers colour the app's window and splash. */
export const THEME_COLOR = '#2f6fdf';
const BACKGROUND = '#f5f7fa';
const ACCENT: readonly [number, number, number] = [0x2f, 0x6f, 0xdf];

export const ICONS = [
  { path: '/icons/lingr-192.png', size: 192, maskable: false },
  { path: '/icons/lingr-512.png', size: 512, maskable: false },
  { path: '/icons/lingr-maskable-512.png', size: 512, maskable: true },
] as const;

/** The white "L", in fractions of the icon: inside the maskable safe circle (radius 0.4) with room to spare. */
const L_BARS = [
  { x0: 0.33, y0: 0.23, x1: 0.46, y1: 0.77 },
  { x0: 0.33, y0: 0.64, x1: 0.69, y1: 0.77 },
];
const CORNER = 0.22;
/** Samples per pixel edge: edges and corners are smoothed by coverage. */
const SAMPLES = 4;

function insideRoundedSquare(x: number, y: number): boolean {
  const cx = Math.min(Math.max(x, CORNER), 1 - CORNER);
  const cy = Math.min(Math.max(y, CORNER), 1 - CORNER);
  return (x - cx) ** 2 + (y - cy) ** 2 <= CORNER ** 2;
}

const insideL = (x: number, y: number) => L_BARS.some((b) => x >= b.x0 && x < b.x1 && y >= b.y0 && y < b.y1);

/**
 * Lingr's icon: the accent colour, a rounded square (a full square for `maskable`, which platforms cut to
 * their own shape), with a white "L" built from two bars.
 */
export function drawIcon(size: number, maskable: boolean): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const n = SAMPLES * SAMPLES;
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let ground = 0;
      let white = 0;
      for (let s = 0; s < n; s++) {
        const x = (px + ((s % SAMPLES) + 0.5) / SAMPLES) / size;
        const y = (py + (Math.floor(s / SAMPLES) + 0.5) / SAMPLES) / size;
        if (!maskable && !insideRoundedSquare(x, y)) continue;
        ground++;
        if (insideL(x, y)) white++;
      }
      const at = (py * size + px) * 4;
      if (ground === 0) continue;
      const w = white / ground;
      for (let c = 0; c < 3; c++) pixels[at + c] = Math.round((ACCENT[c] as number) * (1 - w) + 255 * w);
      pixels[at + 3] = Math.round((ground / n) * 255);
    }
  return pixels;
}

const pngs = new Map<string, Buffer>();

/** The icon at `path` as a PNG, drawn once. */
export function iconPng(path: string): Buffer | undefined {
  const icon = ICONS.find((i) => i.path === path);
  if (!icon) return undefined;
  let png = pngs.get(path);
  if (!png) pngs.set(path, (png = encodePng(icon.size, icon.size, drawIcon(icon.size, icon.maskable))));
  return png;
}

/** The web app manifest: what a browser needs to install Lingr as an app of its own, in the reader's language. */
export const manifest = (tr: Translator): string =>
  JSON.stringify({
    name: 'Lingr',
    short_name: 'Lingr',
    lang: tr.lang,
    description: tr.t('app.description'),
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: BACKGROUND,
    theme_color: THEME_COLOR,
    icons: ICONS.map((i) => ({
      src: i.path,
      sizes: `${i.size}x${i.size}`,
      type: 'image/png',
      purpose: i.maskable ? 'maskable' : 'any',
    })),
  });

/**
 * What the service worker shows for a page it cannot fetch. Everything it needs is in the worker's cache;
 * the app script reloads it when the browser is back online.
 */
export function offlinePage(tr: Translator): Page {
  return {
    status: 200,
    body: page({
      tr,
      title: `${tr.t('offline.heading')} — Lingr`,
      body: html`<main class="notice offline">
        <img class="offline-icon" src="${ICONS[0].path}" alt="" width="96" height="96" />
        <h1>${tr.t('offline.heading')}</h1>
        <p>${tr.t('offline.text')}</p>
        <p class="hint">${tr.t('offline.hint')}</p>
        <p><a class="button" href="/">${tr.t('offline.retry')}</a></p>
      </main>`,
    }),
  };
}
