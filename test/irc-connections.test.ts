import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FrameworkClient, RawIrc, selfSignedCertificate } from './support/irc.js';
import { loadSettings, SettingsError } from '../src/config/settings.js';
import { eventually, signedIn, startTestServer, type TestServer } from './support/server.js';

const PASSWORD = 'password1';

describe('IRC settings', () => {
  it('is off unless --irc-port or LINGR_IRC_PORT names a port; TLS takes a certificate and a key together', () => {
    assert.equal(loadSettings({}, {}).ircPort, undefined);
    assert.equal(loadSettings({ ircPort: '6667' }, {}).ircPort, 6667);
    assert.equal(loadSettings({}, { LINGR_IRC_PORT: '6697' }).ircPort, 6697);
    const tls = loadSettings(
      {},
      { LINGR_IRC_PORT: '6697', LINGR_IRC_TLS_CERT: 'c.pem', LINGR_IRC_TLS_KEY: 'k.pem' },
    );
    assert.match(tls.ircTls?.certFile ?? '', /\/c\.pem$/);
    assert.throws(() => loadSettings({ ircPort: 'x' }, {}), SettingsError);
    assert.throws(() => loadSettings({ ircPort: '6697', ircTlsCert: 'c.pem' }, {}), /go together/);
    assert.throws(() => loadSettings({ ircTlsCert: 'c.pem', ircTlsKey: 'k.pem' }, {}), /need --irc-port/);
  });
});

describe('IRC connections', () => {
  describe('a client that stops reading', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ ircPort: '0', outboxLimit: '16384', callsPerMinute: '1000000' });
    });
    after(() => t.stop());

    it('is disconnected at the outbox limit while the others are served', async () => {
      const port = t.server.ircPort as number;
      await signedIn(t, 'slowpoke', ['slowroom']);
      await signedIn(t, 'quick', ['slowroom']);
      const quick = await RawIrc.signIn(port, 'quick', PASSWORD);
      const slow = await RawIrc.signIn(port, 'slowpoke', PASSWORD);
      await slow.waitFor(/ 366 slowpoke #slowroom /);
      // It stops reading and keeps asking for the MOTD: what it is owed piles up past the kernel's buffers.
      slow.socket.pause();
      const motds = Buffer.from('MOTD\r\n'.repeat(2000));
      for (let i = 0; i < 15 && !slow.socket.destroyed; i++) {
        slow.socket.write(motds);
        await new Promise((r) => setTimeout(r, 100));
      }
      await slow.waitClosed(10_000);
      quick.send('PING :alive');
      await quick.waitFor(/ PONG \S+ :alive$/);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      const closes = /^lingr_slow_reader_closes_total (\d+)$/m.exec(metrics);
      assert.ok(closes && Number(closes[1]) >= 1, 'not counted as a slow reader');
      quick.close();
    });
  });

  describe('keep-alive and deadlines', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ ircPort: '0', ircPing: '0.4' });
    });
    after(() => t.stop());

    it('PINGs an idle client, keeps it while it answers, and closes it when it stops', async () => {
      const port = t.server.ircPort as number;
      await signedIn(t, 'pinged');
      const c = await RawIrc.signIn(port, 'pinged', PASSWORD);
      const ping = await c.waitFor(/^PING \S+$/);
      c.send(`PONG ${ping.split(' ')[1] as string}`);
      // Answered, it is pinged again later rather than closed.
      await eventually(() => assert.ok(c.matching(/^PING /).length >= 2));
      assert.equal(c.matching(/^ERROR /).length, 0);
      await c.waitFor(/^ERROR :Closing link: Ping timeout$/, 0, 5000);
      await c.waitClosed();
    });

    it('closes a client that does not finish signing in', async () => {
      const c = await RawIrc.open(t.server.ircPort as number);
      c.send('NICK lingering');
      await c.waitFor(/^ERROR :Closing link: Registration timed out$/);
      await c.waitClosed();
    });
  });

  describe('over TLS', () => {
    let t: TestServer;
    let tls: ReturnType<typeof selfSignedCertificate>;
    before(async () => {
      tls = selfSignedCertificate();
      t = await startTestServer({ ircPort: '0', ircTlsCert: tls.cert, ircTlsKey: tls.key });
    });
    after(async () => {
      await t.stop();
      rmSync(tls.dir, { recursive: true, force: true });
    });

    it('serves IRC over TLS on the IRC port, and nothing in plain text there', async () => {
      const port = t.server.ircPort as number;
      await signedIn(t, 'secure', ['tlsroom']);
      const c = await FrameworkClient.connect(port, {
        nick: 'secure',
        password: PASSWORD,
        tls: true,
        rejectUnauthorized: false,
      });
      await c.waitFor('join', (e) => e.channel === '#tlsroom');
      const other = await signedIn(t, 'secure');
      await t.api('room/say', { session: other.session, room: 'tlsroom', text: 'over TLS' });
      await c.waitFor('privmsg', (e) => e.message === 'over TLS');
      c.quit();

      const plain = await RawIrc.open(port);
      plain.send('NICK secure', 'USER secure 0 * :S');
      await plain.waitClosed();
      assert.ok(!plain.lines.some((l) => / 001 /.test(l)));
    });
  });

  describe('rate limits', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ ircPort: '0', sayPerMinute: '2', callsPerMinute: '3' });
    });
    after(() => t.stop());

    it("holds IRC to the API's limits: says by conversation.say's, other commands as calls", async () => {
      await signedIn(t, 'hasty', ['hastyroom']);
      const c = await RawIrc.signIn(t.server.ircPort as number, 'hasty', PASSWORD);
      await c.waitFor(/ 366 hasty #hastyroom /);
      const from = c.lines.length;
      c.send('PRIVMSG #hastyroom :one', 'PRIVMSG #hastyroom :two', 'PRIVMSG #hastyroom :three');
      await c.waitFor(/ 404 hasty #hastyroom :Too many messages/, from);
      c.send('MOTD', 'MOTD', 'MOTD', 'MOTD');
      await c.waitFor(/ 263 hasty MOTD :Too many calls/, from);
      assert.equal(c.matching(/ 376 hasty /, from).length, 3);
      // PING is not a call: it is answered whatever the limits.
      c.send('PING :limited');
      await c.waitFor(/ PONG \S+ :limited$/, from);
      c.close();
    });
  });

  describe('shutting down', () => {
    it('tells IRC clients to reconnect, and ends their sessions', async () => {
      const t = await startTestServer({ ircPort: '0' });
      try {
        await signedIn(t, 'leaver');
        const c = await RawIrc.signIn(t.server.ircPort as number, 'leaver', PASSWORD);
        await t.server.close();
        await c.waitFor(/^ERROR :Closing link: Server shutting down: reconnect$/);
        await c.waitClosed();
      } finally {
        await t.stop();
      }
    });
  });
});
