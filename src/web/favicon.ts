/**
 * /favicon.ico, drawn here rather than kept as a binary: the same design as assets/favicon.svg, a rounded
 * square in the accent colour with a white "L", as one 32×32 32-bit image (a BMP inside an ICO).
 */

const SIZE = 32;
const RADIUS = 7;
/** #2f6fdf */
const ACCENT = [0x2f, 0x6f, 0xdf] as const;
/** The "L": its stem and its foot, in pixels ([x0, y0, x1, y1), y down), as the SVG's path draws them. */
const L_SHAPE = [
  [10, 7, 15, 25],
  [10, 20, 23, 25],
] as const;
/** Samples per pixel side, to smooth the rounded corners. */
const SAMPLES = 4;

function insideRoundedSquare(x: number, y: number): boolean {
  const cx = Math.min(Math.max(x, RADIUS), SIZE - RADIUS);
  const cy = Math.min(Math.max(y, RADIUS), SIZE - RADIUS);
  return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2;
}

/** How much of pixel (px, py) the square covers, 0 to 1. */
function coverage(px: number, py: number): number {
  let hits = 0;
  for (let i = 0; i < SAMPLES; i++)
    for (let j = 0; j < SAMPLES; j++)
      if (insideRoundedSquare(px + (i + 0.5) / SAMPLES, py + (j + 0.5) / SAMPLES)) hits++;
  return hits / SAMPLES ** 2;
}

const inL = (x: number, y: number) =>
  L_SHAPE.some(([x0, y0, x1, y1]) => x >= x0 && x < x1 && y >= y0 && y < y1);

/** The icon's pixels as RGBA, top row first. */
export function faviconPixels(): Uint8Array {
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const [r, g, b] = inL(x, y) ? [255, 255, 255] : ACCENT;
      rgba.set([r, g, b, Math.round(coverage(x, y) * 255)], (y * SIZE + x) * 4);
    }
  return rgba;
}

/** The ICO file: a directory of one image, then that image as a BMP without its file header. */
export function faviconIco(): Buffer {
  const pixels = faviconPixels();
  const xorBytes = SIZE * SIZE * 4;
  const andRow = Math.ceil(SIZE / 32) * 4; // one bit per pixel, each row padded to 4 bytes
  const andMask = andRow * SIZE;
  const imageBytes = 40 + xorBytes + andMask;
  const ico = Buffer.alloc(6 + 16 + imageBytes);
  // ICONDIR: reserved, type 1 (icon), one image.
  ico.writeUInt16LE(0, 0);
  ico.writeUInt16LE(1, 2);
  ico.writeUInt16LE(1, 4);
  // ICONDIRENTRY: width, height, no palette, reserved, 1 plane, 32 bits, size, offset.
  ico.writeUInt8(SIZE, 6);
  ico.writeUInt8(SIZE, 7);
  ico.writeUInt16LE(1, 10);
  ico.writeUInt16LE(32, 12);
  ico.writeUInt32LE(imageBytes, 14);
  ico.writeUInt32LE(22, 18);
  // BITMAPINFOHEADER: the height counts the colour rows and the mask rows.
  const bmp = 22;
  ico.writeUInt32LE(40, bmp);
  ico.writeInt32LE(SIZE, bmp + 4);
  ico.writeInt32LE(SIZE * 2, bmp + 8);
  ico.writeUInt16LE(1, bmp + 12);
  ico.writeUInt16LE(32, bmp + 14);
  ico.writeUInt32LE(0, bmp + 16); // BI_RGB
  ico.writeUInt32LE(xorBytes + andMask, bmp + 20);
  // Colour rows bottom-up, as BGRA; the AND mask stays all zero (the alpha channel decides).
  const data = bmp + 40;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const from = (y * SIZE + x) * 4;
      const to = data + ((SIZE - 1 - y) * SIZE + x) * 4;
      ico[to] = pixels[from + 2] as number;
      ico[to + 1] = pixels[from + 1] as number;
      ico[to + 2] = pixels[from] as number;
      ico[to + 3] = pixels[from + 3] as number;
    }
  return ico;
}
