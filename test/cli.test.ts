import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { databaseFile } from '../src/main.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';

describe('the lingr admin command line', () => {
  const dataDir = tempDataDir();
  let server: ServerProcess | undefined;
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const lingr = (...args: string[]) => runLingr([...args, '--data', dataDir]);

  it('adds users and rooms with exit code 0 and refuses bad input with one clear line', () => {
    const ok = lingr('user', 'add', 'alice', '--password', 'password1', '--name', 'Alice Liddell');
    assert.equal(ok.status, 0, ok.stderr);
    const dup = lingr('user', 'add', 'alice', '--password', 'password1');
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /^lingr: .*already exists.*\n$/);
    const short = lingr('user', 'add', 'bob', '--password', 'x');
    assert.notEqual(short.status, 0);
    assert.match(short.stderr, /password/);
    const badId = lingr('user', 'add', 'bad name!', '--password', 'password1');
    assert.notEqual(badId.status, 0);
    const room = lingr(
      'room',
      'add',
      'perl_jp',
      '--name',
      'Perl JP',
      '--blurb',
      'Perl',
      '--owner',
      'alice',
      '--tags',
      'perl,japan',
      '--timezone',
      'Asia/Tokyo',
      '--private',
    );
    assert.equal(room.status, 0, room.stderr);
    const tz = lingr('room', 'add', 'x', '--name', 'X', '--timezone', 'Mars/Olympus');
    assert.notEqual(tz.status, 0);
    assert.match(tz.stderr, /timezone/);
    const missing = lingr('room', 'join', 'nowhere', 'alice');
    assert.notEqual(missing.status, 0);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    const usage = runLingr(['frobnicate']);
    assert.notEqual(usage.status, 0);
    // Store and bus URLs are checked before anything is opened; a password in one is never printed.
    const mysql = lingr(
      'user',
      'add',
      'carol',
      '--password',
      'password1',
      '--database',
      'mysql://u:secret@h/db',
    );
    assert.notEqual(mysql.status, 0);
    assert.match(mysql.stderr, /^lingr: --database \(LINGR_DATABASE\) must look like postgres:\/\/.*\n$/);
    assert.doesNotMatch(mysql.stderr, /secret/);
    const redis = lingr('room', 'join', 'perl_jp', 'alice', '--redis', 'http://127.0.0.1:6379');
    assert.notEqual(redis.status, 0);
    assert.match(redis.stderr, /^lingr: --redis \(LINGR_REDIS\) must look like redis:\/\/HOST:PORT/);
  });

  it('adds a user with an email, refusing a malformed one and one already taken in any case', async () => {
    const ok = lingr('user', 'add', 'erin', '--password', 'password1', '--email', ' Erin@Example.org ');
    assert.equal(ok.status, 0, ok.stderr);
    const store = openSqliteStore(databaseFile(dataDir));
    try {
      assert.equal((await store.users.byUsername('erin'))?.email, 'Erin@Example.org', 'trimmed, case kept');
    } finally {
      await store.close();
    }
    const taken = lingr('user', 'add', 'erin2', '--password', 'password1', '--email', 'erin@EXAMPLE.org');
    assert.equal(taken.status, 1);
    assert.equal(taken.stderr, 'lingr: That email address is already in use.\n');
    const malformed = lingr('user', 'add', 'erin3', '--password', 'password1', '--email', 'erin.example.org');
    assert.equal(malformed.status, 1);
    assert.match(malformed.stderr, /^lingr: email must contain exactly one "@".*\n$/);
    const none = lingr('user', 'add', 'erin4', '--password', 'password1');
    assert.equal(none.status, 0, 'the email is optional');
  });

  it('changes made while the server runs are seen at once', async () => {
    server = await spawnServer(dataDir);
    const api = (m: string, p: Record<string, string | number>) => getJson(`${server!.url}/api/${m}`, p);
    assert.equal(lingr('user', 'add', 'bob', '--password', 'password1').status, 0);
    const created = await api('session/create', { user: 'bob', password: 'password1' });
    assert.equal(created.status, 'ok', 'a user added while the server runs can sign in');
    const session = created.session as string;
    assert.deepEqual((await api('user/get_rooms', { session })).rooms, []);
    assert.equal(lingr('room', 'add', 'live', '--name', 'Live').status, 0);
    assert.equal(lingr('room', 'join', 'live', 'bob').status, 0);
    assert.deepEqual((await api('user/get_rooms', { session })).rooms, ['live']);
    const shown = await api('room/show', { session, room: 'perl_jp' });
    assert.equal(shown.code, 'not_found', 'a private room stays closed to non-members');
    assert.equal(lingr('room', 'join', 'perl_jp', 'bob').status, 0);
    const now = await api('room/show', { session, room: 'perl_jp' });
    assert.equal(((now.rooms as Json[])[0] as Json).name, 'Perl JP');
  });
});

