import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databaseFile } from '../src/main.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { prepare, runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { eventually, getJson, tempDataDir, type Json } from './support/server.js';
import { openSocket, within } from './support/streams.js';

/** Every command of the operator's, with arguments that a fresh data directory can run. */
const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['user', 'add'],
  ['user', 'list'],
  ['user', 'show'],
  ['user', 'passwd'],
  ['user', 'rename'],
  ['user', 'delete'],
  ['user', 'admin'],
  ['room', 'add'],
  ['room', 'list'],
  ['room', 'show'],
  ['room', 'edit'],
  ['room', 'join'],
  ['room', 'leave'],
  ['room', 'delete'],
  ['room', 'add-bot'],
  ['room', 'remove-bot'],
  ['bot', 'add'],
  ['copy'],
  ['backup'],
  ['restore'],
  ['doctor'],
  ['serve'],
];

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A failure as every command says one: a non-zero exit and exactly one line on stderr, nothing on stdout. */
function failsInOneLine(
  r: { status: number | null; stdout: string; stderr: string },
  pattern?: RegExp,
): void {
  assert.notEqual(r.status, 0, `exit code of a failure (stdout: ${r.stdout})`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^lingr: [^\n]+\n$/, 'one line on stderr');
  if (pattern) assert.match(r.stderr, pattern);
}

