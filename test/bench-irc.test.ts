import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lingrTarget } from '../bench/load/lingr/index.js';
import { IRC, ircUrl } from '../bench/load/lingr/irc.js';
import { benchLine } from '../bench/load/protocol.js';
import type { Subscriber } from '../bench/load/target.js';
import { BENCH_PASSWORD, benchUser, SPEAKER } from '../bench/users.js';
import { eventually, startTestServer, type TestServer } from './support/server.js';

const ROOM = 'benchirc';
/** u0 is a member of the room, u1 is not (the room is public), u2 and the speaker are members. */
const USERS = 3;

interface Opened {
  subscriber: Subscriber;
  lines: string[];
  errors: Error[];
}

/** The IRC benchmark target's subscribers against a real server's IRC port, lines said over HTTP. */
describe('the lingr-irc benchmark target', () => {
  let t: TestServer;
  let say: (text: string) => Promise<void>;
  const target = lingrTarget(IRC, { users: USERS, firstUser: 0, password: BENCH_PASSWORD });

  const open = async (index: number, room = ROOM, via = target): Promise<Opened> => {
    const lines: string[] = [];
    const errors: Error[] = [];
    const subscriber = await via.subscribe({
      url: ircUrl('127.0.0.1', t.server.ircPort as number),
      localAddress: '127.0.0.1',
      room,
      index,
      onLine: (text) => lines.push(text),
      onError: (err) => errors.push(err),
    });
    return { subscriber, lines, errors };
  };

  before(async () => {
    t = await startTestServer({ ircPort: '0', callsPerMinute: '1000000', sayPerMinute: '1000000' });
    await t.admin.addUser({ username: SPEAKER, password: BENCH_PASSWORD });
    for (let n = 0; n < USERS; n++)
      await t.admin.addUser({ username: benchUser(n), password: BENCH_PASSWORD });
    await t.admin.addRoom({ id: ROOM, name: 'Bench IRC' });
    await t.admin.addRoom({ id: 'sealed', name: 'Sealed', isPublic: false });
    for (const user of [SPEAKER, benchUser(0), benchUser(2)]) await t.admin.join(ROOM, user);
    say = await target.publisher(t.url, ROOM, '127.0.0.1');
  });
  after(() => t.stop());

  it("counts the room's lines said after it joined, not the replay of the lines before", async () => {
    await say('said before it came');
    await say(benchLine(900, 1));
    const a = await open(0);
    await say(benchLine(0, 1));
    await say(benchLine(1, 1));
    await eventually(() => assert.deepEqual(a.lines, [benchLine(0, 1), benchLine(1, 1)]));
    assert.deepEqual(a.errors, []);
    a.subscriber.close();
  });

  it('joins a public room its user is not in yet, and hears it from then on', async () => {
    const b = await open(1);
    await say(benchLine(2, 1));
    await eventually(() => assert.deepEqual(b.lines, [benchLine(2, 1)]));
    assert.deepEqual(b.errors, []);
    b.subscriber.close();
  });

  it('on a reconnect takes from the replay what it missed, every line once and in order', async () => {
    const c = await open(2);
    await say(benchLine(10, 1));
    await eventually(() => assert.deepEqual(c.lines, [benchLine(10, 1)]));
    // Lines said while it reconnects come in the replay or live, depending on the moment: once either way.
    const reconnected = c.subscriber.reconnect();
    await say(benchLine(11, 1));
    await say(benchLine(12, 1));
    await reconnected;
    await say(benchLine(13, 1));
    const expected = [10, 11, 12, 13].map((seq) => benchLine(seq, 1));
    await eventually(() => assert.deepEqual(c.lines, expected));
    assert.deepEqual(c.errors, []);
    c.subscriber.close();
  });

  it('fails to subscribe, saying why, to a private room it is not in and with a wrong password', async () => {
    await assert.rejects(open(1, 'sealed'), /JOIN #sealed: 473 /);
    const wrong = lingrTarget(IRC, { users: USERS, firstUser: 0, password: 'not-the-password' });
    await assert.rejects(open(0, ROOM, wrong), /Password incorrect/);
  });
});

describe('a lingr-irc subscriber left idle', () => {
  let t: TestServer;
  before(async () => {
    // The server PINGs a client silent this long, and closes it when no PONG comes as long again.
    t = await startTestServer({ ircPort: '0', ircPing: '0.4' });
    await t.admin.addUser({ username: SPEAKER, password: BENCH_PASSWORD });
    await t.admin.addUser({ username: benchUser(0), password: BENCH_PASSWORD });
    await t.admin.addRoom({ id: ROOM, name: 'Bench IRC' });
    for (const user of [SPEAKER, benchUser(0)]) await t.admin.join(ROOM, user);
  });
  after(() => t.stop());

  it("answers the server's PINGs and stays connected", async () => {
    const target = lingrTarget(IRC, { users: 1, firstUser: 0, password: BENCH_PASSWORD });
    const lines: string[] = [];
    const errors: Error[] = [];
    const subscriber = await target.subscribe({
      url: ircUrl('127.0.0.1', t.server.ircPort as number),
      localAddress: '127.0.0.1',
      room: ROOM,
      index: 0,
      onLine: (text) => lines.push(text),
      onError: (err) => errors.push(err),
    });
    // Several PING rounds go by.
    await new Promise((r) => setTimeout(r, 2500));
    const say = await target.publisher(t.url, ROOM, '127.0.0.1');
    await say(benchLine(0, 1));
    await eventually(() => assert.deepEqual(lines, [benchLine(0, 1)]));
    assert.deepEqual(errors, []);
    subscriber.close();
  });
});
