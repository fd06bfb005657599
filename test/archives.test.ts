import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedLine, signedIn, startTestServer, type TestServer } from './support/server.js';

async function get(t: TestServer, path: string) {
  const res = await fetch(`${t.url}${path}`);
  return { status: res.status, text: await res.text() };
}

/** YYYY/MM/DD of "now" in a timezone, as the archive paths spell it. */
function today(timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return f.format(Date.now()).replace(/-/g, '/');
}

describe('archives', () => {
  let t: TestServer;
  let ids: string[] = [];
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'tokyo', name: 'Tokyo', owner: 'alice', timezone: 'Asia/Tokyo' });
    await t.admin.addRoom({ id: 'secret', name: 'Secret', owner: 'alice', isPublic: false });
    const { session } = await signedIn(t, 'alice');
    ids = [];
    for (const text of ['first line', 'a <b>bold</b> claim', 'find the needle here'])
      ids.push(((await t.api('room/say', { session, room: 'tokyo', text })).message as { id: string }).id);
    await t.api('room/say', { session, room: 'secret', text: 'classified needle' });
  });
  after(() => t.stop());

  it('lists the days that have lines, in the room timezone, linking to each day', async () => {
    const r = await get(t, '/room/tokyo/archives');
    assert.equal(r.status, 200);
    const day = today('Asia/Tokyo');
    assert.match(r.text, new RegExp(`href="/room/tokyo/archives/${day}">${day.replace(/\//g, '-')}</a>`));
    assert.match(r.text, /3 lines/);
  });

  it('shows a day with every line under a message-ID permalink, oldest first', async () => {
    const r = await get(t, `/room/tokyo/archives/${today('Asia/Tokyo')}`);
    assert.equal(r.status, 200);
    const positions = ids.map((id) => r.text.indexOf(`id="message-${id}"`));
    assert.ok(
      positions.every((p) => p > 0),
      'every line is on the page',
    );
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
    );
    assert.match(r.text, new RegExp(`href="/room/tokyo/archives/${today('Asia/Tokyo')}#message-${ids[0]}"`));
    assert.match(r.text, /a &lt;b&gt;bold&lt;\/b&gt; claim/);
    assert.match(r.text, /Times are in Asia\/Tokyo/);
  });

  it('shows an empty day and refuses dates that do not exist', async () => {
    const empty = await get(t, '/room/tokyo/archives/2001/01/01');
    assert.equal(empty.status, 200);
    assert.match(empty.text, /Nothing was said on this day/);
    for (const path of [
      '/room/tokyo/archives/2001/02/30',
      '/room/tokyo/archives/2001/13/01',
      '/room/tokyo/archives/x/y/z',
    ])
      assert.equal((await get(t, path)).status, 404, path);
  });

  it('searches within the room archives', async () => {
    const r = await get(t, '/room/tokyo/archives?q=needle');
    assert.match(r.text, /1 line matching “needle”/);
    assert.match(r.text, new RegExp(`#message-${ids[2]}"`));
    assert.doesNotMatch(r.text, /classified/);
    const none = await get(t, '/room/tokyo/archives?q=%3Cscript%3E');
    assert.match(none.text, /0 lines matching “&lt;script&gt;”/);
  });

  it('keeps a private room archives closed', async () => {
    assert.equal((await get(t, '/room/secret/archives')).status, 404);
    assert.equal((await get(t, `/room/secret/archives/${today('America/Los_Angeles')}`)).status, 404);
    assert.equal((await get(t, '/room/secret/archives?q=needle')).status, 404);
  });

  it('links each line of the room page to its archive day', async () => {
    const r = await get(t, '/room/tokyo');
    assert.match(r.text, new RegExp(`href="/room/tokyo/archives/${today('Asia/Tokyo')}#message-${ids[1]}"`));
  });
});

