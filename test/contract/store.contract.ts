import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatEvent, NewEvent, Occupant, Room, V1Session } from '../../src/core/model.js';
import type { Store } from '../../src/core/ports.js';

/** Two connections to one store, as two server processes (or a server and the command line) have. */
export interface StoreUnderTest {
  store: Store;
  /** A second, independent connection to the same data. */
  other: Store;
  close(): Promise<void>;
}

const at = 1_764_000_000_000;

const room = (id: string, overrides: Partial<Room> = {}): Room => ({
  id,
  name: id.toUpperCase(),
  blurb: null,
  isPublic: true,
  passwordHash: null,
  ownerId: null,
  tags: [],
  timezone: 'UTC',
  createdAt: at,
  ...overrides,
});

const note = (roomId: string, n: number): NewEvent => ({
  roomId,
  createdAt: at + n,
  fact: { kind: 'access', access: { isPublic: true, deleted: false, members: [n] } },
});

const line = (
  roomId: string,
  o: Occupant,
  type: 'system:enter' | 'system:leave' = 'system:leave',
): NewEvent => ({
  roomId,
  createdAt: at,
  fact: {
    kind: 'occupancy',
    occupancy: {
      type,
      occupantId: o.id,
      userId: o.userId,
      username: null,
      nickname: o.nickname ?? '',
      clientType: o.clientType,
    },
  },
});

const v1Session = (key: string, overrides: Partial<V1Session> = {}): V1Session => ({
  key,
  publicId: `pub-${key}`,
  userId: null,
  clientType: 'automaton',
  apiKey: 'k',
  liveKey: null,
  createdAt: at,
  lastActiveAt: at,
  ...overrides,
});

const occupant = (
  id: string,
  sessionKey: string,
  roomId: string,
  overrides: Partial<Occupant> = {},
): Occupant => ({
  id,
  ticketKey: `ticket-${id}`,
  sessionKey,
  roomId,
  userId: null,
  username: null,
  nickname: id.toUpperCase(),
  clientType: 'human',
  admission: 'open',
  enteredAt: at,
  lastSeenAt: at,
  ...overrides,
});

