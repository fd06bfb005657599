import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LiveSession } from '../src/engine/live-session.js';
import { signedIn, startTestServer, type TestServer } from './support/server.js';

describe('room passwords', () => {
  let t: TestServer;
  let owner: LiveSession;
  let other: { session: string };
  before(async () => {
    t = await startTestServer();
    const { session } = await signedIn(t, 'owner');
    owner = await t.server.chat.accounts.session(session, false);
    other = await signedIn(t, 'other');
  });
  after(() => t.stop());

  const stored = async (id: string) => {
    const room = await t.adminStore.rooms.byId(id);
    assert.ok(room, `room ${id} is stored`);
    return room;
  };

  it('creates a room with a password: hashed as accounts are, never public, opened by that password alone', async () => {
    const { rooms } = t.server.chat;
    const made = await rooms.createRoom(owner, {
      id: 'vault',
      name: 'Vault',
      isPublic: true,
      password: 'open sesame',
    });
    assert.equal(made.isPublic, false, 'a room with a password is not public');
    const room = await stored('vault');
    assert.equal(room.isPublic, false);
    assert.match(room.passwordHash ?? '', /^scrypt\$\d+\$/, 'kept as a scrypt hash');
    assert.doesNotMatch(room.passwordHash ?? '', /open sesame/);
    assert.equal(await rooms.checkPassword(room, 'open sesame'), true);
    assert.equal(await rooms.checkPassword(room, 'open Sesame'), false);
    assert.equal(await rooms.checkPassword(room, ''), false);
    assert.equal(await rooms.checkPassword(room, undefined), false);
    assert.equal(await rooms.checkPassword(room, 'x'.repeat(5000)), false);
    const shown = await t.api('room/show', { session: other.session, room: 'vault' });
    assert.equal(shown.code, 'not_found', 'v2 shows a room with a password to its members alone');
  });

  it('a room without a password opens to any password or none', async () => {
    const { rooms } = t.server.chat;
    await rooms.createRoom(owner, { id: 'plain', name: 'Plain', password: '' });
    const room = await stored('plain');
    assert.equal(room.passwordHash, null, "'' at creation is no password");
    assert.equal(room.isPublic, true);
    assert.equal(await rooms.checkPassword(room, undefined), true);
    assert.equal(await rooms.checkPassword(room, 'anything'), true);
  });

  it('settings set, keep, replace and clear the password; setting one closes a public room at once', async () => {
    const { rooms } = t.server.chat;
    await rooms.createRoom(owner, { id: 'lounge', name: 'Lounge' });
    assert.equal((await t.api('room/show', { session: other.session, room: 'lounge' })).status, 'ok');

    const locked = await rooms.updateRoom(owner, 'lounge', { name: 'Lounge', password: 'first one' });
    assert.equal(locked.isPublic, false);
    assert.equal((await t.api('room/show', { session: other.session, room: 'lounge' })).code, 'not_found');
    const first = await stored('lounge');
    assert.equal(await rooms.checkPassword(first, 'first one'), true);

    // A change without a password keeps it, and with it the room stays closed whatever is asked.
    await rooms.updateRoom(owner, 'lounge', { name: 'The Lounge', isPublic: true });
    const kept = await stored('lounge');
    assert.equal(kept.name, 'The Lounge');
    assert.equal(kept.passwordHash, first.passwordHash);
    assert.equal(kept.isPublic, false);

    await rooms.updateRoom(owner, 'lounge', { name: 'The Lounge', password: 'second one' });
    const replaced = await stored('lounge');
    assert.equal(await rooms.checkPassword(replaced, 'first one'), false);
    assert.equal(await rooms.checkPassword(replaced, 'second one'), true);

    const cleared = await rooms.updateRoom(owner, 'lounge', { name: 'The Lounge', password: '' });
    assert.equal(cleared.passwordHash, null);
    assert.equal(cleared.isPublic, true, 'listed again once the password is gone');
    assert.equal((await stored('lounge')).passwordHash, null);
    assert.equal((await t.api('room/show', { session: other.session, room: 'lounge' })).status, 'ok');
  });

  it('refuses an over-long password and keeps the room as it was', async () => {
    const { rooms } = t.server.chat;
    await assert.rejects(rooms.createRoom(owner, { id: 'long', name: 'Long', password: 'x'.repeat(1025) }), {
      code: 'invalid_parameter',
      message: /room password must be at most 1024 characters/,
    });
    assert.equal(await t.adminStore.rooms.byId('long'), undefined);
    await assert.rejects(rooms.updateRoom(owner, 'plain', { name: 'Plain', password: 'x'.repeat(1025) }), {
      code: 'invalid_parameter',
    });
    assert.equal((await stored('plain')).passwordHash, null);
  });

  it('keeps the password when the owner edits the room through the web form', async () => {
    const { rooms } = t.server.chat;
    await rooms.createRoom(owner, { id: 'webbed', name: 'Webbed', password: 'web secret' });
    const cookie = `lingr_session=${await sessionOf('owner')}`;
    const page = await (await fetch(`${t.url}/room/webbed/edit`, { headers: { cookie } })).text();
    assert.doesNotMatch(page, /type="password"/, 'the web form has no password field');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const res = await fetch(`${t.url}/room/webbed/edit`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: t.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, name: 'Webbed 2', visibility: 'public', timezone: 'UTC' }).toString(),
    });
    assert.equal(res.status, 303);
    const room = await stored('webbed');
    assert.equal(room.name, 'Webbed 2');
    assert.equal(await rooms.checkPassword(room, 'web secret'), true);
    assert.equal(room.isPublic, false);
  });

  /** A fresh session id of the user, as the web's cookie carries it. */
  async function sessionOf(username: string): Promise<string> {
    return (await signedIn(t, username)).session;
  }
});