describe('the operator’s user and room commands, against a running server', () => {
  const dataDir = tempDataDir();
  let server: ServerProcess | undefined;
  const lingr = (...args: string[]) => runLingr([...args, '--data', dataDir]);
  const lingrWith = (input: string, ...args: string[]) => runLingr([...args, '--data', dataDir], input);
  const json = (...args: string[]): Json => {
    const r = lingr(...args, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Json;
  };
  const api = (method: string, params: Record<string, string | number>) =>
    getJson(`${server!.url}/api/${method}`, params);
  const signIn = async (user: string, password = 'password1'): Promise<string> => {
    const r = await api('session/create', { user, password });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    return r.session as string;
  };

  before(async () => {
    prepare(dataDir, [
      ['user', 'add', 'alice', '--password', 'password1', '--name', 'Alice', '--email', 'alice@example.org'],
      ['user', 'add', 'bob', '--password', 'password1', '--name', 'Bob'],
      ['user', 'add', 'carol', '--password', 'password1', '--name', 'Carol'],
      ['user', 'add', 'dave', '--password', 'password1', '--name', 'Dave'],
      ['room', 'add', 'vim', '--name', 'Vim', '--owner', 'alice', '--tags', 'editor'],
      ['room', 'join', 'vim', 'bob'],
      ['room', 'join', 'vim', 'carol'],
      ['room', 'add', 'den', '--name', 'Den', '--owner', 'alice', '--private'],
    ]);
    server = await spawnServer(dataDir, ['--observe-hold', '20']);
  });
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists and shows users, in one line each or as JSON; guests only when asked', async () => {
    const store = openSqliteStore(databaseFile(dataDir));
    try {
      await store.users.create({
        username: 'guest_x1',
        name: 'Visitor',
        passwordHash: '!',
        createdAt: 1,
        guest: true,
      });
    } finally {
      await store.close();
    }
    const listed = lingr('user', 'list');
    assert.equal(listed.status, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^USERNAME\s+NAME\s+EMAIL\s+ROLE\s+SIGNED UP\s+ROOMS$/);
    assert.match(
      lines[1] ?? '',
      /^alice\s+Alice\s+alice@example\.org\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+2$/,
    );
    assert.ok(!listed.stdout.includes('guest_x1'), 'guests are left out');
    const users = json('user', 'list').users as Json[];
    assert.deepEqual(
      users.map((u) => u.username),
      ['alice', 'bob', 'carol', 'dave'],
    );
    const alice = users[0] as Json;
    assert.deepEqual(Object.keys(alice).sort(), [
      'admin',
      'created_at',
      'email',
      'guest',
      'name',
      'rooms',
      'username',
    ]);
    assert.deepEqual(
      [alice.email, alice.admin, alice.guest, alice.rooms],
      ['alice@example.org', false, false, 2],
    );
    assert.match(alice.created_at as string, ISO);
    const everyone = json('user', 'list', '--guests').users as Json[];
    assert.deepEqual(everyone.at(-1), {
      username: 'guest_x1',
      name: 'Visitor',
      email: null,
      admin: false,
      guest: true,
      created_at: new Date(1).toISOString(),
      rooms: 0,
    });

    const session = await signIn('alice');
    await api('room/subscribe', { session, room: 'vim' });
    const shown = lingr('user', 'show', 'alice');
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^alice \(Alice\)\n/);
    assert.match(shown.stdout, /\n {2}rooms: +vim \(owner\), den \(owner\)\n/);
    assert.match(shown.stdout, /\n {2}sessions: +1\n/);
    const details = json('user', 'show', 'alice');
    assert.equal(details.sessions, 1);
    assert.match(details.last_active_at as string, ISO, 'a session makes them active');
    assert.deepEqual(
      (details.rooms as Json[]).map((r) => [r.id, r.name, r.owner]),
      [
        ['vim', 'Vim', true],
        ['den', 'Den', true],
      ],
    );
    assert.equal('password_hash' in details || JSON.stringify(details).includes('$'), false, 'no hash shown');

    failsInOneLine(lingr('user', 'show', 'nobody'), /^lingr: No user "nobody"\.\n$/);
    failsInOneLine(lingr('user', 'show'), /user show needs exactly one USERNAME/);
    failsInOneLine(lingr('user', 'list', '--bogus'), /Unknown option '--bogus'/);
  });

  it('makes site administrators and takes it back, as user show and user list --json say', () => {
    const made = lingr('user', 'admin', 'bob');
    assert.deepEqual([made.status, made.stdout], [0, 'bob is now an administrator\n']);
    assert.equal(lingr('user', 'admin', 'bob').stdout, 'bob was already an administrator\n');
    assert.equal(json('user', 'show', 'bob').admin, true);
    assert.match(lingr('user', 'show', 'bob').stdout, /\n {2}administrator: yes\n/);
    const listed = json('user', 'list').users as Json[];
    assert.deepEqual(
      listed.filter((u) => u.admin === true).map((u) => u.username),
      ['bob'],
    );
    assert.match(lingr('user', 'list').stdout, /\nbob\s+Bob\s+-\s+admin\s/);
    assert.deepEqual(json('user', 'admin', 'bob', '--off'), { username: 'bob', admin: false, changed: true });
    assert.equal(json('user', 'show', 'bob').admin, false);
    failsInOneLine(lingr('user', 'admin', 'nobody'), /No user "nobody"/);
    failsInOneLine(lingr('user', 'admin', 'bob', '--on'), /Unknown option '--on'/);
  });

  it('user passwd --password-stdin: the new password signs in, the old one no longer, old sessions end', async () => {
    const before = await signIn('dave');
    assert.equal((await api('user/get_rooms', { session: before })).status, 'ok');
    const changed = lingrWith('a new password\n', 'user', 'passwd', 'dave', '--password-stdin');
    assert.equal(changed.status, 0, changed.stderr);
    assert.equal(changed.stdout, 'password of dave changed; 1 session signed out\n');
    const stale = await api('user/get_rooms', { session: before });
    assert.equal(stale.code, 'invalid_session', 'signed out at once, on the running server');
    const old = await api('session/create', { user: 'dave', password: 'password1' });
    assert.equal(old.code, 'invalid_user_credentials');
    const now = await signIn('dave', 'a new password');
    assert.equal((await api('user/get_rooms', { session: now })).status, 'ok');

    failsInOneLine(
      lingrWith('short\n', 'user', 'passwd', 'dave', '--password-stdin'),
      /^lingr: password must be 8 to 1024 characters\.\n$/,
    );
    failsInOneLine(
      lingrWith('', 'user', 'passwd', 'dave', '--password-stdin'),
      /standard input held no password/,
    );
    // Not a terminal, and not told to read standard input: nothing to ask with.
    failsInOneLine(lingrWith('', 'user', 'passwd', 'dave'), /--password-stdin/);
    failsInOneLine(
      lingrWith('password99\n', 'user', 'passwd', 'nobody', '--password-stdin'),
      /No user "nobody"/,
    );
    assert.equal(
      (await api('user/get_rooms', { session: now })).status,
      'ok',
      'a refused change signs nobody out',
    );
    const again = lingrWith('another password\r\n', 'user', 'passwd', 'dave', '--password-stdin', '--json');
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { username: 'dave', signed_out: 1 });
    assert.equal((await api('user/get_rooms', { session: now })).code, 'invalid_session');
    assert.equal((await api('session/create', { user: 'dave', password: 'another password' })).status, 'ok');
  });

  it('renames a user: their sessions say lines under the new name, rosters follow', async () => {
    const session = await signIn('bob');
    const renamed = lingr('user', 'rename', 'bob', '--name', 'Robert');
    assert.deepEqual([renamed.status, renamed.stdout], [0, 'bob renamed from Bob to Robert\n']);
    assert.equal(json('user', 'show', 'bob').name, 'Robert');
    // The running server takes the new name when the account change reaches it (it polls the file).
    await eventually(async () => {
      const said = await api('room/say', { session, room: 'vim', text: 'who am I?' });
      assert.equal((said.message as Json).nickname, 'Robert');
    });
    const alice = await signIn('alice');
    const shown = await api('room/show', { session: alice, room: 'vim' });
    const roster = ((shown.rooms as Json[])[0] as Json).roster as Json;
    assert.ok((roster.members as Json[]).some((m) => m.username === 'bob' && m.name === 'Robert'));
    assert.equal(lingr('user', 'rename', 'bob', '--name', 'Robert').stdout, 'bob was already named Robert\n');
    failsInOneLine(lingr('user', 'rename', 'bob', '--name', '   '), /nickname is empty/);
    failsInOneLine(lingr('user', 'rename', 'bob'), /user rename needs --name/);
  });

  it('deletes a signed-in user: their sessions end at once, streams and held observes too; their lines stay', async () => {
    const session = await signIn('carol');
    const counter = (await api('room/subscribe', { session, room: 'vim' })).counter as number;
    const said = await api('room/say', { session, room: 'vim', text: 'carol was here' });
    const line = said.message as Json;
    const socket = openSocket(
      `${server!.url.replace('http', 'ws')}/api/event/ws?session=${session}&counter=${counter}`,
    );
    await socket.opened;
    // Her line, and her coming online, reach the socket: what the held observe starts after.
    await eventually(() => assert.ok(socket.replies.length > 0 && socket.replies.at(-1)!.counter > counter));
    await new Promise((r) => setTimeout(r, 300));
    const head = socket.replies.at(-1)!.counter;
    let answered = false;
    const held = api('event/observe', { session, counter: head }).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(answered, false, 'the observe is held (20 s)');

    const deleted = lingr('user', 'delete', 'carol');
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'user carol deleted; left 1 room, 1 session signed out\n');
    const next = await api('user/get_rooms', { session });
    assert.equal(next.code, 'invalid_session', 'the very next call is refused');
    assert.deepEqual(await within(socket.closed, 'the WebSocket closing'), {
      code: 4000,
      reason: 'invalid_session',
    });
    const answer = await within(held, 'the held observe being answered');
    assert.equal(answer.status, 'ok');
    assert.equal((await api('event/observe', { session, counter: head })).code, 'invalid_session');

    // Her line stays, under the name she had; the pages mark it as a deleted user's.
    const alice = await signIn('alice');
    const room = ((await api('room/show', { session: alice, room: 'vim' })).rooms as Json[])[0] as Json;
    const kept = (room.messages as Json[]).find((m) => m.id === line.id) as Json;
    assert.deepEqual([kept.speaker_id, kept.nickname, kept.text], ['carol', 'Carol', 'carol was here']);
    assert.ok(!((room.roster as Json).members as Json[]).some((m) => m.username === 'carol'), 'she left');
    const page = await (await fetch(`${server!.url}/room/vim`)).text();
    const item = page.slice(page.indexOf(`id="message-${line.id as string}"`));
    assert.match(item.slice(0, item.indexOf('</li>')), /data-deleted="yes"[\s\S]*Carol[\s\S]*deleted user/);

    failsInOneLine(lingr('user', 'show', 'carol'), /No user "carol"/);
    failsInOneLine(lingr('user', 'delete', 'carol'), /No user "carol"/);
    failsInOneLine(lingr('user', 'add', 'carol', '--password', 'password1'), /User "carol" already exists/);
    assert.equal(
      (await api('session/create', { user: 'carol', password: 'password1' })).code,
      'invalid_user_credentials',
    );
    assert.ok(!(json('user', 'list').users as Json[]).some((u) => u.username === 'carol'));
  });

  it('lists and shows rooms, private ones too, in one line each or as JSON', () => {
    const listed = lingr('room', 'list');
    assert.equal(listed.status, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ROOM\s+NAME\s+VISIBILITY\s+OWNER\s+MEMBERS\s+CREATED$/);
    assert.match(lines[1] ?? '', /^vim\s+Vim\s+public\s+alice\s+2\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.match(lines[2] ?? '', /^den\s+Den\s+private\s+alice\s+1\s/);
    const rooms = json('room', 'list').rooms as Json[];
    assert.deepEqual(rooms[1], {
      id: 'den',
      name: 'Den',
      public: false,
      password: false,
      owner: 'alice',
      members: 1,
      tags: [],
      created_at: rooms[1]?.created_at,
    });
    assert.match(rooms[1]?.created_at as string, ISO);
    const shown = lingr('room', 'show', 'vim');
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^vim \(Vim\), public\n {2}owner: +alice\n/);
    assert.match(shown.stdout, /\n {2}members: +2: alice \(owner\), bob\n/);
    const vim = json('room', 'show', 'vim');
    assert.deepEqual(
      [vim.blurb, vim.tags, vim.timezone, vim.bots],
      [null, ['editor'], 'America/Los_Angeles', []],
    );
    assert.deepEqual(
      (vim.members as Json[]).map((m) => [m.username, m.owner]),
      [
        ['alice', true],
        ['bob', false],
      ],
    );
    failsInOneLine(lingr('room', 'show', 'nowhere'), /^lingr: No room "nowhere"\.\n$/);
    failsInOneLine(lingr('room', 'list', 'extra'), /room list takes no arguments/);
  });

  it('room edit changes settings; made private, the room closes to non-members on the running server at once', async () => {
    const dave = await signIn('dave', 'another password');
    const counter = (await api('room/subscribe', { session: dave, room: 'vim' })).counter as number;
    const socket = openSocket(
      `${server!.url.replace('http', 'ws')}/api/event/ws?session=${dave}&counter=${counter}`,
    );
    await socket.opened;
    const bob = await signIn('bob');

    const edited = lingr(
      'room',
      'edit',
      'vim',
      '--private',
      '--name',
      'Vim (members)',
      '--blurb',
      'Members only',
    );
    assert.equal(edited.status, 0, edited.stderr);
    assert.equal(edited.stdout, 'room vim changed: Vim (members), private\n');
    const refused = await api('room/show', { session: dave, room: 'vim' });
    assert.equal(refused.code, 'not_found', 'closed to a non-member at once');
    assert.equal((await api('room/subscribe', { session: dave, room: 'vim' })).code, 'not_found');
    const member = ((await api('room/show', { session: bob, room: 'vim' })).rooms as Json[])[0] as Json;
    assert.deepEqual([member.name, member.blurb, member.is_public], ['Vim (members)', 'Members only', false]);
    // His stream followed the room: it starts again without it (he resumes from his counter).
    assert.deepEqual(await within(socket.closed, 'the WebSocket being told to resubscribe'), {
      code: 4100,
      reason: 'resubscribe',
    });
    assert.equal(await (await fetch(`${server!.url}/room/vim`)).status, 404, 'nor do the pages show it');

    const settings = json(
      'room',
      'edit',
      'vim',
      '--public',
      '--name',
      'Vim',
      '--tags',
      'editor,vim',
      '--timezone',
      'Asia/Tokyo',
    );
    assert.deepEqual(settings, {
      id: 'vim',
      name: 'Vim',
      blurb: 'Members only',
      public: true,
      password: false,
      tags: ['editor', 'vim'],
      timezone: 'Asia/Tokyo',
    });
    assert.equal((await api('room/show', { session: dave, room: 'vim' })).status, 'ok', 'open again');
    assert.deepEqual(json('room', 'edit', 'vim', '--tags', '').tags, [], '--tags "" takes every tag away');

    failsInOneLine(
      lingr('room', 'edit', 'vim', '--timezone', 'Mars/Olympus'),
      /Unknown timezone "Mars\/Olympus"/,
    );
    failsInOneLine(lingr('room', 'edit', 'vim', '--private', '--public'), /--private or --public, not both/);
    failsInOneLine(lingr('room', 'edit', 'vim'), /room edit needs something to change/);
    failsInOneLine(lingr('room', 'edit', 'nowhere', '--name', 'X'), /No room "nowhere"/);
  });

  it('room leave takes a member out; room delete removes a room with its lines, on the running server too', async () => {
    const bob = await signIn('bob');
    assert.deepEqual((await api('user/get_rooms', { session: bob })).rooms, ['vim']);
    const left = lingr('room', 'leave', 'vim', 'bob');
    assert.deepEqual([left.status, left.stdout], [0, 'bob left vim\n']);
    assert.deepEqual((await api('user/get_rooms', { session: bob })).rooms, []);
    assert.deepEqual(json('room', 'leave', 'vim', 'bob'), { room: 'vim', username: 'bob', left: false });
    failsInOneLine(lingr('room', 'leave', 'vim', 'nobody'), /No user "nobody"/);
    failsInOneLine(lingr('room', 'leave', 'nowhere', 'bob'), /No room "nowhere"/);
    failsInOneLine(lingr('room', 'leave', 'vim'), /room leave needs ROOM_ID and USERNAME/);

    const alice = await signIn('alice');
    await api('room/say', { session: alice, room: 'den', text: 'soon gone' });
    const gone = lingr('room', 'delete', 'den');
    assert.deepEqual([gone.status, gone.stdout], [0, 'room den deleted\n']);
    assert.equal((await api('room/show', { session: alice, room: 'den' })).code, 'not_found');
    assert.deepEqual((await api('user/get_rooms', { session: alice })).rooms, ['vim']);
    assert.ok(!(json('room', 'list').rooms as Json[]).some((r) => r.id === 'den'));
    failsInOneLine(lingr('room', 'delete', 'den'), /No room "den"/);
  });

  it('every command’s --help shows its usage and an example; bad arguments fail before any store is opened', () => {
    for (const command of COMMANDS) {
      const help = runLingr([...command, '--help']);
      assert.equal(help.status, 0, `${command.join(' ')} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`^Usage: lingr ${command.join(' ')}`), command.join(' '));
      const example = help.stdout.split('\nExample:\n')[1] ?? '';
      assert.ok(example.includes(`lingr ${command.join(' ')}`), `${command.join(' ')}: an example`);
    }
    for (const group of ['user', 'room', 'bot']) {
      const help = runLingr([group, '--help']);
      assert.equal(help.status, 0);
      assert.match(help.stdout, new RegExp(`^Usage: lingr ${group} COMMAND`));
      assert.match(help.stdout, /\n {6}e\.g\. /);
    }
    const top = runLingr(['--help']);
    for (const command of COMMANDS)
      assert.ok(top.stdout.includes(`lingr ${command.join(' ')}`), command.join(' '));

    const nowhere = join(dataDir, 'not-made');
    const wrong = (...args: string[]) => runLingr([...args, '--data', nowhere]);
    failsInOneLine(wrong('user', 'frobnicate'), /unknown command "user frobnicate"/);
    failsInOneLine(wrong('user'), /user needs a command/);
    failsInOneLine(wrong('user', 'show', 'a', 'b'), /not also "b"/);
    failsInOneLine(wrong('user', 'list', '--name', 'x'), /Unknown option '--name'/);
    failsInOneLine(wrong('room', 'add', 'x'), /room add needs --name/);
    failsInOneLine(wrong('room', 'join', 'x'), /room join needs ROOM_ID and USERNAME/);
    failsInOneLine(wrong('bot', 'add', 'x', '--name', 'X'), /bot add needs --name and --callback/);
    assert.equal(existsSync(nowhere), false, 'no data directory made for a command that was never run');
  });
});
