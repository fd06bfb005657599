import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { acceptedCodings, chooseCoding } from '../src/http/compression.js';
import { faviconIco, faviconPixels } from '../src/web/favicon.js';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent, still compressed if they were. */
  body: Buffer;
}

/** A request with exactly the headers given (fetch would add its own Accept-Encoding and decode). */
function raw(
  t: TestServer,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(r: Raw): Buffer {
  const coding = r.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(r.body);
  if (coding === 'gzip') return gunzipSync(r.body);
  assert.equal(coding, undefined, 'a coding we did not ask for');
  return r.body;
}

const hashOf = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 10);

describe('compression and static files', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'vim', name: 'Vim', owner: 'alice' });
  });
  after(() => t.stop());

  it('chooses brotli when accepted, else gzip, honouring q-values and refusals', () => {
    assert.equal(chooseCoding('gzip, deflate, br'), 'br');
    assert.equal(chooseCoding('gzip, deflate'), 'gzip');
    assert.equal(chooseCoding('br;q=0, gzip'), 'gzip');
    assert.equal(chooseCoding('br;q=0.5, gzip;q=0.9'), 'gzip');
    assert.equal(chooseCoding('identity'), undefined);
    assert.equal(chooseCoding('*'), 'br');
    assert.equal(chooseCoding('*;q=0'), undefined);
    assert.equal(chooseCoding('GZIP'), 'gzip');
    assert.equal(chooseCoding(undefined), undefined);
    assert.deepEqual(acceptedCodings('gzip;q=1, br;q=1'), ['br', 'gzip']);
  });

  it('compresses a page per response in the coding the browser accepts', async () => {
    const plain = await raw(t, '/');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers.vary, 'Accept-Encoding');
    assert.ok(plain.body.length > 1024, 'the explore page is big enough to compress');
    for (const [accept, coding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip;q=0.8', 'gzip'],
    ] as const) {
      const r = await raw(t, '/', { 'accept-encoding': accept });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], coding, accept);
      assert.equal(r.headers.vary, 'Accept-Encoding');
      assert.equal(Number(r.headers['content-length']), r.body.length);
      assert.ok(r.body.length < plain.body.length / 2, `${coding} is smaller`);
      assert.equal(decoded(r).toString(), plain.body.toString());
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'/, 'headers kept');
    }
    const head = await raw(t, '/', { 'accept-encoding': 'br' }, 'HEAD');
    assert.equal(head.headers['content-encoding'], 'br');
    assert.equal(head.body.length, 0);
  });

  it('leaves small bodies and the API as they are', async () => {
    const small = await raw(t, '/static/favicon.svg', { 'accept-encoding': 'br, gzip' });
    assert.equal(small.status, 200);
    assert.ok(small.body.length < 1024);
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers.vary, undefined, 'one form only: nothing to vary');
    const { session } = await signedIn(t, 'alice', ['vim']);
    for (let i = 0; i < 30; i++)
      await t.api('room/say', { session, room: 'vim', text: `line ${i} `.repeat(20) });
    const api = await raw(t, `/api/room/show?session=${session}&room=vim`, { 'accept-encoding': 'br, gzip' });
    assert.equal(api.status, 200);
    assert.ok(api.body.length > 1024, 'big enough that a page would have been compressed');
    assert.equal(api.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(api.body.toString()).status, 'ok');
  });

  it('serves each static file under its content hash, cached for a year, and links pages to those', async () => {
    const page = (await raw(t, '/')).body.toString();
    const { session } = await signedIn(t, 'alice', ['vim']);
    const cookie = `lingr_session=${session}`;
    const roomPage = (await raw(t, '/room/vim', { cookie })).body.toString();
    const badgePage = (await raw(t, '/room/vim/badge')).body.toString();
    for (const [name, html] of [
      ['lingr.css', page],
      ['lingr.css', badgePage],
      ['room.js', roomPage],
      ['badge.js', badgePage],
    ] as const) {
      const [base, ext] = name.split('.') as [string, string];
      const url = new RegExp(`"(/static/${base}\\.([0-9a-f]{10})\\.${ext})"`).exec(html);
      assert.ok(url, `a page links to the hashed ${name}`);
      const hashed = await raw(t, url[1] as string, { 'accept-encoding': 'br' });
      assert.equal(hashed.status, 200);
      assert.equal(hashed.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(hashed.headers['content-encoding'], 'br', `${name} is sent compressed`);
      assert.equal(hashed.headers.vary, 'Accept-Encoding');
      const body = decoded(hashed);
      assert.equal(hashOf(body), url[2], `the hash is of ${name}'s content`);
      // The plain name still works (blogs embed /static/badge.js), for a short while only.
      const plainName = await raw(t, `/static/${name}`, { 'accept-encoding': 'gzip' });
      assert.equal(plainName.status, 200);
      assert.equal(plainName.headers['cache-control'], 'public, max-age=300');
      assert.equal(plainName.headers['content-encoding'], 'gzip');
      assert.deepEqual(decoded(plainName), body);
      const identity = await raw(t, `/static/${name}`);
      assert.deepEqual(identity.body, body);
      assert.match(
        String(identity.headers['content-type']),
        ext === 'css' ? /^text\/css/ : /^text\/javascript/,
      );
    }
    assert.equal((await raw(t, '/static/lingr.0123456789.css')).status, 404, 'another hash is not this file');
    assert.equal((await raw(t, '/static/nothing.js')).status, 404);
  });

  it('serves a favicon: an ICO at /favicon.ico and an SVG the pages link to', async () => {
    const page = (await raw(t, '/')).body.toString();
    assert.match(page, /<link rel="icon" href="\/static\/favicon.svg" type="image\/svg\+xml" \/>/);
    assert.match(page, /<link rel="icon" href="\/favicon.ico" sizes="32x32" \/>/);
    const svg = await raw(t, '/static/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.match(svg.body.toString(), /^<svg [^>]*viewBox="0 0 32 32"[^>]*>.*#2f6fdf/);

    const ico = await raw(t, '/favicon.ico', { 'accept-encoding': 'gzip' });
    assert.equal(ico.status, 200);
    assert.equal(ico.headers['content-type'], 'image/vnd.microsoft.icon');
    const bytes = decoded(ico);
    assert.deepEqual(bytes, faviconIco());
    // ICONDIR: reserved 0, type 1 (icon), 1 image; its entry: 32×32, 32 bits, where the image is.
    assert.deepEqual([bytes.readUInt16LE(0), bytes.readUInt16LE(2), bytes.readUInt16LE(4)], [0, 1, 1]);
    assert.deepEqual([bytes[6], bytes[7], bytes.readUInt16LE(12)], [32, 32, 32]);
    const size = bytes.readUInt32LE(14);
    const offset = bytes.readUInt32LE(18);
    assert.equal(offset + size, bytes.length, 'the entry covers the image exactly');
    // BITMAPINFOHEADER: 40 bytes, 32 wide, 64 high (colour and mask), 32 bits, uncompressed.
    assert.equal(bytes.readUInt32LE(offset), 40);
    assert.deepEqual([bytes.readInt32LE(offset + 4), bytes.readInt32LE(offset + 8)], [32, 64]);
    assert.equal(bytes.readUInt16LE(offset + 14), 32);
    assert.equal(size, 40 + 32 * 32 * 4 + 32 * 4, 'colour rows and a one-bit mask');
  });

  it('draws the favicon as a rounded accent square with a white L', () => {
    const px = faviconPixels();
    const at = (x: number, y: number) => [...px.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 4)];
    assert.deepEqual(at(0, 0).slice(3), [0], 'the corner is rounded off');
    assert.deepEqual(at(28, 4), [0x2f, 0x6f, 0xdf, 255], 'accent inside');
    assert.deepEqual(at(12, 10), [255, 255, 255, 255], 'the stem of the L');
    assert.deepEqual(at(21, 22), [255, 255, 255, 255], 'the foot of the L');
    assert.deepEqual(at(20, 10), [0x2f, 0x6f, 0xdf, 255], 'beside the stem');
    const edge = at(1, 2)[3] as number;
    assert.ok(edge > 0 && edge < 255, 'the rounded edge is smoothed');
  });
});
