import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { drawIcon, iconPng, ICONS } from '../src/web/app.js';
import { crc32, encodePng } from '../src/web/png.js';

describe('the PNG encoder and the app icons', () => {
  it('computes CRC-32 as PNG does', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
  });

  it('writes chunks with lengths and checksums, and rows that inflate back to the pixels', () => {
    const pixels = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 1, 2, 3, 4]);
    const png = encodePng(2, 2, pixels);
    const chunks: Array<{ type: string; data: Buffer }> = [];
    for (let at = 8; at < png.length;) {
      const length = png.readUInt32BE(at);
      const type = png.subarray(at + 4, at + 8).toString('latin1');
      const data = png.subarray(at + 8, at + 8 + length);
      assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), type);
      chunks.push({ type, data });
      at += 12 + length;
    }
    assert.deepEqual(
      chunks.map((c) => c.type),
      ['IHDR', 'IDAT', 'IEND'],
    );
    const ihdr = chunks[0]!.data;
    assert.deepEqual([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]], [2, 2, 8, 6]);
    const rows = inflateSync(chunks[1]!.data);
    assert.deepEqual([...rows], [0, ...pixels.subarray(0, 8), 0, ...pixels.subarray(8)]);
    assert.throws(() => encodePng(3, 3, pixels));
  });

  it('draws the icons at their sizes: rounded unless maskable, the L inside the safe zone', () => {
    for (const icon of ICONS) {
      const png = iconPng(icon.path) as Buffer;
      assert.equal(png.readUInt32BE(16), icon.size);
      assert.equal(png.readUInt32BE(20), icon.size);
    }
    const size = 100;
    const px = (pixels: Uint8Array, x: number, y: number) => [
      ...pixels.subarray((y * size + x) * 4, (y * size + x) * 4 + 4),
    ];
    const rounded = drawIcon(size, false);
    const maskable = drawIcon(size, true);
    assert.deepEqual(px(rounded, 0, 0), [0, 0, 0, 0]);
    assert.deepEqual(px(maskable, 0, 0), [0x2f, 0x6f, 0xdf, 255]);
    assert.deepEqual(px(maskable, 40, 50), [255, 255, 255, 255]);
    // Every white pixel of the maskable icon lies within the central circle of radius 0.4.
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        if (px(maskable, x, y)[0] === 255)
          assert.ok(Math.hypot(x + 0.5 - 50, y + 0.5 - 50) < 40, `${x},${y}`);
  });
});
