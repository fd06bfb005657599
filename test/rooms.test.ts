import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedIn, startTestServer, type Json, type TestServer } from './support/server.js';

const MESSAGE_KEYS = [
  'icon_url',
  'id',
  'local_id',
  'nickname',
  'public_session_id',
  'room',
  'speaker_id',
  'text',
  'timestamp',
  'type',
];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('rooms and messages', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    await t.admin.addUser({ username: 'owner', password: 'password1', name: 'Olive' });
    await t.admin.addRoom({
      id: 'vim',
      name: 'Vim',
      blurb: 'All about Vim',
      owner: 'owner',
      tags: ['editor'],
    });
    await t.admin.addRoom({ id: 'emacs', name: 'Emacs' });
    await t.admin.addRoom({ id: 'secret', name: 'Secret', isPublic: false });
  });
  after(() => t.stop());

  it('user/get_rooms lists the rooms the user joined, in the order joined', async () => {
    const { session } = await signedIn(t, 'alice', ['emacs', 'vim']);
    assert.deepEqual(await t.api('user/get_rooms', { session }), { status: 'ok', rooms: ['emacs', 'vim'] });
  });

  it('room/say stores a line and answers one message object with every key', async () => {
    const { session, publicId } = await signedIn(t, 'alice', ['vim']);
    const r = await t.api('room/say', {
      session,
      room: 'vim',
      text: 'line one\nline two',
      local_id: 'pending-x-1',
    });
    assert.equal(r.status, 'ok');
    const m = r.message as Json;
    assert.deepEqual(Object.keys(m).sort(), MESSAGE_KEYS);
    assert.match(m.id as string, /^\d+$/);
    assert.equal(m.local_id, 'pending-x-1');
    assert.equal(m.public_session_id, publicId);
    assert.equal(m.room, 'vim');
    assert.equal(m.type, 'user');
    assert.equal(m.speaker_id, 'alice');
    assert.equal(m.nickname, 'Alice');
    assert.equal(m.text, 'line one\nline two');
    assert.match(m.timestamp as string, ISO);
    assert.match(m.icon_url as string, /^http/);
    const plain = await t.api('room/say', { session, room: 'vim', text: 'no local id' });
    assert.equal((plain.message as Json).local_id, null);
  });

  it('room/show describes each room with backlog, roster and flags', async () => {
    const { session } = await signedIn(t, 'bob', ['vim']);
    await t.api('room/say', { session, room: 'vim', text: 'from bob' });
    const r = await t.api('room/show', { session, room: 'vim,emacs' });
    const rooms = r.rooms as Json[];
    assert.deepEqual(
      rooms.map((x) => x.id),
      ['vim', 'emacs'],
    );
    const vim = rooms[0] as Json;
    assert.equal(vim.name, 'Vim');
    assert.equal(vim.blurb, 'All about Vim');
    assert.equal(vim.is_public, true);
    assert.equal(vim.public, true);
    assert.deepEqual(vim.faved_message_ids, []);
    const messages = vim.messages as Json[];
    assert.ok(messages.length <= 30);
    assert.equal(messages.at(-1)?.text, 'from bob');
    const roster = vim.roster as { members: Json[]; bots: Json[] };
    assert.deepEqual(roster.bots, []);
    const owner = roster.members.find((m) => m.username === 'owner') as Json;
    assert.equal(owner.is_owner, true);
    assert.equal(owner.name, 'Olive');
    for (const m of roster.members) {
      assert.deepEqual(Object.keys(m).sort(), [
        'icon_url',
        'is_online',
        'is_owner',
        'name',
        'pokeable',
        'timestamp',
        'username',
      ]);
      assert.equal(typeof m.is_online, 'boolean');
      assert.equal(m.pokeable, false);
      assert.match(m.timestamp as string, ISO);
    }
    assert.equal((rooms[1] as Json).blurb, null);
  });

  it('room/show keeps the latest 30 lines, oldest first', async () => {
    const { session } = await signedIn(t, 'carol', ['emacs']);
    for (let i = 0; i < 35; i++) await t.api('room/say', { session, room: 'emacs', text: `n${i}` });
    const r = await t.api('room/show', { session, room: 'emacs' });
    const texts = ((r.rooms as Json[])[0]?.messages as Json[]).map((m) => m.text);
    assert.equal(texts.length, 30);
    assert.equal(texts[0], 'n5');
    assert.equal(texts[29], 'n34');
  });

  it('room/get_archives pages backwards by message id, ascending, before excluded', async () => {
    const { session } = await signedIn(t, 'dave', ['archive_room']);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await t.api('room/say', { session, room: 'archive_room', text: `a${i}` });
      ids.push((r.message as Json).id as string);
    }
    const latest = await t.api('room/get_archives', { session, room: 'archive_room', limit: 5 });
    assert.deepEqual(
      (latest.messages as Json[]).map((m) => m.text),
      ['a7', 'a8', 'a9', 'a10', 'a11'],
    );
    const older = await t.api('room/get_archives', {
      session,
      room: 'archive_room',
      before: ids[7] as string,
      limit: 3,
    });
    assert.deepEqual(
      (older.messages as Json[]).map((m) => m.text),
      ['a4', 'a5', 'a6'],
    );
    const clamped = await t.api('room/get_archives', { session, room: 'archive_room', limit: 1000 });
    assert.equal((clamped.messages as Json[]).length, 12);
    const defaults = await t.api('room/get_archives', { session, room: 'archive_room' });
    assert.equal((defaults.messages as Json[]).length, 12);
    const zero = await t.api('room/get_archives', { session, room: 'archive_room', limit: 0 });
    assert.equal((zero.messages as Json[]).length, 1);
  });

  it('favorite/add and favorite/remove star a message for the user, idempotently', async () => {
    const { session } = await signedIn(t, 'erin', ['vim']);
    const said = await t.api('room/say', { session, room: 'vim', text: 'star me' });
    const id = (said.message as Json).id as string;
    for (let i = 0; i < 2; i++) {
      const added = await t.api('favorite/add', { session, message: id });
      assert.equal(added.status, 'ok');
      assert.match((added.message as Json).favorite_id as string, /^\d+$/);
    }
    const shown = await t.api('room/show', { session, room: 'vim' });
    const vim = (shown.rooms as Json[])[0] as Json;
    assert.deepEqual(vim.faved_message_ids, [id]);
    const starred = (vim.messages as Json[]).find((m) => m.id === id) as Json;
    assert.equal(typeof starred.favorite_id, 'string');
    const removed = await t.api('favorite/remove', { session, message: id });
    assert.equal(removed.status, 'ok');
    assert.equal('favorite_id' in (removed.message as Json), false);
    assert.equal((await t.api('favorite/remove', { session, message: id })).status, 'ok');
    const again = await t.api('room/show', { session, room: 'vim' });
    assert.deepEqual(((again.rooms as Json[])[0] as Json).faved_message_ids, []);
    assert.equal((await t.api('favorite/add', { session, message: '99999999' })).code, 'not_found');
  });

  it('a private room is visible to its members only', async () => {
    await t.admin.addUser({ username: 'insider', password: 'password1' });
    await t.admin.join('secret', 'insider');
    const insider = await signedIn(t, 'insider');
    const outsider = await signedIn(t, 'outsider');
    const shown = await t.api('room/show', { session: insider.session, room: 'secret' });
    assert.equal(((shown.rooms as Json[])[0] as Json).is_public, false);
    const said = await t.api('room/say', { session: insider.session, room: 'secret', text: 'hush' });
    assert.equal(said.status, 'ok');
    for (const method of ['room/show', 'room/subscribe', 'room/get_archives']) {
      const r = await t.api(method, { session: outsider.session, room: 'secret' });
      assert.equal(r.code, 'not_found', method);
    }
    const faved = await t.api('favorite/add', {
      session: outsider.session,
      message: (said.message as Json).id as string,
    });
    assert.equal(faved.code, 'not_found');
  });

  it('say is refused to non-members with forbidden and over the rate limit with rate_limited', async () => {
    const { session } = await signedIn(t, 'frank');
    assert.equal((await t.api('room/say', { session, room: 'vim', text: 'hi' })).code, 'forbidden');
    assert.equal((await t.api('room/subscribe', { session, room: 'vim' })).status, 'ok');
  });
});

