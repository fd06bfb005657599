import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { signedIn, startTestServer } from '../test/support/server.js';

/** Renders the main pages with demo data in Debian's Chromium and writes PNGs to docs/screenshots/. */
const OUT = new URL('../../docs/screenshots/', import.meta.url);
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const t = await startTestServer();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
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
    const lines: Array<[string, string]> = [
      ['alice', 'Good morning! Anyone tried the new :terminal mode?'],
      ['bob', 'Yes, it replaced tmux for me.\nStill miss copy mode though.'],
      ['carol', 'There is a good write-up here: https://example.org/vim-terminal'],
      ['alice', 'Thanks, reading it now.'],
      ['bob', 'Pro tip: <C-\\><C-n> gets you back to normal mode.'],
    ];
    const sessions = new Map<string, string>();
    for (const [user] of lines)
      if (!sessions.has(user)) sessions.set(user, (await signedIn(t, user, ['vim'])).session);
    for (const [user, text] of lines)
      await t.api('room/say', { session: sessions.get(user) as string, room: 'vim', text });
    for (const session of sessions.values()) {
      await t.api('room/subscribe', { session, room: 'vim' });
      void t.api('event/observe', { session, counter: 99_999_999 });
    }
    const shots: Array<[string, string, number]> = [
      ['explore', '/', 1200],
      ['signin', '/signin', 1200],
      ['room', '/room/vim', 1200],
      ['room-phone', '/room/vim', 390],
      ['archives', '/room/vim/archives', 1200],
    ];
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' })
      .format(Date.now())
      .replace(/-/g, '/');
    shots.push(['archives-day', `/room/vim/archives/${day}`, 1200]);
    for (const [name, path, width] of shots) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const tab = await context.newPage();
      if (name.startsWith('room')) {
        // The room as a signed-in member sees it: live, with the message box.
        await tab.goto(`${t.url}/signin`);
        await tab.getByLabel('Username').fill('alice');
        await tab.getByLabel('Password').fill('password1');
        await tab.getByRole('button', { name: 'Sign in' }).click();
        await tab.waitForURL(`${t.url}/`);
      }
      await tab.goto(`${t.url}${path}`);
      if (name.startsWith('room')) await tab.getByRole('status').getByText('Live').waitFor();
      await tab.screenshot({ path: new URL(`${name}.png`, OUT).pathname, fullPage: true });
      await context.close();
      console.log(`docs/screenshots/${name}.png`);
    }
  } finally {
    await browser.close();
    await t.stop();
  }
}

await main();