const waitFor = async (check: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/**
 * What every store adapter must do, whatever stands behind it (SQLite today, PostgreSQL next): the same
 * suite runs against each, through the port alone.
 */
export function storeContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    let t: StoreUnderTest;
    let s: Store;
    before(async () => {
      t = await open();
      s = t.store;
    });
    after(() => t.close());

    it('keeps users: create, find by name and id, rename, icons, delete', async () => {
      const ann = await s.users.create({ username: 'ann', name: 'Ann', passwordHash: 'h', createdAt: at });
      assert.ok(ann.id > 0);
      assert.equal((await s.users.byUsername('ann'))?.id, ann.id);
      assert.equal((await t.other.users.byId(ann.id))?.username, 'ann');
      await s.users.rename(ann.id, 'Annie');
      assert.equal((await s.users.byId(ann.id))?.name, 'Annie');
      await s.users.setIcon(ann.id, { type: 'image/png', bytes: Buffer.from([1, 2, 3]) }, at);
      assert.deepEqual((await s.users.icon('ann'))?.bytes, Buffer.from([1, 2, 3]));
      const gone = await s.users.create({
        username: 'gone',
        name: 'G',
        passwordHash: 'h',
        createdAt: at,
        guest: true,
      });
      assert.equal(gone.guest, true);
      await s.users.delete(gone.id);
      assert.equal(await s.users.byUsername('gone'), undefined);
    });

    it('keeps emails: found whatever their case, unique whatever their case, changed and cleared', async () => {
      const ema = await s.users.create({
        username: 'ema',
        name: 'Ema',
        passwordHash: 'h',
        createdAt: at,
        email: 'Ema.Smith@Example.org',
      });
      assert.equal(ema.email, 'Ema.Smith@Example.org', 'kept as typed');
      assert.equal((await s.users.byEmail('ema.smith@example.org'))?.id, ema.id);
      assert.equal((await t.other.users.byEmail('EMA.SMITH@EXAMPLE.ORG'))?.username, 'ema');
      assert.equal(await s.users.byEmail('ema@example.org'), undefined);
      const noEmail = await s.users.create({
        username: 'noemail',
        name: 'N',
        passwordHash: 'h',
        createdAt: at,
      });
      assert.equal(noEmail.email, null);
      const other = await s.users.create({
        username: 'noemail2',
        name: 'N',
        passwordHash: 'h',
        createdAt: at,
      });
      assert.equal(other.email, null, 'any number of users have no email');

      const taken = { code: 'invalid_parameter', message: 'That email address is already in use.' };
      await assert.rejects(
        s.users.create({
          username: 'mallory',
          name: 'M',
          passwordHash: 'h',
          createdAt: at,
          email: 'ema.SMITH@example.ORG',
        }),
        taken,
      );
      assert.equal(await s.users.byUsername('mallory'), undefined, 'no user is made with a taken email');
      await assert.rejects(s.users.setEmail(noEmail.id, 'EMA.smith@example.org'), taken);
      assert.equal((await s.users.byId(noEmail.id))?.email, null);

      await s.users.setEmail(noEmail.id, 'Noemail@Example.org');
      assert.equal((await t.other.users.byEmail('noemail@example.org'))?.id, noEmail.id);
      await s.users.setEmail(ema.id, 'ema@example.net');
      assert.equal(await s.users.byEmail('ema.smith@example.org'), undefined, 'the old address is free');
      await s.users.setEmail(other.id, 'ema.smith@example.org');
      assert.equal((await s.users.byEmail('Ema.Smith@Example.org'))?.id, other.id);
      await s.users.setEmail(ema.id, null);
      assert.equal((await s.users.byId(ema.id))?.email, null);
      assert.equal(await s.users.byEmail('ema@example.net'), undefined);
    });

    it('finds registered users by a name that reads as their username or display name, never guests', async () => {
      const kay = await s.users.create({
        username: 'kay',
        name: 'Kay Dee',
        passwordHash: 'h',
        createdAt: at,
      });
      await s.users.create({ username: 'gst', name: 'Ghost', passwordHash: '!', createdAt: at, guest: true });
      assert.equal(await s.users.registeredNamed('KAY'), true);
      assert.equal(await t.other.users.registeredNamed(' kay  dee '), true, 'seen from another connection');
      assert.equal(await s.users.registeredNamed('Ｋａｙ Ｄｅｅ'), true);
      assert.equal(await s.users.registeredNamed('Ghost'), false, 'a guest’s name is not registered');
      assert.equal(await s.users.registeredNamed('gst'), false);
      assert.equal(await s.users.registeredNamed('Kay D'), false);
      await s.users.rename(kay.id, 'Kaylee');
      assert.equal(await s.users.registeredNamed('kay dee'), false, 'the old display name is free');
      assert.equal(await s.users.registeredNamed('KAYLEE'), true);
      assert.equal(await s.users.registeredNamed('kay'), true, 'the username stays');
    });

    it('numbers events from one counter above 0, strictly increasing, in the order appended', async () => {
      const before = await s.events.current();
      assert.ok(before > 0);
      const first = await s.events.append([note('r1', 1), note('r2', 2)]);
      const second = await t.other.events.append([note('r1', 3)]);
      const ids = [...first, ...second].map((e) => e.id);
      assert.ok(ids[0]! > before);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      assert.equal(new Set(ids).size, 3);
      assert.equal(await s.events.current(), ids[2]);
      const read = await s.events.after(before, 10);
      assert.deepEqual(
        read.map((e) => e.id),
        ids,
      );
      assert.deepEqual(read[0]?.fact, note('r1', 1).fact);
    });

    it('reads after a counter by room, leaving access facts out there', async () => {
      const from = await s.events.current();
      await s.rooms.create(room('visible'));
      const [fact] = await s.events.append([note('visible', 9)]);
      const { event } = await s.messages.append(
        {
          roomId: 'visible',
          type: 'user',
          speakerId: 'ann',
          publicSessionId: 'p1',
          nickname: 'Ann',
          text: 'hello',
          localId: null,
          createdAt: at,
        },
        (stored) => ({ roomId: 'visible', createdAt: at, fact: { kind: 'message', message: stored } }),
      );
      assert.deepEqual(
        (await s.events.after(from, 10, ['visible'])).map((e) => e.id),
        [event.id],
      );
      assert.deepEqual(
        (await s.events.after(from, 10)).map((e) => e.id),
        [fact!.id, event.id],
      );
      assert.deepEqual(await s.events.after(from, 10, []), []);
    });

    it('stores a message and its event together, and reads messages back every way', async () => {
      await s.rooms.create(room('talk'));
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { message, event } = await s.messages.append(
          {
            roomId: 'talk',
            type: 'user',
            speakerId: 'ann',
            publicSessionId: 'p1',
            nickname: 'Ann',
            text: `line ${i} Ünïcode`,
            localId: i === 0 ? 'local' : null,
            createdAt: at + i * 60_000,
          },
          (stored) => ({
            roomId: 'talk',
            createdAt: stored.createdAt,
            fact: { kind: 'message', message: stored },
          }),
        );
        assert.deepEqual(event.fact, { kind: 'message', message });
        ids.push(message.id);
      }
      assert.equal((await s.messages.byId(ids[0]!))?.localId, 'local');
      assert.deepEqual(
        (await s.messages.latest('talk', 2)).map((m) => m.id),
        ids.slice(3),
      );
      assert.deepEqual(
        (await s.messages.latest('talk', 10, ids[2])).map((m) => m.id),
        ids.slice(0, 2),
      );
      assert.deepEqual(
        (await s.messages.between('talk', at + 60_000, at + 180_000, 10)).map((m) => m.id),
        ids.slice(1, 3),
      );
      assert.deepEqual(
        (await s.messages.search('talk', 'LINE 3', 10)).map((m) => m.id),
        [ids[3]],
      );
      assert.deepEqual(
        (await s.messages.between('talk', at, at + 300_000, 2, 2)).map((m) => m.id),
        ids.slice(2, 4),
        'a later page of a range',
      );
      assert.equal(await s.messages.countBetween('talk', at + 60_000, at + 300_000), 4);
      assert.equal(await s.messages.countBetween('talk', at, at + 300_000, ids[3]), 3, 'lines before one');
      assert.equal(await s.messages.countMatches('talk', 'line'), 5, 'every match, not a page of them');
      assert.equal(await s.messages.countMatches('talk', '%'), 0, 'LIKE wildcards are literal');
      const slices = await s.messages.activity('talk', 120_000);
      assert.equal(
        slices.reduce((n, x) => n + x.lines, 0),
        5,
      );
    });

    it('joins and leaves members with their events in one transaction, once each', async () => {
      const bob = await s.users.create({ username: 'bob', name: 'Bob', passwordHash: 'h', createdAt: at });
      await s.rooms.create(room('club', { isPublic: false, tags: ['b', 'a'] }));
      const joined = await s.rooms.join(
        { roomId: 'club', userId: bob.id, isOwner: true, joinedAt: at, lastActiveAt: null },
        (m) => ({
          roomId: 'club',
          createdAt: at,
          fact: { kind: 'access', access: { isPublic: false, deleted: false, members: [m.userId] } },
        }),
      );
      assert.equal(joined?.member.username, 'bob');
      assert.equal(
        await s.rooms.join(
          { roomId: 'club', userId: bob.id, isOwner: false, joinedAt: at, lastActiveAt: null },
          () => note('club', 0),
        ),
        undefined,
      );
      assert.deepEqual((await s.rooms.byId('club'))?.tags, ['b', 'a']);
      assert.equal((await s.rooms.membership('club', bob.id))?.isOwner, true);
      assert.deepEqual(await s.rooms.roomIdsOf(bob.id), ['club']);
      await s.rooms.touchMember('club', bob.id, at + 5);
      assert.equal((await s.rooms.members('club'))[0]?.lastActiveAt, at + 5);
      const left = await s.rooms.leave('club', bob.id, (member, r, members) => {
        assert.equal(member.userId, bob.id);
        assert.equal(r.id, 'club');
        assert.deepEqual(members, []);
        return [note('club', 1), note('club', 2)];
      });
      assert.equal(left?.length, 2);
      assert.ok((left?.[0] as ChatEvent).id < (left?.[1] as ChatEvent).id);
      assert.equal(await s.rooms.leave('club', bob.id, () => [note('club', 3)]), undefined);
    });

    it('keeps one invitation link per room: set, replaced, taken away, gone with the room', async () => {
      await s.rooms.create(room('inv', { isPublic: false }));
      assert.equal(await s.rooms.invitation('inv'), undefined);
      await s.rooms.setInvitation('inv', 'first', at);
      assert.equal(await t.other.rooms.invitation('inv'), 'first', 'seen from another connection');
      await s.rooms.setInvitation('inv', 'second', at + 1);
      assert.equal(await s.rooms.invitation('inv'), 'second', 'a new link replaces the old');
      await s.rooms.setInvitation('inv', null, at + 2);
      assert.equal(await s.rooms.invitation('inv'), undefined);
      await s.rooms.setInvitation('inv', 'third', at + 3);
      await s.rooms.remove('inv', note('inv', 9));
      assert.equal(await s.rooms.invitation('inv'), undefined);
    });

    it('keeps a room’s password hash through create and update, none by default', async () => {
      await s.rooms.create(room('vault', { isPublic: false, passwordHash: 'scrypt$10$salt$key' }));
      assert.equal((await t.other.rooms.byId('vault'))?.passwordHash, 'scrypt$10$salt$key');
      await s.rooms.update(room('vault', { isPublic: false, passwordHash: 'scrypt$10$salt$other' }));
      assert.equal((await t.other.rooms.byId('vault'))?.passwordHash, 'scrypt$10$salt$other');
      await s.rooms.update(room('vault', { passwordHash: null }));
      const cleared = await t.other.rooms.byId('vault');
      assert.equal(cleared?.passwordHash, null);
      assert.equal(cleared?.isPublic, true);
      await s.rooms.create(room('open'));
      assert.equal((await s.rooms.byId('open'))?.passwordHash, null);
      const listed = (await s.directory.newest(100)).find((r) => r.id === 'open');
      assert.equal(listed?.passwordHash, null, 'rooms read from the directory carry it too');
    });

    it('keeps one icon per room: set, read, replaced, gone with the room', async () => {
      await s.rooms.create(room('gallery'));
      assert.equal(await s.rooms.icon('gallery'), undefined);
      await s.rooms.setIcon('gallery', { type: 'image/png', bytes: Buffer.from([1, 2, 3]) }, at);
      assert.deepEqual(await t.other.rooms.icon('gallery'), {
        type: 'image/png',
        bytes: Buffer.from([1, 2, 3]),
      });
      await s.rooms.setIcon('gallery', { type: 'image/gif', bytes: Buffer.from([4, 5]) }, at + 1);
      assert.deepEqual(await s.rooms.icon('gallery'), { type: 'image/gif', bytes: Buffer.from([4, 5]) });
      assert.equal(await s.rooms.icon('nowhere'), undefined);
      await s.rooms.remove('gallery', note('gallery', 0));
      assert.equal(await s.rooms.icon('gallery'), undefined);
      await s.rooms.create(room('gallery'));
      assert.equal(await s.rooms.icon('gallery'), undefined, 'a new room of the same id starts with none');
    });

    it('updates and removes rooms, writing a narrowing access fact in the same step', async () => {
      const cat = await s.users.create({ username: 'cat', name: 'Cat', passwordHash: 'h', createdAt: at });
      await s.rooms.create(room('plaza', { tags: ['x'] }));
      await s.rooms.join(
        { roomId: 'plaza', userId: cat.id, isOwner: false, joinedAt: at, lastActiveAt: null },
        () => note('plaza', 0),
      );
      const event = await s.rooms.update(
        { ...room('plaza'), isPublic: false, name: 'Plaza', tags: ['y'] },
        (members) => ({
          roomId: 'plaza',
          createdAt: at,
          fact: {
            kind: 'access',
            access: { isPublic: false, deleted: false, members: members.map((m) => m.userId) },
          },
        }),
      );
      assert.deepEqual(event?.fact, {
        kind: 'access',
        access: { isPublic: false, deleted: false, members: [cat.id] },
      });
      const updated = await s.rooms.byId('plaza');
      assert.equal(updated?.isPublic, false);
      assert.deepEqual(updated?.tags, ['y']);
      assert.equal(await s.rooms.update({ ...room('plaza'), isPublic: false }), undefined);
      assert.ok(await s.rooms.remove('plaza', note('plaza', 1)));
      assert.equal(await s.rooms.byId('plaza'), undefined);
      assert.equal(await s.rooms.remove('plaza', note('plaza', 2)), undefined);
    });

    it('keeps sessions under their key: rooms, updates, activity, the online ones, expiry', async () => {
      const dee = await s.users.create({ username: 'dee', name: 'Dee', passwordHash: 'h', createdAt: at });
      const record = {
        id: 'key-of-a-secret',
        publicId: 'pub1',
        userId: dee.id,
        nickname: 'Dee',
        appKey: null,
        hidden: false,
        online: false,
        createdAt: at,
        lastActiveAt: at,
        rooms: ['a', 'b'],
        legacyCsrfKey: '',
      };
      await s.sessions.create(record);
      assert.deepEqual(await t.other.sessions.byId('key-of-a-secret'), record);
      await s.sessions.setRooms('key-of-a-secret', ['b']);
      await s.sessions.update('key-of-a-secret', { nickname: 'D', hidden: true, online: true });
      await s.sessions.touch([{ id: 'key-of-a-secret', lastActiveAt: at + 10 }]);
      await s.sessions.touch([{ id: 'key-of-a-secret', lastActiveAt: at + 5 }]);
      const now = await s.sessions.byId('key-of-a-secret');
      assert.deepEqual(
        [now?.rooms, now?.nickname, now?.hidden, now?.lastActiveAt],
        [['b'], 'D', true, at + 10],
      );
      assert.deepEqual(
        (await s.sessions.online()).map((x) => x.id),
        ['key-of-a-secret'],
      );
      assert.deepEqual(
        (await s.sessions.expire(at + 11)).map((x) => x.id),
        ['key-of-a-secret'],
      );
      assert.equal(await s.sessions.byId('key-of-a-secret'), undefined);
    });

    it('keeps favourites per user and message', async () => {
      const eve = await s.users.create({ username: 'eve', name: 'Eve', passwordHash: 'h', createdAt: at });
      const [m] = await s.messages.latest('talk', 1);
      const id = await s.favorites.add(eve.id, m!.id, at);
      assert.equal(await s.favorites.add(eve.id, m!.id, at), id);
      assert.deepEqual([...(await s.favorites.of(eve.id, [m!.id]))], [[m!.id, id]]);
      assert.deepEqual(await s.favorites.inRoom(eve.id, 'talk'), [m!.id]);
      await s.favorites.remove(eve.id, m!.id);
      assert.deepEqual(await s.favorites.inRoom(eve.id, 'talk'), []);
    });

    it('lists only public rooms in the directory', async () => {
      await s.rooms.create(room('openone', { tags: ['shared', 'one'], blurb: 'about cats' }));
      await s.rooms.create(room('opentwo', { tags: ['shared'] }));
      await s.rooms.create(room('secret', { isPublic: false, tags: ['shared'], blurb: 'about cats' }));
      const names = (rooms: Room[]) => rooms.map((r) => r.id).sort();
      assert.ok(!names(await s.directory.newest(100)).includes('secret'));
      assert.deepEqual(names(await s.directory.withTag('shared', 10)), ['openone', 'opentwo']);
      assert.deepEqual(names(await s.directory.search('CATS', 10)), ['openone']);
      assert.deepEqual(names(await s.directory.related('openone', 10)), ['opentwo']);
      assert.equal((await s.directory.tags(100)).find((x) => x.tag === 'shared')?.rooms, 2);
      assert.ok(!(await s.directory.hot(0, 100)).some((h) => h.room.id === 'secret'));
    });

    it('prunes old events and says how far it pruned', async () => {
      const old = await s.events.append([{ ...note('r1', 0), createdAt: 1 }]);
      assert.ok((await s.events.prune(2)) >= 1);
      assert.ok((await s.events.prunedThrough()) >= old[0]!.id);
      assert.deepEqual(
        (await s.events.after(old[0]!.id - 1, 10)).filter((e) => e.id === old[0]!.id),
        [],
      );
    });

    it('searches lines across the rooms a viewer may read, newest first, counting every match', async () => {
      const say = async (roomId: string, text: string, n: number) =>
        (
          await s.messages.append(
            {
              roomId,
              type: 'user',
              speakerId: 'ann',
              publicSessionId: 'p1',
              nickname: 'Ann',
              text,
              localId: null,
              createdAt: at + n,
            },
            (stored) => ({ roomId, createdAt: stored.createdAt, fact: { kind: 'message', message: stored } }),
          )
        ).message.id;
      const insider = await s.users.create({
        username: 'insider',
        name: 'I',
        passwordHash: 'h',
        createdAt: at,
      });
      const outsider = await s.users.create({
        username: 'outsider',
        name: 'O',
        passwordHash: 'h',
        createdAt: at,
      });
      await s.rooms.create(room('findpub'));
      await s.rooms.create(room('findpriv', { isPublic: false }));
      await s.rooms.create(room('findgone'));
      await s.rooms.join(
        { roomId: 'findpriv', userId: insider.id, isOwner: true, joinedAt: at, lastActiveAt: null },
        () => note('findpriv', 0),
      );
      const pub = [
        await say('findpub', 'The Zephyrquill flies at dawn', 1),
        await say('findpub', 'zephyrquill again, with "quotes" and NEAR(a b) * stars', 2),
        await say('findpub', '猫が好きです zephyrquill', 3),
      ];
      const priv = await say('findpriv', 'a secret zephyrquill', 4);
      await say('findgone', 'zephyrquill in a room about to go', 5);
      await s.rooms.remove('findgone', note('findgone', 6));
      // Written through the other connection: the index is the file's, not one connection's.
      const other = await t.other.messages.append(
        {
          roomId: 'findpub',
          type: 'user',
          speakerId: 'bo',
          publicSessionId: 'p2',
          nickname: 'Bo',
          text: 'ZEPHYRQUILL shouted',
          localId: null,
          createdAt: at + 7,
        },
        (stored) => ({ roomId: 'findpub', createdAt: at + 7, fact: { kind: 'message', message: stored } }),
      );

      const ids = async (terms: string[], viewer?: number, limit = 10, offset = 0) =>
        (await s.messages.searchVisible(terms, viewer, limit, offset)).messages.map((m) => m.id);
      const everyone = [other.message.id, ...pub.slice().reverse()];
      assert.deepEqual(await ids(['zephyrquill']), everyone, 'public only, newest first, any case');
      assert.deepEqual(await ids(['zephyrquill'], outsider.id), everyone, 'not a member: no private lines');
      assert.deepEqual(
        await ids(['zephyrquill'], insider.id),
        [other.message.id, priv, ...pub.slice().reverse()],
        'a member sees their private room',
      );
      const page = await s.messages.searchVisible(['zephyrquill'], insider.id, 2, 2);
      assert.equal(page.total, 5, 'the total counts every match, not the page');
      assert.deepEqual(
        page.messages.map((m) => m.id),
        [pub[2], pub[1]],
      );
      assert.deepEqual(await ids(['Zephyr', 'DAWN']), [pub[0]], 'every word must match');
      assert.deepEqual(await ids(['"quotes"']), [pub[1]], 'quotes are text');
      assert.deepEqual(await ids(['NEAR(a']), [pub[1]], 'NEAR( is text');
      assert.deepEqual(await ids(['*']), [pub[1]], 'a short word is looked for too');
      assert.deepEqual(await ids(['猫']), [pub[2]], 'one Japanese character');
      assert.deepEqual(await ids(['好きです']), [pub[2]], 'a Japanese substring');
      assert.deepEqual(await ids(['uill fl']), [pub[0]], 'a substring inside words');
      assert.deepEqual(await ids(['%']), [], 'LIKE wildcards are text');
      assert.deepEqual(await ids(['NOT']), [], 'operators are text');
      assert.deepEqual(await ids(['zephyrquill', 'OR', 'dawn']), [], 'OR is a word to find');
      assert.deepEqual(await s.messages.searchVisible([], undefined, 10, 0), { total: 0, messages: [] });
    });

    it("reads a room's own history for API 1.0: occupancy lines there, never in API 2.0's reads", async () => {
      await s.rooms.create(room('hist'));
      const from = await s.events.current();
      const o = occupant('histocc', 'nokey', 'hist');
      const written = await s.events.append([
        line('hist', o, 'system:enter'),
        note('hist', 1),
        line('elsewhere', o, 'system:enter'),
      ]);
      const { event: said } = await s.messages.append(
        {
          roomId: 'hist',
          type: 'user',
          speakerId: 'histocc',
          publicSessionId: 'p1',
          nickname: 'H',
          text: 'from API 1.0',
          localId: null,
          createdAt: at,
          occupant: { id: 'histocc', clientType: 'automaton' },
        },
        (stored) => ({ roomId: 'hist', createdAt: at, fact: { kind: 'message', message: stored } }),
      );
      const [enter] = written;
      const ids = (events: ChatEvent[]) => events.map((e) => e.id);
      assert.deepEqual(ids(await t.other.events.inRoom('hist', from, 10)), [enter!.id, said.id]);
      assert.deepEqual(ids(await s.events.inRoom('hist', enter!.id, 10)), [said.id]);
      assert.deepEqual(ids(await s.events.inRoom('hist', from, 1)), [enter!.id], 'the oldest first');
      assert.deepEqual(ids(await s.events.lastInRoom('hist', 1)), [said.id], 'the newest');
      assert.deepEqual(ids(await s.events.lastInRoom('hist', 5, said.id)), [enter!.id], 'below an id');
      assert.deepEqual(
        ids(await s.events.after(from, 10, ['hist'])),
        [said.id],
        'API 2.0 sees the line only',
      );
      assert.deepEqual(await s.events.inRoom('hist', from, 10).then((e) => e[0]?.fact), enter!.fact);
      const marks = await s.events.roomMarks(['hist', 'nothinghere']);
      assert.deepEqual(marks.get('hist'), { latest: said.id, latestMessage: said.id });
      assert.equal(marks.has('nothinghere'), false);
      assert.deepEqual(
        (await s.messages.latest('hist', 1))[0]?.occupant,
        { id: 'histocc', clientType: 'automaton' },
        'the archive keeps who said it through API 1.0',
      );
      assert.equal((await s.messages.latest('talk', 1))[0]?.occupant, undefined);
    });

    it('keeps API 1.0 sessions under their key, logged in and out', async () => {
      const fay = await s.users.create({ username: 'fay', name: 'Fay', passwordHash: 'h', createdAt: at });
      const session = v1Session('v1key-a');
      await s.occupancy.createSession(session);
      assert.deepEqual(await t.other.occupancy.session('v1key-a'), session);
      await s.occupancy.setUser('v1key-a', fay.id, 'live-key');
      assert.deepEqual(await s.occupancy.session('v1key-a'), {
        ...session,
        userId: fay.id,
        liveKey: 'live-key',
      });
      await s.occupancy.setUser('v1key-a', null, null);
      assert.deepEqual(await s.occupancy.session('v1key-a'), session);
      assert.equal(await s.occupancy.session('v1key-none'), undefined);
    });

    it('keeps occupants: entering with an event, found by ticket, session, room and user, renamed', async () => {
      const gil = await s.users.create({ username: 'gil', name: 'Gil', passwordHash: 'h', createdAt: at });
      await s.rooms.create(room('lounge'));
      await s.rooms.create(room('den'));
      await s.occupancy.createSession(v1Session('v1key-b', { userId: gil.id }));
      const a = occupant('occa', 'v1key-b', 'lounge', {
        userId: gil.id,
        username: 'gil',
        admission: 'member',
      });
      const b = occupant('occb', 'v1key-b', 'den', { nickname: null, enteredAt: at + 1 });
      const entered = await s.occupancy.enter(a, line('lounge', a, 'system:enter'));
      assert.equal(entered?.fact.kind, 'occupancy');
      assert.equal(await s.occupancy.enter(b), undefined, 'an observer enters without a line');
      assert.deepEqual(await t.other.occupancy.byTicket('ticket-occa'), a);
      assert.deepEqual(await s.occupancy.byId('occb'), b);
      assert.equal(await s.occupancy.byTicket('ticket-none'), undefined);
      assert.deepEqual(
        (await s.occupancy.ofSession('v1key-b')).map((o) => o.id),
        ['occa', 'occb'],
      );
      assert.deepEqual(
        (await s.occupancy.ofSession('v1key-b', 'den')).map((o) => o.id),
        ['occb'],
      );
      assert.deepEqual(
        (await s.occupancy.inRoom('lounge')).map((o) => o.id),
        ['occa'],
      );
      assert.deepEqual(
        (await s.occupancy.ofUser(gil.id)).map((o) => o.id),
        ['occa'],
      );
      const renamed = await s.occupancy.rename('occb', 'Bee', (before) => {
        assert.equal(before.nickname, null, 'the event is made from the occupant as it was');
        return line('den', { ...before, nickname: 'Bee' }, 'system:enter');
      });
      assert.ok(renamed);
      assert.equal((await s.occupancy.byId('occb'))?.nickname, 'Bee');
      assert.equal(await s.occupancy.rename('occnone', 'X', () => note('den', 0)), undefined);
      await s.occupancy.touch([{ key: 'v1key-b', at: at + 50 }], [{ id: 'occa', at: at + 40 }]);
      await s.occupancy.touch([{ key: 'v1key-b', at: at + 20 }], [{ id: 'occa', at: at + 30 }]);
      assert.equal((await s.occupancy.session('v1key-b'))?.lastActiveAt, at + 50, 'never moves back');
      assert.equal((await s.occupancy.byId('occa'))?.lastSeenAt, at + 40);
      await s.occupancy.endSession('v1key-b', () => undefined);
    });

    it('removes each occupant once, with its leave line, however many connections try', async () => {
      await s.rooms.create(room('hall'));
      await s.occupancy.createSession(v1Session('v1key-c'));
      const c = occupant('occc', 'v1key-c', 'hall');
      await s.occupancy.enter(c);
      const [first, second] = await Promise.all([
        s.occupancy.exit('occc', (o) => line('hall', o)),
        t.other.occupancy.exit('occc', (o) => line('hall', o)),
      ]);
      const all = [first!, second!];
      assert.equal(all.flatMap((d) => d.occupants).length, 1, 'one of them removed it');
      assert.equal(all.flatMap((d) => d.events).length, 1, 'and wrote its one leave line');
      const removed = all.find((d) => d.occupants.length === 1)!;
      assert.deepEqual(removed.occupants, [c]);
      assert.equal(removed.events[0]?.fact.kind, 'occupancy');
      assert.equal(await s.occupancy.byId('occc'), undefined);
    });

    it('expires idle tickets and idle sessions with all their occupants, returning exactly what went', async () => {
      await s.rooms.create(room('yard'));
      await s.occupancy.createSession(v1Session('v1key-idle', { lastActiveAt: at }));
      await s.occupancy.createSession(v1Session('v1key-busy', { lastActiveAt: at + 1000 }));
      await s.occupancy.enter(occupant('occfresh', 'v1key-idle', 'yard', { lastSeenAt: at + 1000 }));
      await s.occupancy.enter(occupant('occstale', 'v1key-busy', 'yard', { lastSeenAt: at + 10 }));
      await s.occupancy.enter(occupant('occseen', 'v1key-busy', 'yard', { lastSeenAt: at + 1000 }));
      await s.occupancy.enter(occupant('occquiet', 'v1key-busy', 'yard', { nickname: null, lastSeenAt: at }));
      const [mine, theirs] = await Promise.all([
        s.occupancy.expire(at + 500, at + 500, (o) => (o.nickname ? line('yard', o) : undefined)),
        t.other.occupancy.expire(at + 500, at + 500, (o) => (o.nickname ? line('yard', o) : undefined)),
      ]);
      // Other tests' sessions and occupants are idle by now too: only this room's and these sessions count.
      const gone = [...mine.occupants, ...theirs.occupants].filter((o) => o.roomId === 'yard');
      assert.deepEqual(
        gone.map((o) => o.id).sort(),
        ['occfresh', 'occquiet', 'occstale'],
        'stale tickets, and every ticket of a dead session, each returned once',
      );
      assert.deepEqual(
        [...mine.sessions, ...theirs.sessions]
          .map((x) => x.key)
          .filter((k) => ['v1key-idle', 'v1key-busy'].includes(k)),
        ['v1key-idle'],
      );
      const lines = [...mine.events, ...theirs.events].filter((e) => e.roomId === 'yard');
      assert.equal(lines.length, 2, 'a leave line for each shown occupant, none for the observer');
      assert.deepEqual(
        (await s.occupancy.inRoom('yard')).map((o) => o.id),
        ['occseen'],
      );
      assert.equal(await s.occupancy.session('v1key-idle'), undefined);
      const ended = await s.occupancy.endSession('v1key-busy', (o) => line('yard', o));
      assert.deepEqual(
        [ended.sessions.map((x) => x.key), ended.occupants.map((o) => o.id), ended.events.length],
        [['v1key-busy'], ['occseen'], 1],
      );
      const again = await s.occupancy.endSession('v1key-busy', (o) => line('yard', o));
      assert.deepEqual(again, { sessions: [], occupants: [], events: [] });
    });

    it('evicts from a narrowed room those neither members nor let in by its password; a deleted room takes its occupants', async () => {
      const hal = await s.users.create({ username: 'hal', name: 'Hal', passwordHash: 'h', createdAt: at });
      const ivy = await s.users.create({ username: 'ivy', name: 'Ivy', passwordHash: 'h', createdAt: at });
      await s.rooms.create(room('attic'));
      await s.occupancy.createSession(v1Session('v1key-d'));
      await s.occupancy.enter(occupant('occmember', 'v1key-d', 'attic', { userId: hal.id }));
      await s.occupancy.enter(occupant('occother', 'v1key-d', 'attic', { userId: ivy.id }));
      await s.occupancy.enter(occupant('occanon', 'v1key-d', 'attic'));
      await s.occupancy.enter(occupant('occpass', 'v1key-d', 'attic', { admission: 'password' }));
      const evicted = await s.occupancy.evict('attic', [hal.id], (o) => line('attic', o));
      assert.deepEqual(evicted.occupants.map((o) => o.id).sort(), ['occanon', 'occother']);
      assert.equal(evicted.events.length, 2);
      assert.deepEqual((await s.occupancy.evict('attic', [hal.id], (o) => line('attic', o))).occupants, []);
      await s.rooms.remove('attic', note('attic', 1));
      assert.deepEqual(await s.occupancy.inRoom('attic'), []);
    });

    it('tells a watcher soon when another connection stores events, and stops when asked', async () => {
      let changed = 0;
      const stop = s.watch(() => changed++);
      await t.other.events.append([note('r1', 50)]);
      await waitFor(() => changed > 0);
      stop();
      const seen = changed;
      await t.other.events.append([note('r1', 51)]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(changed, seen);
    });
  });
}