describe('rate limits', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sayPerMinute: '5', callsPerMinute: '20', loginFailuresPerAccount: '3' });
  });
  after(() => t.stop());

  it('says past the per-session limit get rate_limited; another session is unaffected', async () => {
    const a = await signedIn(t, 'alice', ['busy']);
    const codes: unknown[] = [];
    for (let i = 0; i < 7; i++)
      codes.push((await t.api('room/say', { session: a.session, room: 'busy', text: `x${i}` })).code);
    assert.deepEqual(codes.slice(0, 5), [undefined, undefined, undefined, undefined, undefined]);
    assert.equal(codes[6], 'rate_limited');
    const b = await signedIn(t, 'bob', ['busy']);
    assert.equal((await t.api('room/say', { session: b.session, room: 'busy', text: 'fine' })).status, 'ok');
  });

  it('an app key relaxes the limits', async () => {
    await signedIn(t, 'carol', ['busy']);
    const r = await t.api('session/create', { user: 'carol', password: 'password1', app_key: 'k' });
    const session = r.session as string;
    for (let i = 0; i < 7; i++)
      assert.equal((await t.api('room/say', { session, room: 'busy', text: `y${i}` })).status, 'ok');
  });

  it('failed sign-ins are limited per account; successful ones are not counted', async () => {
    await signedIn(t, 'dave');
    for (let i = 0; i < 5; i++)
      assert.equal((await t.api('session/create', { user: 'dave', password: 'password1' })).status, 'ok');
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await t.api('session/create', { user: 'dave', password: 'bad' })).code,
        'invalid_user_credentials',
      );
    assert.equal(
      (await t.api('session/create', { user: 'dave', password: 'password1' })).code,
      'rate_limited',
    );
  });
});
