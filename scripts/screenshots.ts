import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '../test/support/browser.js';
import type { Language } from '../src/core/model.js';
import { signedIn, startTestServer, type TestServer } from '../test/support/server.js';

/** Renders the main pages with demo data in Debian's Chromium and writes PNGs to docs/screenshots/. */
const OUT = new URL('../../docs/screenshots/', import.meta.url);

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  // The demo bot answers from this machine, which servers refuse to call unless told otherwise.
  const t = await startTestServer({ allowPrivateCallbacks: 'true' });
  const browser = await launchChromium();
  try {
    for (const [username, name] of [
      ['alice', 'Alice'],
      ['bob', 'Bob'],
      ['carol', 'Carol'],
    ] as const)
      await t.admin.addUser({ username, password: 'password1', name });
    await t.admin.addRoom({
      id: 'vim',
      name: 'Vim',
      blurb: 'All about Vim: plugins, tips, and :help. Newcomers welcome — ask anything.',
      owner: 'alice',
      tags: ['editor', 'vim', 'unix'],
      timezone: 'Asia/Tokyo',
    });
    await t.admin.addRoom({ id: 'emacs', name: 'Emacs', blurb: 'M-x talk', tags: ['editor', 'lisp'] });
    await t.admin.addRoom({
      id: 'perl_jp',
      name: 'Perl JP',
      blurb: 'Perl in Japanese',
      tags: ['perl', 'japan'],
    });
    await t.admin.addRoom({ id: 'computer_science', name: 'Computer Science', tags: ['cs', 'unix'] });
    // A line from the day before, so the room shows a day divider.
    const yesterday = Date.now() - 24 * 60 * 60 * 1000;
    await t.adminStore.messages.append({
      roomId: 'vim',
      type: 'user',
      speakerId: 'carol',
      publicSessionId: 'demo',
      nickname: 'Carol',
      text: 'Anyone around for a :help marathon tomorrow?',
      localId: null,
      createdAt: yesterday,
    });
    await t.admin.join('emacs', 'alice');
    const lines: Array<[string, string]> = [
      ['alice', 'Good morning! Anyone tried the new :terminal mode?'],
      ['bob', 'Yes, it replaced tmux for me.\nStill miss copy mode though.'],
      ['carol', 'There is a good write-up here: https://example.org/vim-terminal'],
      ['alice', 'Thanks, reading it now.'],
      ['bob', 'Pro tip: <C-\\><C-n> gets you back to normal mode.'],
      ['carol', '@alice you asked about :terminal yesterday: see above'],
    ];
    const sessions = new Map<string, string>();
    for (const [user] of lines)
      if (!sessions.has(user)) sessions.set(user, (await signedIn(t, user, ['vim'])).session);
    for (const [user, text] of lines)
      await t.api('room/say', { session: sessions.get(user) as string, room: 'vim', text });
    await japaneseRoom(t);
    for (const text of ['Emacs 30 is out', 'Anyone tried the new tree-sitter modes?'])
      await t.api('room/say', {
        session: (await signedIn(t, 'carol', ['emacs'])).session,
        room: 'emacs',
        text,
      });
    for (const session of sessions.values()) {
      await t.api('room/subscribe', { session, room: 'vim' });
      void t.api('event/observe', { session, counter: 99_999_999 });
    }
    const shots: Array<[string, string, number, number?, Language?]> = [
      ['explore', '/', 1200],
      ['signin', '/signin', 1200],
      ['room', '/room/vim', 1280, 800],
      // The same page for a Japanese reader, in a room where people talk in Japanese.
      ['room-ja', '/room/vim_jp', 1280, 800, 'ja'],
      ['room-phone', '/room/vim', 390, 844],
      ['archives', '/room/vim/archives', 1200],
      ['search', '/search?q=terminal', 1200],
      ['members', '/room/vim/members', 1200],
    ];
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' })
      .format(Date.now())
      .replace(/-/g, '/');
    shots.push(['archives-day', `/room/vim/archives/${day}`, 1200]);
    const shoot = async (
      name: string,
      path: string,
      width: number,
      height?: number,
      lang: Language = 'en',
    ) => {
      const words = SIGN_IN[lang];
      // The browser asks for the page's language, as a Japanese reader's does.
      const context = await browser.newContext({
        viewport: { width, height: height ?? 800 },
        locale: words.locale,
      });
      const tab = await context.newPage();
      if (name.startsWith('room') || name === 'members' || name === 'bot-page') {
        // The room as a signed-in member (its owner) sees it: live, with the message box.
        await tab.goto(`${t.url}/signin`);
        await tab.getByLabel(words.username).fill(words.who);
        await tab.getByLabel(words.password).fill('password1');
        await tab.getByRole('button', { name: words.signIn }).click();
        await tab.waitForURL(`${t.url}/`);
      }
      await tab.goto(`${t.url}${path}`);
      if (name.startsWith('room')) await tab.locator('.connection[data-state="live"]').waitFor();
      // The room fills the window (its conversation scrolls inside); other pages are shot whole.
      await tab.screenshot({ path: new URL(`${name}.png`, OUT).pathname, fullPage: height === undefined });
      await context.close();
      console.log(`docs/screenshots/${name}.png`);
    };
    for (const [name, path, width, height, lang] of shots) await shoot(name, path, width, height, lang);
    // A blog on another origin (localhost rather than 127.0.0.1) with the room's badge pasted in.
    const roomPage = await (await fetch(`${t.url}/room/vim`)).text();
    const snippet = (/<textarea id="badge-snippet"[^>]*>([^<]*)<\/textarea>/.exec(roomPage)?.[1] ?? '')
      .trim()
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    const blog = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><title>Notes from the terminal</title>
        <body style="font:16px/1.6 Georgia,serif;max-width:760px;margin:40px auto;display:flex;gap:32px">
        <article><h1>Notes from the terminal</h1><p>This week I moved my whole workflow into Vim's terminal mode.
        Come and talk about it in the room on the right: it is live.</p></article><aside>${snippet}</aside></body>`);
    });
    await new Promise<void>((resolve) => blog.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext({ viewport: { width: 1100, height: 480 } });
    const tab = await context.newPage();
    await tab.goto(`http://localhost:${(blog.address() as AddressInfo).port}/`);
    await tab.frameLocator('iframe').getByText('Pro tip').waitFor();
    await tab.screenshot({ path: new URL('blog-badge.png', OUT).pathname });
    console.log('docs/screenshots/blog-badge.png');
    blog.close();

    // A bot of Alice's in the room: Bob asks it something, and its answer comes back as the bot's line.
    const helper = await helpBot();
    const alice = await t.server.chat.accounts.session(sessions.get('alice') as string, false);
    await t.server.chat.bots.register(
      { userId: alice.userId },
      { id: 'vimhelp', name: 'Vim Help', callbackUrl: helper.url },
    );
    await t.server.chat.bots.addToRoom({ userId: alice.userId }, 'vim', 'vimhelp');
    await t.api('room/say', { session: sessions.get('bob') as string, room: 'vim', text: '!help terminal' });
    for (let i = 0; i < 100; i++) {
      const shown = await t.api('room/show', { session: sessions.get('alice') as string, room: 'vim' });
      const rooms = shown.rooms as Array<{ messages: Array<{ type: string }> }>;
      if (rooms[0]?.messages.some((m) => m.type === 'bot')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await shoot('room-with-bot', '/room/vim', 1280, 800);
    await shoot('bot-page', '/bot/vimhelp', 1200);
    helper.server.close();
  } finally {
    await browser.close();
    await t.stop();
  }
}

/** How each language's sign-in form names its fields, and whose room is shot in it. */
const SIGN_IN = {
  en: { locale: 'en-US', username: 'Username', password: 'Password', signIn: 'Sign in', who: 'alice' },
  ja: {
    locale: 'ja-JP',
    username: 'ユーザー名',
    password: 'パスワード',
    signIn: 'サインイン',
    who: 'hanako',
  },
} as const;

/** A room where people talk in Japanese, as Lingr's busiest rooms did: a day of lines, one of them from yesterday. */
async function japaneseRoom(t: TestServer): Promise<void> {
  for (const [username, name] of [
    ['hanako', 'はなこ'],
    ['taro', 'たろう'],
    ['kenji', 'けんじ'],
  ] as const)
    await t.admin.addUser({ username, password: 'password1', name });
  await t.admin.addRoom({
    id: 'vim_jp',
    name: 'Vim 日本語',
    blurb: 'Vim の使い方、プラグイン、:help の読み方まで。初めての方も気軽に質問してください。',
    owner: 'hanako',
    tags: ['vim', 'エディタ', '日本語'],
    timezone: 'Asia/Tokyo',
  });
  const yesterday = Date.now() - 24 * 60 * 60 * 1000;
  await t.adminStore.messages.append({
    roomId: 'vim_jp',
    type: 'user',
    speakerId: 'kenji',
    publicSessionId: 'demo',
    nickname: 'けんじ',
    text: '明日、:help を読む会をやりませんか？',
    localId: null,
    createdAt: yesterday,
  });
  const lines: Array<[string, string]> = [
    ['hanako', 'おはようございます！新しい :terminal モード、もう試しましたか？'],
    ['taro', '試しました。tmux の代わりに使っています。\nコピーモードがないのだけ少し不便です。'],
    ['kenji', 'わかりやすい解説がありました: https://example.org/vim-terminal'],
    ['hanako', 'ありがとうございます、読んでみます。'],
    ['taro', '小技：<C-\\><C-n> でノーマルモードに戻れます。'],
    ['kenji', '@hanako 昨日 :terminal のことを聞いていましたよね。上のリンクをどうぞ'],
  ];
  const sessions = new Map<string, string>();
  for (const [user] of lines)
    if (!sessions.has(user)) sessions.set(user, (await signedIn(t, user, ['vim_jp'])).session);
  for (const [user, text] of lines)
    await t.api('room/say', { session: sessions.get(user) as string, room: 'vim_jp', text });
  for (const session of sessions.values()) {
    await t.api('room/subscribe', { session, room: 'vim_jp' });
    void t.api('event/observe', { session, counter: 99_999_999 });
  }
}

/** A small webhook bot on this machine: it answers `!help <topic>` with where Vim's help says it. */
async function helpBot(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = (JSON.parse(body) as { events: Array<{ message?: { text: string } }> }).events[0];
      const topic = /^!help\s+(\S+)/.exec(event?.message?.text ?? '')?.[1];
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(topic ? `*${topic}* is in :help ${topic}\nhttps://vimhelp.org/${topic}.txt.html` : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

await main();
