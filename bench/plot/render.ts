import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { launchChromium } from '../../test/support/browser.js';

/** Screenshots an SVG through Chromium into a PNG of the SVG's own size. */
export async function renderPng(svg: string, width: number, height: number, file: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 2 });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: file });
  } finally {
    await browser.close();
  }
}
