import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { FrameworkClient, RawIrc } from './support/irc.js';
import { runLingr } from './support/process.js';
import { eventually, signedIn, startTestServer, type Json, type TestServer } from './support/server.js';

const PASSWORD = 'password1';
const BOT_SECRET = 'IrcBotSecret0123456789abcde';

/** A room owned by `owner`, with `members` joined. */
async function room(
  t: TestServer,
  id: string,
  owner: string,
  members: string[] = [],
  extra: { blurb?: string; isPublic?: boolean } = {},
): Promise<void> {
  await signedIn(t, owner);
  await t.admin.addRoom({ id, name: `${id.toUpperCase()} room`, owner, ...extra });
  for (const m of members) {
    await signedIn(t, m);
    await t.admin.join(id, m);
  }
}

async function messagesOf(t: TestServer, session: string, roomId: string): Promise<Json[]> {
  const shown = await t.api('room/show', { session, room: roomId });
  assert.equal(shown.status, 'ok', JSON.stringify(shown));
  return (shown.rooms as Json[])[0]!.messages as Json[];
}

async function roomsOf(t: TestServer, session: string): Promise<string[]> {
  return (await t.api('user/get_rooms', { session })).rooms as string[];
}

describe('IRC', () => {
  let t: TestServer;
  let port: number;
  const open: Array<{ close(): void }> = [];
  const raw = async (nick: string, caps: string[] = []) => {
    const c = await RawIrc.signIn(port, nick, PASSWORD, caps);
    open.push(c);
    return c;
  };
  const framework = async (options: Parameters<typeof FrameworkClient.connect>[1]) => {
    const c = await FrameworkClient.connect(port, options);
    open.push({ close: () => c.quit() });
    return c;
  };

  before(async () => {
    t = await startTestServer({ ircPort: '0', sayPerMinute: '100000', callsPerMinute: '100000' });
    port = t.server.ircPort as number;
    assert.ok(port > 0);
  });
  after(async () => {
    for (const c of open) c.close();
    await t.stop();
  });

  it('signs in with PASS, NICK and USER, and joins every room of the user with topic and names', async () => {
    await room(t, 'vim', 'alice', ['bob'], { blurb: 'All about Vim' });
    const alice = await framework({ nick: 'alice', username: 'alice', password: PASSWORD });
    assert.equal(alice.client.user.nick, 'alice');
    await alice.waitFor('join', (e) => e.channel === '#vim' && e.nick === 'alice');
    const topic = await alice.waitFor('topic', (e) => e.channel === '#vim');
    assert.equal(topic.topic, `VIM room — All about Vim — ${t.url}/room/vim`);
    const names = await alice.waitFor('userlist', (e) => e.channel === '#vim');
    // irc-framework asks for away-notify, so every member is listed: the owner as operator.
    const alices = names.users?.find((u) => u.nick === 'alice');
    assert.deepEqual(alices?.modes, ['o']);
    assert.deepEqual(names.users?.find((u) => u.nick === 'bob')?.modes, []);
    assert.ok(alice.rawLines().some((l) => / 353 alice = #vim :.*@alice/.test(l)));
  });

  it('signs in with SASL PLAIN, the nick becoming the username whatever the client asked for', async () => {
    await room(t, 'sasl', 'sasha');
    const c = await framework({ nick: 'someone_else', account: { account: 'sasha', password: PASSWORD } });
    assert.ok(c.of('loggedin').length > 0, 'no 900');
    assert.ok(
      c.rawLines().some((l) => / 903 /.test(l)),
      'no 903',
    );
    assert.equal(c.client.user.nick, 'sasha');
    await c.waitFor('join', (e) => e.channel === '#sasl');
  });

  it('answers a wrong password with 464 and closes, by PASS and by SASL alike', async () => {
    await signedIn(t, 'wrong');
    const c = await RawIrc.open(port);
    c.send('PASS not-the-password', 'NICK wrong', 'USER wrong 0 * :W');
    await c.waitFor(/^:\S+ 464 wrong :Password incorrect/);
    await c.waitFor(/^ERROR :/);
    await c.waitClosed();

    const none = await RawIrc.open(port);
    none.send('NICK wrong', 'USER wrong 0 * :W');
    await none.waitFor(/ 464 wrong :Password required/);
    await none.waitClosed();

    const sasl = await RawIrc.open(port);
    sasl.send('CAP LS 302', 'NICK wrong', 'USER wrong 0 * :W', 'CAP REQ :sasl');
    await sasl.waitFor(/ CAP \* LS :.*\bsasl=PLAIN\b/);
    await sasl.waitFor(/ CAP wrong ACK :sasl/);
    sasl.send('AUTHENTICATE PLAIN');
    await sasl.waitFor(/^AUTHENTICATE \+/);
    sasl.send(`AUTHENTICATE ${Buffer.from('wrong\0wrong\0nope-nope').toString('base64')}`);
    await sasl.waitFor(/ 904 wrong :SASL authentication failed/);
    // Registration without a sign-in is then refused as any other.
    sasl.send('CAP END');
    await sasl.waitFor(/ 464 wrong :Password required/);
    await sasl.waitClosed();
  });

  it('advertises the IRCv3 capabilities, and registration waits for CAP END', async () => {
    await signedIn(t, 'capper');
    const c = await RawIrc.open(port);
    open.push(c);
    c.send('CAP LS 302', 'PASS password1', 'NICK capper', 'USER capper 0 * :C');
    const ls = await c.waitFor(/ CAP \* LS :/);
    for (const cap of [
      'server-time',
      'message-tags',
      'echo-message',
      'sasl=PLAIN',
      'multi-prefix',
      'away-notify',
      'batch',
    ])
      assert.ok(ls.split(':').pop()!.split(' ').includes(cap), `${cap} missing from ${ls}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.matching(/ 001 /).length, 0, 'registered before CAP END');
    c.send('CAP REQ :server-time unknown-cap');
    await c.waitFor(/ CAP capper NAK :server-time unknown-cap/);
    c.send('CAP END');
    await c.waitFor(/ 001 capper :Welcome to Lingr/);
    const isupport = await c.waitFor(/ 005 /);
    for (const token of ['CHANTYPES=#', 'PREFIX=(o)@', 'NETWORK=Lingr', 'CASEMAPPING=ascii'])
      assert.ok(isupport.includes(token), `${token} missing from ${isupport}`);
    await c.waitFor(/ 376 /);
    assert.ok(
      c.matching(/ 372 .*Lingr .* at http:\/\/127\.0\.0\.1:\d+/).length > 0,
      'the MOTD names the server',
    );
  });

  it('gives the backlog on JOIN, with server-time in a chathistory batch when asked, plain otherwise', async () => {
    await room(t, 'history', 'hista', ['histb']);
    const b = await signedIn(t, 'histb');
    const said: Json[] = [];
    for (let i = 0; i < 35; i++)
      said.push(
        (await t.api('room/say', { session: b.session, room: 'history', text: `old line ${i}` }))
          .message as Json,
      );
    const c = await framework({ nick: 'hista', password: PASSWORD });
    const got = await eventually(() => {
      const lines = c.of('privmsg').filter((e) => e.target === '#history');
      assert.equal(lines.length, 30);
      return lines;
    });
    assert.deepEqual(
      got.map((e) => e.message),
      said.slice(5).map((m) => m.text),
    );
    // irc-framework turns server-time into `time`: each line carries the time it was said.
    assert.deepEqual(
      got.map((e) => Math.floor((e.time as number) / 1000)),
      said.slice(5).map((m) => Math.floor(Date.parse(m.timestamp as string) / 1000)),
    );
    assert.ok(got.every((e) => e.nick === 'histb'));
    assert.ok(c.rawLines().some((l) => /^:\S+ BATCH \+\S+ chathistory :?#history$/.test(l)));

    const plain = await raw('hista');
    const lines = await eventually(() => {
      const found = plain.matching(/PRIVMSG #history :old line/);
      assert.equal(found.length, 30);
      return found;
    });
    assert.ok(
      lines.every((l) => l.startsWith(':histb!histb@lingr PRIVMSG #history :old line')),
      lines[0],
    );
  });

  it('gives a client that reconnects the lines it missed, marked by server-time', async () => {
    await room(t, 'resume', 'roamer', ['stayer']);
    const stayer = await signedIn(t, 'stayer');
    const first = await raw('roamer', ['server-time']);
    await first.waitFor(/ 366 roamer #resume /);
    first.send('QUIT :train tunnel');
    await first.waitClosed();
    const said = (
      await t.api('room/say', { session: stayer.session, room: 'resume', text: 'while you were away' })
    ).message as Json;
    const again = await raw('roamer', ['server-time']);
    const line = await again.waitFor(/PRIVMSG #resume :while you were away$/);
    const time = /^@time=([^ ;]+)/.exec(line)?.[1];
    assert.ok(time, line);
    assert.equal(
      Math.floor(Date.parse(time) / 1000),
      Math.floor(Date.parse(said.timestamp as string) / 1000),
    );
  });

  it('carries lines both ways: said through the API they arrive, said on IRC the API shows them', async () => {
    await room(t, 'both', 'ways', ['other']);
    const other = await signedIn(t, 'other');
    const c = await framework({ nick: 'ways', password: PASSWORD });
    await c.waitFor('join', (e) => e.channel === '#both');
    await t.api('room/say', { session: other.session, room: 'both', text: 'hello from the web' });
    const heard = await c.waitFor('privmsg', (e) => e.message === 'hello from the web');
    assert.equal(heard.nick, 'other');
    assert.equal(heard.target, '#both');
    await eventually(() =>
      assert.ok(c.rawLines().some((l) => /:other!other@lingr PRIVMSG #both :hello from the web$/.test(l))),
    );

    c.client.say('#both', 'hello from IRC');
    c.client.notice('#both', 'a notice is a line too');
    c.client.say('#both', '\x01ACTION waves\x01');
    await eventually(async () => {
      const texts = (await messagesOf(t, other.session, 'both')).map(
        (m) => `${m.speaker_id as string}: ${m.text as string}`,
      );
      assert.deepEqual(texts.slice(-3), [
        'ways: hello from IRC',
        'ways: a notice is a line too',
        'ways: * waves',
      ]);
    });
    // Not echoed: the client did not ask for echo-message.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.of('privmsg').filter((e) => e.nick === 'ways').length, 0);
  });

  it('echoes own lines with echo-message, and shows lines said elsewhere by the same user', async () => {
    await room(t, 'echo', 'echoer');
    const web = await signedIn(t, 'echoer');
    const c = await framework({ nick: 'echoer', password: PASSWORD, enable_echomessage: true });
    assert.ok(c.client.network.cap.enabled.includes('echo-message'));
    await c.waitFor('join', (e) => e.channel === '#echo');
    c.client.say('#echo', 'echo me');
    const echoed = await c.waitFor('privmsg', (e) => e.message === 'echo me');
    assert.equal(echoed.nick, 'echoer');
    await t.api('room/say', { session: web.session, room: 'echo', text: 'from my browser' });
    await c.waitFor('privmsg', (e) => e.message === 'from my browser');
  });

  it("gives bots' lines as NOTICE from the bot", async () => {
    await room(t, 'botroom', 'botfan');
    const lingr = (...args: string[]) => {
      const r = runLingr([...args, '--data', t.dataDir]);
      assert.equal(r.status, 0, r.stderr);
    };
    lingr(
      'bot',
      'add',
      'helper',
      '--name',
      'Helper',
      '--callback',
      'http://127.0.0.1:9/hook',
      '--secret',
      BOT_SECRET,
    );
    lingr('room', 'add-bot', 'botroom', 'helper');
    const c = await framework({ nick: 'botfan', password: PASSWORD });
    await c.waitFor('join', (e) => e.channel === '#botroom');
    const verifier = createHash('sha1').update(`helper${BOT_SECRET}`).digest('hex');
    const pushed = await t.api('room/say', {
      room: 'botroom',
      bot: 'helper',
      bot_verifier: verifier,
      text: 'beep',
    });
    assert.equal(pushed.status, 'ok', JSON.stringify(pushed));
    const notice = await c.waitFor('notice', (e) => e.message === 'beep');
    assert.equal(notice.nick, 'helper');
    assert.equal(notice.target, '#botroom');
  });

  it('splits a 600-byte line at UTF-8 boundaries and a multi-line message into lines', async () => {
    await room(t, 'long', 'longa', ['longb']);
    const b = await signedIn(t, 'longb');
    const c = await raw('longa');
    await c.waitFor(/ 366 longa #long /);
    const text = 'あ'.repeat(150) + '😀'.repeat(37) + 'é';
    assert.equal(Buffer.byteLength(text), 600);
    const from = c.lines.length;
    await t.api('room/say', { session: b.session, room: 'long', text });
    const pieces = await eventually(() => {
      const found = c.matching(/^:longb!longb@lingr PRIVMSG #long :/, from);
      assert.equal(found.length, 2);
      return found;
    });
    for (const line of pieces)
      assert.ok(Buffer.byteLength(`${line}\r\n`) <= 512, `${Buffer.byteLength(line)} bytes`);
    assert.equal(pieces.map((l) => l.slice(':longb!longb@lingr PRIVMSG #long :'.length)).join(''), text);

    const next = c.lines.length;
    await t.api('room/say', { session: b.session, room: 'long', text: 'one\ntwo\n\nfour' });
    await eventually(() =>
      assert.deepEqual(
        c.matching(/PRIVMSG #long :/, next).map((l) => l.split(' :').slice(1).join(' :')),
        ['one', 'two', ' ', 'four'],
      ),
    );
  });

  it('answers NAMES, TOPIC, WHOIS, WHO, LIST and MODE as clients expect', async () => {
    await room(t, 'lobby', 'owner1', ['guest1'], { blurb: 'Say hi' });
    await room(t, 'hidden', 'owner1', [], { isPublic: false });
    const c = await framework({ nick: 'guest1', password: PASSWORD });
    await c.waitFor('join', (e) => e.channel === '#lobby');
    c.client.raw('NAMES #lobby');
    await c.waitFor(
      'userlist',
      (e) =>
        e.channel === '#lobby' && (e.users ?? []).some((u) => u.nick === 'owner1' && u.modes.includes('o')),
    );
    c.client.raw('TOPIC #lobby');
    await eventually(() => assert.equal(c.of('topic').filter((e) => e.channel === '#lobby').length, 2));

    c.client.whois('owner1');
    const whois = await c.waitFor('whois', (e) => e.nick === 'owner1');
    assert.equal(whois.real_name, 'Owner1');
    // The rooms the asker may see: not the private one.
    assert.equal(whois.channels, '@#lobby');
    assert.equal(typeof whois.idle, 'string');
    c.client.whois('nobody_here');
    await c.waitFor('whois', (e) => e.nick === 'nobody_here' && e.error === 'not_found');

    c.client.raw('WHO #lobby');
    const who = await c.waitFor('wholist', (e) => e.target === '#lobby');
    const users = who.users as unknown as Array<{ nick: string; away: boolean; channel_modes: string[] }>;
    assert.deepEqual(users.map((u) => u.nick).sort(), ['guest1', 'owner1']);
    assert.equal(users.find((u) => u.nick === 'owner1')?.away, true, 'owner1 is offline, so gone');
    assert.equal(users.find((u) => u.nick === 'guest1')?.away, false);

    c.client.list();
    await c.waitFor('channel list end');
    const listed = c
      .of('channel list')
      .flatMap((e) => e as unknown as Array<{ channel: string; num_users: number; topic: string }>);
    const lobby = listed.find((l) => l.channel === '#lobby');
    assert.equal(lobby?.num_users, 1);
    assert.equal(lobby?.topic, `LOBBY room — Say hi — ${t.url}/room/lobby`);
    assert.ok(!listed.some((l) => l.channel === '#hidden'), 'a private room was listed');

    const plain = await raw('guest1');
    const from = plain.lines.length;
    plain.send(
      'MODE #lobby',
      'MODE guest1',
      'MODE #lobby +o guest1',
      'USERHOST owner1 guest1',
      'ISON owner1 guest1',
    );
    await plain.waitFor(/ 324 guest1 #lobby :\+nt$/, from);
    await plain.waitFor(/ 221 guest1 :\+i$/, from);
    await plain.waitFor(/ 482 guest1 #lobby :/, from);
    await plain.waitFor(/ 302 guest1 :owner1=-owner1@lingr guest1=\+guest1@lingr$/, from);
    await plain.waitFor(/ 303 guest1 :guest1$/, from);
  });

  it('refuses a private room with 473 and an unknown one with 403', async () => {
    await room(t, 'private1', 'keeper', [], { isPublic: false });
    await signedIn(t, 'outsider');
    const c = await framework({ nick: 'outsider', password: PASSWORD });
    c.client.join('#private1');
    await c.waitFor('irc error', (e) => e.error === 'invite_only_channel' && e.channel === '#private1');
    c.client.join('#no_such_room');
    await c.waitFor('raw', (e) => / 403 outsider #no_such_room /.test(e.line ?? ''));
    assert.equal(c.of('join').filter((e) => e.nick === 'outsider').length, 0);
  });

  it('JOIN makes the user a member of a public room; PART unsubscribes, PART :leave leaves', async () => {
    await room(t, 'public1', 'founder');
    const user = await signedIn(t, 'joiner');
    const c = await framework({ nick: 'joiner', password: PASSWORD });
    c.client.join('#public1');
    await c.waitFor('join', (e) => e.channel === '#public1' && e.nick === 'joiner');
    assert.ok((await roomsOf(t, user.session)).includes('public1'));

    const founder = await signedIn(t, 'founder');
    await t.api('room/say', { session: founder.session, room: 'public1', text: 'while joined' });
    await c.waitFor('privmsg', (e) => e.message === 'while joined');

    c.client.part('#public1');
    await c.waitFor('part', (e) => e.channel === '#public1' && e.nick === 'joiner');
    assert.ok((await roomsOf(t, user.session)).includes('public1'), 'PART left the room');
    await t.api('room/say', { session: founder.session, room: 'public1', text: 'after part' });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!c.of('privmsg').some((e) => e.message === 'after part'), 'a parted channel still hears');

    c.client.join('#public1');
    await eventually(() =>
      assert.equal(c.of('join').filter((e) => e.channel === '#public1' && e.nick === 'joiner').length, 2),
    );
    // Joined again, the backlog has what was said meanwhile.
    await c.waitFor('privmsg', (e) => e.message === 'after part');
    c.client.part('#public1', 'leave');
    await eventually(async () => assert.ok(!(await roomsOf(t, user.session)).includes('public1')));
  });

  it('shows others going online and offline as JOIN and PART, or as AWAY with away-notify', async () => {
    await room(t, 'presence', 'watcher', ['comer']);
    const plain = await raw('watcher');
    await plain.waitFor(/ 366 watcher #presence /);
    // Without away-notify NAMES lists those online only.
    assert.ok(plain.matching(/ 353 watcher = #presence :@watcher$/).length > 0, plain.lines.join('\n'));
    const aware = await framework({ nick: 'watcher', password: PASSWORD });
    await aware.waitFor('join', (e) => e.channel === '#presence');

    const comer = await signedIn(t, 'comer');
    const from = plain.lines.length;
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/event/ws?session=${comer.session}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await plain.waitFor(/^:comer!comer@lingr JOIN :?#presence$/, from);
    await aware.waitFor('back', (e) => e.nick === 'comer');

    await t.api('session/set_presence', { session: comer.session, presence: 'offline' });
    await plain.waitFor(/^:comer!comer@lingr PART #presence :offline$/, from);
    await aware.waitFor('away', (e) => e.nick === 'comer' && e.message === 'offline');
    ws.close();
  });

  it('AWAY sets presence, and a connected IRC user is online for the web', async () => {
    await room(t, 'awayroom', 'sleepy', ['looker']);
    const looker = await signedIn(t, 'looker');
    const online = async () => {
      const shown = await t.api('room/show', { session: looker.session, room: 'awayroom' });
      const members = ((shown.rooms as Json[])[0]!.roster as Json).members as Json[];
      return members.find((m) => m.username === 'sleepy')?.is_online;
    };
    assert.equal(await online(), false);
    const c = await raw('sleepy');
    await eventually(async () => assert.equal(await online(), true));
    c.send('AWAY :gone fishing');
    await c.waitFor(/ 306 sleepy /);
    await eventually(async () => assert.equal(await online(), false));
    c.send('AWAY');
    await c.waitFor(/ 305 sleepy /);
    await eventually(async () => assert.equal(await online(), true));
    c.send('QUIT :bye');
    await c.waitClosed();
    await eventually(async () => assert.equal(await online(), false));
  });

  it('shows membership changes as JOIN and PART', async () => {
    await room(t, 'members', 'host1');
    const c = await raw('host1');
    await c.waitFor(/ 366 host1 #members /);
    const from = c.lines.length;
    const newbie = await signedIn(t, 'newbie');
    // Online while joining: a WebSocket stream keeps the session observing.
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/event/ws?session=${newbie.session}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await t.server.chat.rooms.join(await t.server.chat.accounts.session(newbie.session), 'members');
    await c.waitFor(/^:newbie!newbie@lingr JOIN :?#members$/, from);
    await t.server.chat.rooms.leave(await t.server.chat.accounts.session(newbie.session), 'members');
    await c.waitFor(/^:newbie!newbie@lingr PART #members :left the room$/, from);
    ws.close();
  });

  it('answers malformed input with errors and keeps serving', async () => {
    await room(t, 'garbage', 'messy');
    const c = await raw('messy');
    const from = c.lines.length;
    c.send('WHAT?? is this');
    await c.waitFor(/ 421 messy WHAT\?\? :Unknown command/, from);
    c.send('FROBNICATE #garbage');
    await c.waitFor(/ 421 messy FROBNICATE :Unknown command/, from);
    c.send(`PRIVMSG #garbage :${'x'.repeat(9000)}`);
    await c.waitFor(/ 417 messy :Input line was too long/, from);
    c.send(`PRIVMSG #garbage :${'y'.repeat(600)}`);
    await eventually(() => assert.equal(c.matching(/ 417 messy /, from).length, 2));
    c.send(
      Buffer.concat([
        Buffer.from('PRIVMSG #garbage :bad '),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('\r\n'),
      ]),
    );
    await c.waitFor(/FAIL PRIVMSG INVALID_UTF8 /, from);
    c.send(Buffer.from('PRIVMSG #garbage :nul\0here\r\n'));
    await c.waitFor(/ 400 messy PRIVMSG :Lines may not contain NUL/, from);
    c.send('JOIN', 'PRIVMSG #garbage', 'PRIVMSG');
    await eventually(() =>
      assert.equal(c.matching(/ 461 messy (JOIN|PRIVMSG) :Not enough parameters/, from).length, 3),
    );
    c.send('PRIVMSG #elsewhere :hi', 'PRIVMSG someone :hi');
    await c.waitFor(/ 404 messy #elsewhere :/, from);
    await c.waitFor(/ 401 messy someone :Lingr has no private messages/, from);
    c.send('PING :still-there');
    await c.waitFor(/ PONG \S+ :still-there$/, from);
    // Nothing of that was said in the room.
    const messy = await signedIn(t, 'messy');
    assert.equal((await messagesOf(t, messy.session, 'garbage')).length, 0);

    // A flood of garbage is cut off.
    const flood = await raw('messy');
    flood.send(...Array.from({ length: 100 }, (_, i) => `NONSENSE${i}`));
    await flood.waitFor(/^ERROR :Closing link: Too many errors/);
    await flood.waitClosed();
    // And the server still serves.
    const again = await raw('messy');
    again.send('PING :ok');
    await again.waitFor(/ PONG \S+ :ok$/);
  });

  it('refuses a nick change and keeps the username', async () => {
    await signedIn(t, 'steady');
    const c = await raw('steady');
    c.send('NICK somebody');
    await c.waitFor(/ 432 steady somebody :Your nick is your Lingr username/);
    c.send('NICK steady', 'PING :x');
    await c.waitFor(/ PONG \S+ :x$/);
    assert.equal(c.matching(/ NICK /).length, 0);
  });

  it('counts IRC clients in lingr_connections', async () => {
    await signedIn(t, 'counted');
    const before = await ircGauge(t.url);
    const c = await raw('counted');
    await eventually(async () => assert.equal(await ircGauge(t.url), before + 1));
    c.close();
    await eventually(async () => assert.equal(await ircGauge(t.url), before));
  });
});

async function ircGauge(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^lingr_connections\{transport="irc"\} (\d+)$/m.exec(text);
  assert.ok(m, 'no irc connections gauge');
  return Number(m[1]);
}
