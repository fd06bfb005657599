import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, signedIn, startTestServer, type Json, type TestServer } from './support/server.js';

/**
 * ii, the filesystem IRC client from Debian (scripts/test-prerequisites.sh installs it): a directory per
 * server and channel, an `in` FIFO to say things and an `out` file of what was heard.
 */
describe('a real IRC program (ii)', () => {
  let t: TestServer;
  let ii: ChildProcess | undefined;
  const home = mkdtempSync(join(tmpdir(), 'lingr-ii-'));

  before(async () => {
    t = await startTestServer({ ircPort: '0' });
  });
  after(async () => {
    ii?.kill('SIGTERM');
    await t.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('connects, is joined to its room, hears a line said through the API and says one back', async () => {
    await signedIn(t, 'iiuser', ['iiroom']);
    const web = await signedIn(t, 'webuser', ['iiroom']);
    ii = spawn(
      'ii',
      [
        '-s',
        '127.0.0.1',
        '-p',
        String(t.server.ircPort),
        '-n',
        'iiuser',
        '-f',
        'ii user',
        '-i',
        home,
        '-k',
        'IIPASS',
      ],
      { env: { ...process.env, IIPASS: 'password1' }, stdio: 'ignore' },
    );
    const channel = join(home, '127.0.0.1', '#iiroom');
    const out = join(channel, 'out');
    await eventually(
      () => assert.match(readFileSync(out, 'utf8'), /-!- iiuser\(iiuser@lingr\) has joined #iiroom/),
      10_000,
    );

    await t.api('room/say', { session: web.session, room: 'iiroom', text: 'hello, ii' });
    await eventually(() => assert.match(readFileSync(out, 'utf8'), /<webuser> hello, ii/), 10_000);

    assert.ok(existsSync(join(channel, 'in')));
    await writeFile(join(channel, 'in'), 'hello from ii\n');
    await eventually(async () => {
      const shown = await t.api('room/show', { session: web.session, room: 'iiroom' });
      const lines = ((shown.rooms as Json[])[0]!.messages as Json[]).map(
        (m) => `${m.speaker_id as string}: ${m.text as string}`,
      );
      assert.ok(lines.includes('iiuser: hello from ii'), lines.join('\n'));
    }, 10_000);
  });
});
