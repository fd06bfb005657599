import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { secretKey } from '../src/core/ids.js';
import { databaseFile } from '../src/main.js';
import { addSearchIndex, migrations } from '../src/storage/sqlite/migrations.js';
import { signedIn, startTestServer, tempDataDir, type TestServer } from './support/server.js';
import { webUser } from './support/web.js';

async function get(t: TestServer, path: string, cookie?: string) {
  const res = await fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, text: await res.text() };
}

const DAY = 24 * 60 * 60 * 1000;
const START = Date.parse('2026-03-01T12:00:00Z');

/** Lines of a search page, in page order, as the ids their permalinks carry. */
const foundIds = (page: string) => [...page.matchAll(/#message-(\d+)"/g)].map((m) => Number(m[1]));

describe('searching what was said, across rooms', () => {
  let t: TestServer;
  /** Ids of the 45 public lines holding "needle", oldest first. */
  const needles: number[] = [];
  let secretLine = 0;
  let hostileLine = 0;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'alice', password: 'password1', name: 'Alice' });
    await t.admin.addUser({ username: 'bob', password: 'password1', name: 'Bob' });
    await t.admin.addRoom({ id: 'vim', name: 'Vim Lovers', owner: 'alice', timezone: 'Asia/Tokyo' });
    await t.admin.addRoom({ id: 'emacs', name: 'Emacs', owner: 'bob' });
    await t.admin.addRoom({ id: 'hideout', name: 'Hideout', owner: 'alice', isPublic: false });
    // Older lines straight into the file, a day apart, as years of archives would be.
    for (let i = 0; i < 45; i++) {
      const roomId = i % 2 === 0 ? 'vim' : 'emacs';
      const { message } = await t.adminStore.messages.append({
        roomId,
        type: 'user',
        speakerId: 'bob',
        publicSessionId: 'pub',
        nickname: 'Bob',
        text: `haystack ${i} with a needle`,
        localId: null,
        createdAt: START + i * DAY,
      });
      needles.push(message.id);
    }
    const { session } = await signedIn(t, 'alice', ['emacs']);
    const said = async (room: string, text: string) =>
      Number(((await t.api('room/say', { session, room, text })).message as { id: string }).id);
    secretLine = await said('hideout', 'the secret needle of the hideout');
    hostileLine = await said('emacs', '<script>alert(1)</script> "quoted" NEAR(x y) * 猫が好き');
  });
  after(() => t.stop());

  it('counts every matching line, newest first, a page at a time, each linked to its permalink', async () => {
    const first = await get(t, '/search?q=needle');
    assert.equal(first.status, 200);
    assert.match(first.text, /45 lines/);
    assert.deepEqual(foundIds(first.text), needles.slice(25).reverse());
    assert.match(first.text, /Page 1 of 3/);
    assert.match(first.text, /href="\/search\?q=needle&amp;page=2" *>Older/);
    const last = await get(t, '/search?q=needle&page=3');
    assert.deepEqual(foundIds(last.text), needles.slice(0, 5).reverse());
    assert.match(last.text, /rel="prev" href="\/search\?q=needle&amp;page=2"/);
    assert.doesNotMatch(last.text, /rel="next"/);
    const beyond = await get(t, '/search?q=needle&page=9');
    assert.equal(beyond.status, 200);
    assert.match(beyond.text, /There are no more lines/);

    // The newest line, said in Vim Lovers (Asia/Tokyo): room, speaker, local date and time, permalink.
    const newest = needles[44] as number;
    const when = START + 44 * DAY;
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(when);
    const permalink = `/room/vim/archives/${date.replace(/-/g, '/')}#message-${newest}`;
    const item = /<li class="found-line">[\s\S]*?<\/li>/.exec(first.text)?.[0] ?? '';
    assert.match(item, /href="\/room\/vim">Vim Lovers</);
    assert.match(item, /class="nickname">Bob</);
    assert.ok(item.includes(`href="${permalink}"`), item);
    assert.match(item, new RegExp(`${date} 9:00pm`));
    assert.match(item, /haystack 44 with a <mark>needle<\/mark>/);
    const day = await get(t, permalink.split('#')[0] as string);
    assert.equal(day.status, 200);
    assert.ok(day.text.includes(`id="message-${newest}"`));
  });

  it('shows private lines to the room’s members only', async () => {
    const alice = await webUser(t, 'alice');
    const bob = await webUser(t, 'bob');
    const asAlice = await get(t, '/search?q=needle', alice.cookie);
    assert.match(asAlice.text, /46 lines/);
    assert.equal(foundIds(asAlice.text)[0], secretLine);
    assert.match(asAlice.text, /href="\/room\/hideout">Hideout<\/a>\s*<span class="private">private/);
    for (const [who, cookie] of [
      ['anonymous', undefined],
      ['bob', bob.cookie],
    ] as const) {
      for (const q of ['needle', 'secret', 'hideout'])
        for (const page of ['', '&page=2', '&page=3']) {
          const text = (await get(t, `/search?q=${q}${page}`, cookie)).text;
          assert.doesNotMatch(
            text,
            /\/room\/hideout|Hideout<|secret <mark>|of the <mark>/,
            `${who}: ${q}${page}`,
          );
          assert.ok(!foundIds(text).includes(secretLine), who);
        }
      assert.match((await get(t, '/search?q=needle', cookie)).text, /45 lines/, who);
    }
  });

  it('finds substrings, Japanese and words of every length, every word required', async () => {
    const ids = async (q: string) => foundIds((await get(t, `/search?q=${encodeURIComponent(q)}`)).text);
    assert.deepEqual(await ids('猫'), [hostileLine]);
    assert.deepEqual(await ids('好き'), [hostileLine]);
    assert.deepEqual(await ids('aystac 44'), [needles[44]]);
    assert.deepEqual(await ids('NEEDLE 43'), [needles[43]]);
    assert.deepEqual(await ids('needle nothing'), []);
  });

  it('escapes the lines and the query, and highlights inside the escaping', async () => {
    const page = (await get(t, `/search?q=${encodeURIComponent('<script> 猫')}`)).text;
    assert.ok(!page.includes('<script>alert'), 'the line is escaped');
    assert.ok(page.includes('<mark>&lt;script&gt;</mark>alert(1)&lt;/script&gt;'));
    assert.ok(page.includes('<mark>猫</mark>'));
    assert.ok(page.includes('Search “&lt;script&gt; 猫”'));
    const quot = (await get(t, '/search?q=quot')).text;
    assert.ok(quot.includes('&quot;<mark>quot</mark>ed&quot;'), 'marks never split an entity');
  });

  it('answers every odd query with a page, never a failure', async () => {
    const hostile = [
      '',
      '   ',
      '"',
      '""',
      '"quoted',
      '*',
      'needle*',
      'NEAR(',
      'NEAR(x y)',
      'x OR y',
      'AND',
      'NOT needle',
      '(',
      ')',
      '^',
      ':',
      'text:needle',
      '-needle',
      '+',
      '%',
      '_',
      '\\',
      '\u0000',
      '🙂',
      'a'.repeat(5000),
      'w '.repeat(500),
      '%E0%A4%A',
    ];
    for (const q of hostile) {
      const r = await get(t, `/search?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, JSON.stringify(q));
      assert.match(r.text, /<h1>Search/, JSON.stringify(q));
    }
    assert.match((await get(t, `/search?q=${encodeURIComponent('"quoted"')}`)).text, /1 line\b/);
    assert.match((await get(t, `/search?q=${encodeURIComponent('NEAR(x')}`)).text, /1 line\b/);
    assert.match((await get(t, '/search?q=%E0%A4%A')).text, /<h1>Search/);
    for (const page of ['abc', '-1', '0', '1.5', '99999999999', ''])
      assert.equal((await get(t, `/search?q=needle&page=${page}`)).status, 200, page);
    const empty = await get(t, '/search');
    assert.equal(empty.status, 200);
    assert.match(empty.text, /Type a word or two/);
  });

  it('shows matching rooms beside the lines, and the header searches both', async () => {
    const page = (await get(t, '/search?q=vim')).text;
    assert.match(page, /1 room</);
    assert.match(page, /href="\/room\/vim"/);
    const home = (await get(t, '/')).text;
    assert.match(home, /<form class="search" role="search" action="\/search"/);
    const rooms = (await get(t, '/?q=needle')).text;
    assert.match(rooms, /href="\/search\?q=needle"/, 'the room search links to the line search');
  });
});

describe('a database from before the search index', () => {
  const dataDir = tempDataDir();
  let t: TestServer;
  before(async () => {
    // The file as the previous version left it, lines and all, with no index.
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(databaseFile(dataDir));
    db.function('lingr_secret_key', { deterministic: true }, (s: unknown) => secretKey(String(s)));
    const previous = migrations.indexOf(addSearchIndex);
    for (const step of migrations.slice(0, previous))
      if (typeof step === 'string') db.exec(step);
      else step(db);
    db.pragma(`user_version = ${previous}`);
    db.prepare(
      "INSERT INTO rooms (id, name, is_public, timezone, created_at) VALUES ('then', 'Then', 1, 'UTC', ?)",
    ).run(START);
    const insert = db.prepare(
      `INSERT INTO messages (room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at)
       VALUES ('then', 'user', 'old', 'pub00001', 'Old Timer', ?, NULL, ?)`,
    );
    insert.run('said before the upgrade', START);
    insert.run('また明日', START + 1000);
    db.close();
    t = await startTestServer({}, dataDir);
  });
  after(() => t.stop());

  it('indexes the lines already there', async () => {
    assert.match((await get(t, '/search?q=upgrade')).text, /1 line\b[\s\S]*before the <mark>upgrade<\/mark>/);
    assert.match((await get(t, '/search?q=%E6%98%8E%E6%97%A5')).text, /また<mark>明日<\/mark>/);
  });
});