const idsOn = (page: string) =>
  [...page.matchAll(/<li\s+class="message[^"]*"\s+id="message-(\d+)"/g)].map((m) => Number(m[1]));

describe('a busy day in the archives', () => {
  const LINES = 5300;
  /** 2026-11-03 10:00 in Tokyo; one line a second keeps the whole day's lines on that local day. */
  const START = Date.UTC(2026, 10, 3, 1, 0, 0);
  const DAY = '/room/busy/archives/2026/11/03';
  let t: TestServer;
  let ids: number[] = [];
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addRoom({ id: 'busy', name: 'Busy', owner: 'alice', timezone: 'Asia/Tokyo' });
    await t.admin.addRoom({ id: 'hot', name: 'Hot', owner: 'alice' });
    await t.admin.addRoom({ id: 'other', name: 'Other', owner: 'alice' });
    ids = [];
    for (let i = 0; i < LINES; i++) ids.push(await seedLine(t, 'busy', `line ${i}`, START + i * 1000));
    const now = Date.now();
    for (let i = 0; i < LINES; i++) await seedLine(t, 'hot', `hot ${i}`, now - 60_000 + i);
  });
  after(() => t.stop());

  it('counts the day as the index does and reaches every line on one page or another', async () => {
    const index = await get(t, '/room/busy/archives');
    assert.match(index.text, />2026-11-03<\/a>\s*<span class="count">5,300 lines<\/span>/);
    const seen: number[] = [];
    for (let p = 1; p <= 6; p++) {
      const r = await get(t, p === 1 ? DAY : `${DAY}?page=${p}`);
      assert.equal(r.status, 200, `page ${p}`);
      const onPage = idsOn(r.text);
      assert.equal(onPage.length, p < 6 ? 1000 : 300, `lines on page ${p}`);
      const first = (p - 1) * 1000 + 1;
      assert.match(r.text, new RegExp(`Lines ${first.toLocaleString('en-US')}–[\\d,]+ of 5,300`));
      // The lines' permalinks name their own page.
      const own = p === 1 ? DAY : `${DAY}?page=${p}`;
      assert.ok(r.text.includes(`href="${own}#message-${onPage[0]}"`), `permalink on page ${p}`);
      seen.push(...onPage);
    }
    assert.deepEqual(seen, ids, 'every line once, oldest first');
  });

  it('links each page to the previous and next ones and marks the current one', async () => {
    const first = await get(t, DAY);
    assert.match(first.text, new RegExp(`<a\\s+class="next"\\s+href="${DAY}\\?page=2"`));
    assert.doesNotMatch(first.text, /<a\s+class="previous"/);
    const third = await get(t, `${DAY}?page=3`);
    assert.match(third.text, new RegExp(`<a\\s+class="previous"\\s+href="${DAY}\\?page=2"`));
    assert.match(third.text, new RegExp(`<a\\s+class="next"\\s+href="${DAY}\\?page=4"`));
    assert.match(third.text, /<a aria-current="page" href="[^"]+\?page=3">3<\/a>/);
    assert.match(third.text, /<title>Busy, 2026-11-03, page 3 of 6 — Lingr<\/title>/);
    const last = await get(t, `${DAY}?page=6`);
    assert.match(last.text, /Lines 5,001–5,300 of 5,300/);
    assert.doesNotMatch(last.text, /<a\s+class="next"/);
  });

  it('refuses pages that do not exist, pointing past the end to the last page', async () => {
    const past = await get(t, `${DAY}?page=7`);
    assert.equal(past.status, 404);
    assert.ok(past.text.includes(`href="${DAY}?page=6"`));
    for (const page of ['0', '-1', 'x', '1.5', ''])
      assert.equal((await get(t, `${DAY}?page=${page}`)).status, 404, `page=${page}`);
    const quiet = await get(t, '/room/busy/archives/2026/11/02');
    assert.equal(quiet.status, 200, 'a day without lines is one empty page');
    assert.doesNotMatch(quiet.text, /class="pager"/);
  });

  it('sends a line’s address to its day and page, in the room’s timezone', async () => {
    for (const [i, page] of [
      [0, ''],
      [999, ''],
      [1000, '?page=2'],
      [5299, '?page=6'],
    ] as const) {
      const res = await fetch(`${t.url}/room/busy/message/${ids[i]}`, { redirect: 'manual' });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${DAY}${page}#message-${ids[i]}`, `line ${i}`);
    }
    // 20:00 UTC on 11-04 is 05:00 on 11-05 in Tokyo.
    const late = await seedLine(t, 'busy', 'late', Date.UTC(2026, 10, 4, 20, 0, 0));
    const res = await fetch(`${t.url}/room/busy/message/${late}`, { redirect: 'manual' });
    assert.equal(res.headers.get('location'), `/room/busy/archives/2026/11/05#message-${late}`);
    const elsewhere = await seedLine(t, 'other', 'not here', START);
    assert.equal((await get(t, `/room/busy/message/${elsewhere}`)).status, 404, 'another room’s line');
    assert.equal((await get(t, '/room/busy/message/99999999')).status, 404, 'no such line');
    assert.equal((await get(t, '/room/busy/message/x')).status, 404);
  });

  it('reports how many lines match a search, and that it shows only the newest of them', async () => {
    const r = await get(t, '/room/busy/archives?q=line');
    assert.match(r.text, /5,300 lines matching “line”/);
    assert.match(r.text, /Showing the newest 100/);
    assert.equal(idsOn(r.text).length, 100);
    assert.ok(r.text.includes(`href="/room/busy/message/${ids[5299]}#message-${ids[5299]}"`));
    const few = await get(t, '/room/busy/archives?q=line%20529');
    assert.match(few.text, /11 lines matching/);
    assert.doesNotMatch(few.text, /Showing the newest/);
  });

  it('counts a hot room’s lines of the last day in full', async () => {
    const r = await get(t, '/');
    // Counts read as the archives write them: grouped in thousands.
    assert.match(r.text, /href="\/room\/hot">Hot<\/a>\s*<span class="detail">5,300 lines today<\/span>/);
  });
});