/** The smallest PNG: one transparent pixel. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
  'hex',
);

describe('the lingr bot commands', () => {
  const dataDir = tempDataDir();
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const lingr = (...args: string[]) => runLingr([...args, '--data', dataDir]);

  it('registers a bot, printing a made secret alone on stdout, and puts it in and out of rooms', async () => {
    assert.equal(lingr('room', 'add', 'vim', '--name', 'Vim').status, 0);
    const made = lingr('bot', 'add', 'vim_jp', '--name', 'vim-jp', '--callback', 'https://bot.example/hook');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /^[0-9A-Za-z]{27}\n$/, 'the secret alone, for SECRET=$(lingr bot add …)');
    const given = lingr(
      'bot',
      'add',
      'given',
      '--name',
      'Given',
      '--callback',
      'http://bot.example/',
      '--secret',
      'mysecret99',
    );
    assert.equal(given.status, 0, given.stderr);
    assert.equal(given.stdout, 'bot given added\n');
    const iconFile = join(dataDir, 'bot.png');
    writeFileSync(iconFile, PNG);
    const pictured = lingr(
      'bot',
      'add',
      'pic',
      '--name',
      'Pic',
      '--callback',
      'http://bot.example/',
      '--icon',
      iconFile,
    );
    assert.equal(pictured.status, 0, pictured.stderr);
    const store = openSqliteStore(databaseFile(dataDir));
    try {
      assert.deepEqual(await store.bots.icon('pic'), { type: 'image/png', bytes: PNG });
      assert.equal((await store.bots.byId('vim_jp'))?.secret, made.stdout.trim());
      assert.equal((await store.bots.byId('given'))?.secret, 'mysecret99');
    } finally {
      await store.close();
    }
    const add = lingr('room', 'add-bot', 'vim', 'vim_jp');
    assert.equal(add.stdout, 'bot vim_jp added to vim\n');
    assert.equal(lingr('room', 'add-bot', 'vim', 'vim_jp').stdout, 'bot vim_jp was already in vim\n');
    assert.equal(lingr('room', 'remove-bot', 'vim', 'vim_jp').stdout, 'bot vim_jp removed from vim\n');
    assert.equal(lingr('room', 'remove-bot', 'vim', 'vim_jp').stdout, 'bot vim_jp was not in vim\n');
  });

  it('refuses bad bot input with one clear line and a non-zero exit', () => {
    const cases: Array<[string[], RegExp]> = [
      [['bot', 'add', 'nameless', '--callback', 'http://bot.example/'], /needs --name and --callback/],
      [['bot', 'add', 'bad id!', '--name', 'X', '--callback', 'http://bot.example/'], /bot id/],
      [['bot', 'add', 'ftp', '--name', 'X', '--callback', 'ftp://bot.example/'], /http/],
      [['bot', 'add', 'vim_jp', '--name', 'Again', '--callback', 'http://bot.example/'], /already/],
      [
        ['bot', 'add', 'short', '--name', 'X', '--callback', 'http://bot.example/', '--secret', 'abc'],
        /secret/,
      ],
      [
        [
          'bot',
          'add',
          'pic',
          '--name',
          'X',
          '--callback',
          'http://bot.example/',
          '--icon',
          '/nonexistent.png',
        ],
        /icon/,
      ],
      [['room', 'add-bot', 'vim', 'ghost'], /No bot "ghost"/],
      [['room', 'add-bot', 'nowhere', 'vim_jp'], /No room "nowhere"/],
      [['room', 'add-bot', 'vim'], /needs ROOM_ID and BOT_ID/],
    ];
    for (const [args, reason] of cases) {
      const r = lingr(...args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, /^lingr: .*\n$/, args.join(' '));
      assert.match(r.stderr, reason, args.join(' '));
    }
  });

  it('takes --allow-private-callbacks bare or with a value, and says so in serve --help', () => {
    const help = runLingr(['serve', '--help']);
    assert.match(help.stdout, /--allow-private-callbacks\s+LINGR_ALLOW_PRIVATE_CALLBACKS/);
    const bad = runLingr(['serve', '--allow-private-callbacks=maybe', '--data', dataDir, '--port', '0']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /true or false/);
  });
});
