import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LiveSession } from '../src/engine/live-session.js';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

// The smallest valid PNG: one transparent pixel.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082',
  'hex',
);
const GIF = Buffer.from('474946383961010001000000002c00000000010001000002024401003b', 'hex');

describe('room icons', () => {
  let t: TestServer;
  let owner: LiveSession;
  before(async () => {
    t = await startTestServer();
    const { session } = await signedIn(t, 'owner');
    owner = await t.server.chat.accounts.session(session, false);
    await t.server.chat.rooms.createRoom(owner, { id: 'plaza', name: 'Plaza' });
    await t.server.chat.rooms.createRoom(owner, { id: 'den', name: 'Den', isPublic: false });
  });
  after(() => t.stop());

  const icon = async (path: string, cookie?: string) => {
    const res = await fetch(`${t.url}${path}`, cookie ? { headers: { cookie } } : {});
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };

  it('draws an icon from the id until one is uploaded, the same each time', async () => {
    const { res, body } = await icon('/images/room/plaza/16x16.gif');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
    assert.match(body.toString(), /^<svg /);
    const again = await icon('/images/room/plaza/80x80.gif');
    assert.deepEqual(again.body, body, 'the same room gives the same picture at every size');
    const user = await icon('/images/user/plaza/16x16.gif');
    assert.notDeepEqual(user.body, body, 'a room does not look like a user of the same name');
  });

  it('serves an uploaded icon as it is, with its real type, sandboxed', async () => {
    await t.server.chat.rooms.setIcon('plaza', PNG);
    const { res, body } = await icon('/images/room/plaza/16x16.gif');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(body, PNG);
    assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    await t.server.chat.rooms.setIcon('plaza', GIF);
    const replaced = await icon('/images/room/plaza/16x16.gif');
    assert.equal(replaced.res.headers.get('content-type'), 'image/gif');
    assert.deepEqual(replaced.body, GIF);
  });

  it('refuses what is not a PNG, JPEG, GIF or WebP, or is over 256 KB, and an unknown room', async () => {
    const { rooms } = t.server.chat;
    await assert.rejects(rooms.setIcon('plaza', Buffer.from('<svg onload=alert(1)>')), {
      code: 'invalid_parameter',
      message: 'The icon must be a PNG, JPEG, GIF or WebP image.',
    });
    const huge = Buffer.concat([PNG, Buffer.alloc(256 * 1024)]);
    await assert.rejects(rooms.setIcon('plaza', huge), {
      code: 'invalid_parameter',
      message: 'The icon must be at most 256 KB.',
    });
    await assert.rejects(rooms.setIcon('nowhere', PNG), { code: 'not_found' });
    assert.deepEqual((await icon('/images/room/plaza/16x16.gif')).body, GIF, 'the icon stays as it was');
  });

  it('answers 404 for an unknown room or a malformed path', async () => {
    assert.equal((await icon('/images/room/nowhere/16x16.gif')).res.status, 404);
    assert.equal((await icon('/images/room/bad%20id/16x16.gif')).res.status, 404);
    assert.equal((await icon('/images/room/plaza/16x16.png')).res.status, 404);
    assert.equal((await icon('/images/room/plaza')).res.status, 404);
  });

  it('shows a private room’s icon only to those who may see the room, and lets no shared cache keep it', async () => {
    await t.server.chat.rooms.setIcon('den', PNG);
    assert.equal((await icon('/images/room/den/16x16.gif')).res.status, 404, 'not to a visitor');
    const stranger = await signedIn(t, 'stranger');
    const refused = await icon('/images/room/den/16x16.gif', `lingr_session=${stranger.session}`);
    assert.equal(refused.res.status, 404, 'not to a signed-in non-member');
    const member = await signedIn(t, 'owner');
    const shown = await icon('/images/room/den/16x16.gif', `lingr_session=${member.session}`);
    assert.equal(shown.res.status, 200);
    assert.deepEqual(shown.body, PNG);
    assert.match(shown.res.headers.get('cache-control') ?? '', /^private/);
  });

  it('the icon goes with its room', async () => {
    await t.server.chat.rooms.createRoom(owner, { id: 'brief', name: 'Brief' });
    await t.server.chat.rooms.setIcon('brief', PNG);
    await t.server.chat.rooms.deleteRoom(owner, 'brief');
    assert.equal(await t.adminStore.rooms.icon('brief'), undefined);
    assert.equal((await icon('/images/room/brief/16x16.gif')).res.status, 404);
  });
});
