import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

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
