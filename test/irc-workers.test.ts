import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { RawIrc, selfSignedCertificate } from './support/irc.js';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { getJson, tempDataDir } from './support/server.js';

const PASSWORD = 'password1';
const USERS = ['w1', 'w2', 'w3', 'w4'];

describe('IRC with --workers 2', () => {
  let server: ServerProcess;
  const dataDir = tempDataDir();
  const tls = selfSignedCertificate();
  const clients: RawIrc[] = [];

  before(async () => {
    prepare(dataDir, [
      ...USERS.map((u) => ['user', 'add', u, '--password', PASSWORD]),
      ['room', 'add', 'shared', '--name', 'Shared', '--owner', 'w1'],
      ...USERS.slice(1).map((u) => ['room', 'join', 'shared', u]),
    ]);
    server = await spawnServer(dataDir, [
      '--workers',
      '2',
      '--irc-port',
      '0',
      '--irc-tls-cert',
      tls.cert,
      '--irc-tls-key',
      tls.key,
    ]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await stopServer(server, dataDir);
    rmSync(tls.dir, { recursive: true, force: true });
  });

  it('hands IRC sockets to the workers, which do TLS, and lines cross between them', async () => {
    const port = server.ircPort;
    assert.ok(port !== undefined && port > 0, 'the primary did not say its IRC port');
    for (const u of USERS) {
      const c = await RawIrc.signIn(port, u, PASSWORD, [], { tls: true });
      clients.push(c);
      await c.waitFor(new RegExp(` 366 ${u} #shared `));
    }
    const session = (await getJson(`${server.url}/api/session/create`, { user: 'w1', password: PASSWORD }))
      .session as string;
    await getJson(`${server.url}/api/room/say`, { session, room: 'shared', text: 'from the API' });
    for (const c of clients) await c.waitFor(/PRIVMSG #shared :from the API$/);

    (clients[3] as RawIrc).send('PRIVMSG #shared :from IRC');
    for (const c of clients.slice(0, 3)) await c.waitFor(/^:w4!w4@lingr PRIVMSG #shared :from IRC$/);

    // The four connections went to both workers, each with its own counts.
    const metrics = await (await fetch(`${server.url}/metrics?per=worker`)).text();
    const perWorker = [...metrics.matchAll(/^lingr_connections\{transport="irc",worker="(\d+)"\} (\d+)$/gm)];
    assert.equal(
      perWorker.reduce((n, m) => n + Number(m[2]), 0),
      4,
      metrics
        .split('\n')
        .filter((l) => l.includes('irc'))
        .join('\n'),
    );
    assert.ok(perWorker.filter((m) => Number(m[2]) > 0).length === 2, 'all IRC clients went to one worker');
  });
});
