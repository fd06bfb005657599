import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  Bot,
  BotFailure,
  ChatEvent,
  NewEvent,
  NewMessage,
  Occupant,
  Room,
  SessionRecord,
  V1Session,
} from '../../src/core/model.js';
import type { Store } from '../../src/core/ports.js';

/** Two connections to one store, as two server processes (or a server and the command line) have. */
export interface StoreUnderTest {
  store: Store;
  /** A second, independent connection to the same data. */
  other: Store;
  close(): Promise<void>;
}

const at = 1_764_000_000_000;

/** A user's line in a room (Ann's unless `o` says otherwise), stored with its event as the writers store it. */
const sayIn = (store: Store, roomId: string, text: string, o: Partial<NewMessage> = {}) =>
  store.messages.append({
    roomId,
    type: 'user',
    speakerId: 'ann',
    publicSessionId: 'p1',
    nickname: 'Ann',
    text,
    localId: null,
    createdAt: at,
    ...o,
  });

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

const accountChange = (userId: number, change: 'deleted' | 'signedOut'): NewEvent => ({
  roomId: '',
  createdAt: at,
  fact: { kind: 'account', account: { userId, change } },
});

const session = (id: string, userId: number, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  publicId: `pub-${id}`,
  userId,
  nickname: 'N',
  appKey: null,
  hidden: false,
  online: false,
  createdAt: at,
  lastActiveAt: at,
  rooms: [],
  legacyCsrfKey: '',
  ...overrides,
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

const bot = (id: string, overrides: Partial<Bot> = {}): Bot => ({
  id,
  name: `${id} bot`,
  ownerId: null,
  secret: 'a'.repeat(27),
  callbackUrl: `https://bots.example/${id}`,
  enabled: true,
  createdAt: at,
  ...overrides,
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

    it('keeps the language a user chose for the pages: none at first, set, changed, cleared', async () => {
      const jun = await s.users.create({ username: 'jun', name: '純', passwordHash: 'h', createdAt: at });
      assert.equal(jun.language, null, 'a new user follows their browser');
      await s.users.setLanguage(jun.id, 'ja');
      assert.equal((await t.other.users.byId(jun.id))?.language, 'ja', 'seen from another connection');
      assert.equal((await s.users.byUsername('jun'))?.language, 'ja');
      await s.users.setLanguage(jun.id, 'en');
      assert.equal((await s.users.byId(jun.id))?.language, 'en');
      await s.users.setLanguage(jun.id, null);
      assert.equal((await s.users.byId(jun.id))?.language, null);
      const other = await s.users.create({ username: 'jun2', name: 'J', passwordHash: 'h', createdAt: at });
      await s.users.setLanguage(other.id, 'ja');
      assert.equal((await s.users.byId(jun.id))?.language, null, 'one user’s choice is theirs alone');
    });

    it('keeps site administrators: nobody at first, made one, no longer one', async () => {
      const ada = await s.users.create({ username: 'ada', name: 'Ada', passwordHash: 'h', createdAt: at });
      assert.equal(ada.admin, false, 'a new user is no administrator');
      await s.users.setAdmin(ada.id, true);
      assert.equal((await t.other.users.byId(ada.id))?.admin, true, 'seen from another connection');
      assert.equal((await s.users.byUsername('ada'))?.admin, true);
      assert.equal((await s.users.list()).find((u) => u.id === ada.id)?.admin, true);
      await s.users.setAdmin(ada.id, false);
      assert.equal((await s.users.byId(ada.id))?.admin, false);
    });

    it('lists every user in sign-up order, guests too, and every room, private ones too', async () => {
      const before = (await s.users.list()).length;
      const one = await s.users.create({ username: 'lst1', name: 'L1', passwordHash: 'h', createdAt: at });
      const two = await s.users.create({
        username: 'lst2',
        name: 'L2',
        passwordHash: '!',
        createdAt: at,
        guest: true,
      });
      const users = await t.other.users.list();
      assert.equal(users.length, before + 2);
      assert.deepEqual(
        users.slice(-2).map((u) => [u.id, u.username, u.guest]),
        [
          [one.id, 'lst1', false],
          [two.id, 'lst2', true],
        ],
      );
      assert.deepEqual(
        users.map((u) => u.id),
        users.map((u) => u.id).sort((a, b) => a - b),
      );
      await s.rooms.create(room('lst_open', { createdAt: at + 1, tags: ['x', 'y'] }));
      await s.rooms.create(room('lst_shut', { createdAt: at + 2, isPublic: false }));
      const rooms = (await t.other.rooms.list()).filter((r) => r.id.startsWith('lst_'));
      assert.deepEqual(rooms, [
        room('lst_open', { createdAt: at + 1, tags: ['x', 'y'] }),
        room('lst_shut', { createdAt: at + 2, isPublic: false }),
      ]);
    });

    it('gives a new password and ends every session of the user with its account change, in one step', async () => {
      const pat = await s.users.create({ username: 'pat', name: 'Pat', passwordHash: 'old', createdAt: at });
      const other = await s.users.create({ username: 'pat2', name: 'P', passwordHash: 'h', createdAt: at });
      await s.sessions.create(session('pat-a', pat.id, { lastActiveAt: at + 1, rooms: ['r'] }));
      await s.sessions.create(session('pat-b', pat.id, { lastActiveAt: at + 2 }));
      await s.sessions.create(session('pat2-a', other.id));
      assert.deepEqual(
        (await t.other.sessions.ofUser(pat.id)).map((x) => x.id),
        ['pat-b', 'pat-a'],
        'the most recently active first',
      );
      assert.equal(await s.sessions.exists('pat-a'), true);
      const from = await s.events.current();
      const event = await s.users.setPassword(pat.id, 'new', accountChange(pat.id, 'signedOut'));
      assert.ok(event && event.id > from);
      assert.deepEqual(await t.other.events.after(from, 10), [event]);
      assert.deepEqual(event.fact, { kind: 'account', account: { userId: pat.id, change: 'signedOut' } });
      assert.equal((await s.users.byId(pat.id))?.passwordHash, 'new');
      assert.equal(await t.other.sessions.exists('pat-a'), false);
      assert.equal(await s.sessions.byId('pat-b'), undefined);
      assert.deepEqual(await s.sessions.ofUser(pat.id), []);
      assert.equal(await s.sessions.exists('pat2-a'), true, 'another user’s sessions stay');
      assert.deepEqual(await s.events.after(from, 10, ['']), [], 'no client ever reads an account change');
      const none = await s.users.setPassword(999_999, 'x', accountChange(999_999, 'signedOut'));
      assert.equal(none, undefined);
      assert.equal(await s.events.current(), event.id, 'nothing written for nobody');
      await s.sessions.delete('pat2-a');
    });

    it('retires a deleted account: its sessions, memberships and icon go, its username stays taken', async () => {
      const rex = await s.users.create({
        username: 'rex',
        name: 'Rex R',
        passwordHash: 'h',
        createdAt: at,
        email: 'rex@example.org',
      });
      await s.users.setIcon(rex.id, { type: 'image/png', bytes: Buffer.from([1]) }, at);
      await s.rooms.create(room('rex_room', { ownerId: rex.id }));
      await s.rooms.join(
        { roomId: 'rex_room', userId: rex.id, isOwner: true, joinedAt: at, lastActiveAt: null },
        () => note('rex_room', 1),
      );
      await s.sessions.create(session('rex-a', rex.id));
      assert.deepEqual(await s.users.retired(['rex']), new Set(), 'not retired while the account is there');
      const from = await s.events.current();
      const event = await s.users.retire(rex.id, at + 5, accountChange(rex.id, 'deleted'));
      assert.ok(event && event.id > from);
      assert.deepEqual(await t.other.events.after(from, 10), [event]);
      assert.equal(await t.other.users.byUsername('rex'), undefined);
      assert.equal(await s.users.byId(rex.id), undefined);
      assert.equal(await s.users.byEmail('rex@example.org'), undefined, 'the email is free again');
      assert.equal(await s.users.icon('rex'), undefined);
      assert.equal(await s.sessions.exists('rex-a'), false);
      assert.deepEqual(await s.rooms.members('rex_room'), []);
      assert.equal((await s.rooms.byId('rex_room'))?.ownerId, null, 'the room stays, without an owner');
      assert.deepEqual(await t.other.users.retired(['rex', 'ann', 'nobody']), new Set(['rex']));
      assert.deepEqual(await s.users.retired([]), new Set());
      assert.equal(await s.users.retire(rex.id, at, accountChange(rex.id, 'deleted')), undefined);
      assert.equal(await s.events.current(), event.id, 'nothing written for nobody');
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
      const { event } = await sayIn(s, 'visible', 'hello');
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
      const events: ChatEvent[] = [];
      for (let i = 0; i < 5; i++) {
        const { message, event } = await sayIn(s, 'talk', `line ${i} Ünïcode {"id":0,"x":"}`, {
          localId: i === 0 ? 'local' : null,
          createdAt: at + i * 60_000,
          ...(i === 2 ? { occupant: { id: 'occ1', clientType: 'human' as const } } : {}),
        });
        assert.deepEqual(event.fact, { kind: 'message', message });
        assert.deepEqual(event, {
          id: event.id,
          roomId: 'talk',
          createdAt: at + i * 60_000,
          fact: event.fact,
        });
        ids.push(message.id);
        events.push(event);
      }
      assert.deepEqual(await s.events.inRoom('talk', 0, 10), events, 'read back exactly as returned');
      const spokenByOccupant = events[2]!.fact;
      assert.ok(spokenByOccupant.kind === 'message');
      assert.deepEqual(await s.messages.byId(ids[2]!), spokenByOccupant.message);
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
      // A stored Message passed as a new line: the store gives the id, never the one it carries.
      const copied = await s.messages.append((await s.messages.byId(ids[1]!))!);
      assert.ok(copied.message.id > ids[4]!);
      assert.deepEqual(copied.event.fact, { kind: 'message', message: copied.message });
      assert.deepEqual(await s.events.inRoom('talk', copied.event.id - 1, 1), [copied.event]);
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
      const both = await s.rooms.withMembership('club', bob.id);
      assert.equal(both?.room.id, 'club');
      assert.deepEqual(both?.membership, await s.rooms.membership('club', bob.id));
      const stranger = await s.users.create({
        username: 'stranger',
        name: 'Stranger',
        passwordHash: 'h',
        createdAt: at,
      });
      assert.deepEqual(await s.rooms.withMembership('club', stranger.id), {
        room: await s.rooms.byId('club'),
        membership: undefined,
      });
      assert.equal(await s.rooms.withMembership('no_such_room', bob.id), undefined);
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

    it('stores a member’s line only while a member, and records that they spoke in the same transaction', async () => {
      const dog = await s.users.create({
        username: 'barker',
        name: 'Barker',
        passwordHash: 'h',
        createdAt: at,
      });
      await s.rooms.create(room('barks'));
      const bark = (text: string, createdAt: number): NewMessage => ({
        roomId: 'barks',
        type: 'user',
        speakerId: 'barker',
        publicSessionId: 'p1',
        nickname: 'Barker',
        text,
        localId: null,
        createdAt,
      });
      const before = await s.events.current();
      assert.equal(await s.messages.appendAsMember(bark('not yet', at), dog.id), undefined, 'no member yet');
      assert.deepEqual(await s.messages.latest('barks', 10), [], 'the refused line is not stored');
      assert.equal(await s.events.current(), before, 'nor is its event');
      await s.rooms.join(
        { roomId: 'barks', userId: dog.id, isOwner: false, joinedAt: at, lastActiveAt: null },
        () => note('barks', 0),
      );
      await sayIn(s, 'barks', 'first bark', { speakerId: 'barker', createdAt: at + 1 });
      assert.equal((await s.rooms.members('barks'))[0]?.lastActiveAt, null, 'a plain append moves nothing');
      assert.equal((await s.rooms.unread(dog.id, 10)).get('barks'), 1);
      // Said together (one group on PostgreSQL) with a stranger's refused line between them: the membership
      // ends at the later line, and the stored lines' events come out whole and in order.
      const cat = await s.users.create({ username: 'cat', name: 'Cat', passwordHash: 'h', createdAt: at });
      const [two, refused, three] = await Promise.all([
        s.messages.appendAsMember(bark('bark two', at + 2), dog.id),
        s.messages.appendAsMember({ ...bark('meow', at + 2), speakerId: 'cat' }, cat.id),
        s.messages.appendAsMember(bark('bark three', at + 3), dog.id),
      ]);
      assert.equal(refused, undefined);
      assert.ok(two && three);
      assert.deepEqual(
        [two.message.text, three.message.text, two.roomHasBots],
        ['bark two', 'bark three', false],
      );
      assert.deepEqual(await t.other.events.inRoom('barks', two.event.id - 1, 10), [two.event, three.event]);
      assert.deepEqual(
        (await t.other.messages.latest('barks', 10)).map((m) => m.text),
        ['first bark', 'bark two', 'bark three'],
      );
      assert.equal((await t.other.rooms.members('barks'))[0]?.lastActiveAt, at + 3);
      assert.equal(
        (await t.other.rooms.unread(dog.id, 10)).get('barks') ?? 0,
        0,
        'read through its own lines',
      );
      await s.bots.create(bot('barkbot'));
      await t.other.bots.addToRoom('barks', 'barkbot', three.event.id, at);
      assert.equal((await s.messages.appendAsMember(bark('to the bot', at + 4), dog.id))?.roomHasBots, true);
      await s.bots.delete('barkbot');
      await s.rooms.leave('barks', dog.id, () => [note('barks', 5)]);
      assert.equal(await s.messages.appendAsMember(bark('gone', at + 6), dog.id), undefined, 'after leaving');
      await s.rooms.remove('barks', note('barks', 7));
      assert.equal(await s.messages.appendAsMember(bark('no room', at + 8), dog.id), undefined, 'room gone');
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
      const cat = await s.users.create({
        username: 'talker',
        name: 'Talker',
        passwordHash: 'h',
        createdAt: at,
      });
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

    it('finds Japanese words inside sentences, however short, in a room’s lines and in rooms’ names, descriptions and tags', async () => {
      await s.rooms.create(
        room('nihon', {
          name: '日本のプログラマー',
          blurb: '東京で毎週もくもく会',
          tags: ['日本語', 'ラーメン'],
        }),
      );
      await s.rooms.create(room('neko', { name: 'ねこ', tags: ['猫'] }));
      const said = async (roomId: string, text: string, n: number) =>
        (await sayIn(s, roomId, text, { nickname: 'アン', createdAt: at + n })).message.id;
      const ramen = await said('nihon', '今日は日本でラーメンを食べました', 1);
      const dog = await said('nihon', '犬がいます', 2);
      await said('nihon', 'ニホンゴ', 3);
      const elsewhere = await said('neko', '日本の犬', 4);

      const found = async (roomId: string, query: string) =>
        (await s.messages.search(roomId, query, 10)).map((m) => m.id);
      // Japanese has no spaces between words (the words here are not the next test's, which searches all rooms): a word is found wherever it sits in a sentence.
      assert.deepEqual(await found('nihon', '日本'), [ramen], 'two characters, mid-sentence');
      assert.deepEqual(await found('nihon', '犬'), [dog], 'one character');
      assert.deepEqual(await found('nihon', 'ラーメンを食べ'), [ramen], 'a longer run, across words');
      assert.deepEqual(await found('nihon', 'にほん'), [], 'hiragana is not katakana');
      assert.equal(await s.messages.countMatches('nihon', '日本'), 1, 'counted in this room only');
      assert.equal(await s.messages.countMatches('neko', '日本'), 1);

      const everywhere = async (terms: string[]) =>
        (await s.messages.searchVisible(terms, undefined, 10, 0)).messages.map((m) => m.id);
      assert.deepEqual(await everywhere(['日本']), [elsewhere, ramen], 'a short word across rooms');
      assert.deepEqual(await everywhere(['日本', 'ラーメン']), [ramen], 'short and long words together');

      const rooms = async (query: string) => (await s.directory.search(query, 10)).map((r) => r.id).sort();
      assert.deepEqual(await rooms('日本'), ['nihon'], 'in a name (and a tag)');
      assert.deepEqual(await rooms('もくもく'), ['nihon'], 'in a description');
      assert.deepEqual(await rooms('京'), ['nihon'], 'one character of a description');
      assert.deepEqual(await rooms('ラーメン'), ['nihon'], 'in a tag');
      assert.deepEqual(await rooms('猫'), ['neko'], 'a one-character tag');
      assert.deepEqual(
        (await s.directory.withTag('日本語', 10)).map((r) => r.id),
        ['nihon'],
      );
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
        (await sayIn(s, roomId, text, { createdAt: at + n })).message.id;
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
      const other = await sayIn(t.other, 'findpub', 'ZEPHYRQUILL shouted', {
        speakerId: 'bo',
        publicSessionId: 'p2',
        nickname: 'Bo',
        createdAt: at + 7,
      });

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
      const { event: said } = await sayIn(s, 'hist', 'from API 1.0', {
        speakerId: 'histocc',
        nickname: 'H',
        occupant: { id: 'histocc', clientType: 'automaton' },
      });
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

    it('ends every API 1.0 session of a user with all its occupants and their leave lines', async () => {
      const uma = await s.users.create({ username: 'uma', name: 'Uma', passwordHash: 'h', createdAt: at });
      await s.rooms.create(room('uma_room'));
      await s.occupancy.createSession(v1Session('uma-1', { userId: uma.id }));
      await s.occupancy.createSession(v1Session('uma-2', { userId: uma.id }));
      await s.occupancy.createSession(v1Session('uma-anon'));
      const inRoom = occupant('umaocc1', 'uma-1', 'uma_room', { userId: uma.id, username: 'uma' });
      const asUma = occupant('umaocc2', 'uma-anon', 'uma_room', { userId: uma.id, username: 'uma' });
      const anon = occupant('umaocc3', 'uma-anon', 'uma_room');
      for (const o of [inRoom, asUma, anon]) await s.occupancy.enter(o);
      const gone = await s.occupancy.endSessionsOf(uma.id, (o) => line('uma_room', o));
      assert.deepEqual(gone.sessions.map((x) => x.key).sort(), ['uma-1', 'uma-2']);
      assert.deepEqual(gone.occupants.map((o) => o.id).sort(), ['umaocc1', 'umaocc2']);
      assert.equal(gone.events.length, 2);
      assert.equal(await t.other.occupancy.session('uma-1'), undefined);
      assert.ok(await s.occupancy.session('uma-anon'), 'a session not logged in as them stays');
      assert.deepEqual(
        (await s.occupancy.inRoom('uma_room')).map((o) => o.id),
        ['umaocc3'],
      );
      const again = await t.other.occupancy.endSessionsOf(uma.id, (o) => line('uma_room', o));
      assert.deepEqual([again.sessions, again.occupants, again.events], [[], [], []]);
      await s.occupancy.endSession('uma-anon', () => undefined);
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

    it('keeps bots: create, find, list by id and owner, update, ids unique whatever their case, icons, delete', async () => {
      const owner = await s.users.create({
        username: 'botmaker',
        name: 'B',
        passwordHash: 'h',
        createdAt: at,
      });
      const zeta = bot('Zeta', { ownerId: owner.id });
      assert.deepEqual(await s.bots.create(zeta), zeta);
      const alpha = bot('alpha', { callbackUrl: null, enabled: false, createdAt: at + 1 });
      await s.bots.create(alpha);
      await t.other.bots.create(bot('Beta_bot', { ownerId: owner.id }));
      assert.deepEqual(await t.other.bots.byId('Zeta'), zeta, 'seen from another connection');
      assert.deepEqual(await s.bots.byId('alpha'), alpha, 'no callback and switched off, as made');
      assert.equal(await s.bots.byId('zeta'), undefined, 'ids are case-sensitive (spec 2.6)');
      assert.equal(await s.bots.byId('nobot'), undefined);
      const ids = (bots: Bot[]) => bots.map((b) => b.id);
      assert.deepEqual(ids(await s.bots.list()), ['Beta_bot', 'Zeta', 'alpha'], 'by id, in byte order');
      assert.deepEqual(ids(await s.bots.list(owner.id)), ['Beta_bot', 'Zeta']);

      const taken = { code: 'invalid_parameter', message: /already taken/ };
      await assert.rejects(s.bots.create(bot('ZETA', { name: 'Impostor' })), taken);
      await assert.rejects(t.other.bots.create(bot('Zeta', { name: 'Impostor' })), taken);
      await assert.rejects(s.bots.create(bot('ALPHA')), taken);
      assert.equal(await s.bots.byId('ZETA'), undefined, 'nothing is made with a taken id');
      assert.equal((await s.bots.byId('Zeta'))?.name, 'Zeta bot');

      await s.bots.update({
        ...zeta,
        name: 'Zeta Prime',
        secret: 'b'.repeat(27),
        callbackUrl: null,
        enabled: false,
        ownerId: null,
        createdAt: at + 99,
      });
      assert.deepEqual(
        await t.other.bots.byId('Zeta'),
        { ...zeta, name: 'Zeta Prime', secret: 'b'.repeat(27), callbackUrl: null, enabled: false },
        'name, secret, callback and enabled change; owner and creation time do not',
      );
      await s.bots.update({ ...alpha, callbackUrl: 'https://bots.example/alpha/v2', enabled: true });
      assert.deepEqual(await s.bots.byId('alpha'), {
        ...alpha,
        callbackUrl: 'https://bots.example/alpha/v2',
        enabled: true,
      });

      assert.equal(await s.bots.icon('Zeta'), undefined);
      await s.bots.setIcon('Zeta', { type: 'image/png', bytes: Buffer.from([1, 2, 3]) }, at);
      assert.deepEqual(await t.other.bots.icon('Zeta'), { type: 'image/png', bytes: Buffer.from([1, 2, 3]) });
      await s.bots.setIcon('Zeta', { type: 'image/gif', bytes: Buffer.from([4, 5]) }, at + 1);
      assert.deepEqual(await s.bots.icon('Zeta'), { type: 'image/gif', bytes: Buffer.from([4, 5]) });
      assert.equal(await s.bots.icon('alpha'), undefined, 'icons are each bot’s own');

      await s.users.delete(owner.id);
      assert.equal(
        (await s.bots.byId('Beta_bot'))?.ownerId,
        null,
        'an owner leaving leaves the bot ownerless',
      );
      assert.deepEqual(await s.bots.list(owner.id), []);

      await s.bots.delete('Zeta');
      assert.equal(await t.other.bots.byId('Zeta'), undefined);
      assert.equal(await s.bots.icon('Zeta'), undefined, 'the icon goes with the bot');
      assert.deepEqual(ids(await s.bots.list()), ['Beta_bot', 'alpha']);
      await s.bots.create(bot('zeta'));
      assert.equal(await s.bots.icon('zeta'), undefined, 'the id is free again, and a new bot has no icon');
      await s.bots.delete('nobot');
    });

    it('puts bots in rooms once each, in the order added; deleting the room or the bot takes them out', async () => {
      await s.rooms.create(room('botden'));
      await s.rooms.create(room('botyard'));
      for (const id of ['b_one', 'b_two', 'b_three']) await s.bots.create(bot(id));
      assert.equal(await s.bots.addToRoom('botden', 'b_two', 100, at), true);
      assert.equal(await t.other.bots.addToRoom('botden', 'b_two', 200, at + 1), false, 'there already');
      assert.equal(await s.bots.claim('b_two', 'botden', 'h', at, at + 1), 100, 'the first cursor stays');
      assert.equal(await s.bots.addToRoom('botyard', 'b_one', 100, at), true);
      assert.equal(await s.bots.addToRoom('botden', 'b_one', 100, at), true);
      assert.equal(await s.bots.addToRoom('botden', 'b_three', 100, at), true);
      const ids = (bots: Bot[]) => bots.map((b) => b.id);
      assert.deepEqual(ids(await t.other.bots.inRoom('botden')), ['b_two', 'b_one', 'b_three']);
      assert.deepEqual((await s.bots.inRoom('botden'))[0], bot('b_two'), 'whole bots');
      assert.deepEqual(await s.bots.roomsOf('b_one'), ['botyard', 'botden'], 'in the order it was added');
      assert.deepEqual(await s.bots.inRoom('nowhere'), []);
      assert.deepEqual(await s.bots.roomsOf('nobot'), []);

      assert.equal(await s.bots.removeFromRoom('botden', 'b_two'), true);
      assert.equal(await t.other.bots.removeFromRoom('botden', 'b_two'), false, 'gone already');
      assert.deepEqual(ids(await s.bots.inRoom('botden')), ['b_one', 'b_three']);
      assert.equal(await s.bots.addToRoom('botden', 'b_two', 300, at), true, 'back again');
      assert.deepEqual(ids(await s.bots.inRoom('botden')), ['b_one', 'b_three', 'b_two'], 'at the end');
      assert.equal(await s.bots.claim('b_two', 'botden', 'h', at, at + 1), 300, 'with its new cursor');

      await s.rooms.remove('botden', note('botden', 0));
      assert.deepEqual(await s.bots.inRoom('botden'), []);
      assert.deepEqual(await s.bots.roomsOf('b_one'), ['botyard']);
      assert.deepEqual(await s.bots.roomsOf('b_two'), []);
      assert.equal(await s.bots.claim('b_one', 'botden', 'h', at, at + 1), undefined);
      await s.rooms.create(room('botden'));
      assert.deepEqual(await s.bots.inRoom('botden'), [], 'a new room of the same id starts with none');
      assert.ok(await s.bots.byId('b_one'), 'the bots themselves stay');

      await s.bots.delete('b_one');
      assert.deepEqual(await s.bots.inRoom('botyard'), []);
      assert.deepEqual(await s.bots.roomsOf('b_one'), []);
      await s.bots.create(bot('b_one'));
      assert.deepEqual(await s.bots.roomsOf('b_one'), [], 'a new bot of the same id is in no room');
    });

    it('leases a bot’s lines in a room to one holder at a time, until released or expired', async () => {
      await s.rooms.create(room('botlease'));
      await s.bots.create(bot('leaser'));
      await s.bots.addToRoom('botlease', 'leaser', 100, at);
      const claim = (store: Store, holder: string, now: number, until: number) =>
        store.bots.claim('leaser', 'botlease', holder, now, until);
      assert.equal(await claim(s, 'A', 1000, 2000), 100, 'a free lease: the cursor');
      assert.equal(await claim(t.other, 'B', 1500, 2500), undefined, 'held by A');
      assert.equal(await claim(s, 'A', 1500, 3000), 100, 'A renews its own');
      assert.equal(
        await claim(t.other, 'B', 2500, 3500),
        undefined,
        'the renewal holds past the first lease',
      );
      await t.other.bots.release('leaser', 'botlease', 'B');
      assert.equal(await claim(t.other, 'B', 2600, 3600), undefined, 'only the holder releases it');
      await s.bots.release('leaser', 'botlease', 'A');
      assert.equal(await claim(t.other, 'B', 2600, 3600), 100, 'released: B takes it');
      assert.equal(await claim(s, 'A', 3599, 5000), undefined, 'not yet expired');
      assert.equal(await claim(s, 'A', 3600, 5000), 100, 'expired at its end: A takes it over');
      assert.equal(await claim(t.other, 'B', 4000, 6000), undefined, 'and B has lost it');
      assert.equal(await s.bots.claim('leaser', 'nowhere', 'A', 0, 1), undefined, 'not in the room');
      assert.equal(await s.bots.claim('nobot', 'botlease', 'A', 0, 1), undefined, 'no such bot');

      // Many holders at the same instant, through both connections: each lease goes to exactly one.
      for (let round = 0; round < 10; round++) {
        const now = 10_000 + round * 1000;
        const won = await Promise.all(
          ['C', 'D', 'E', 'F'].map((h, i) =>
            claim(i % 2 === 0 ? s : t.other, `${h}${round}`, now, now + 1000),
          ),
        );
        assert.equal(won.filter((c) => c === 100).length, 1, `round ${round}: one winner (${won.join(',')})`);
      }
    });

    it('moves a cursor only by compare-and-set, and only for the lease’s holder', async () => {
      await s.rooms.create(room('botsteps'));
      await s.bots.create(bot('stepper'));
      await s.bots.addToRoom('botsteps', 'stepper', 10, at);
      const advance = (store: Store, holder: string, from: number, to: number, until: number) =>
        store.bots.advance('stepper', 'botsteps', holder, from, to, until);
      assert.equal(await advance(s, 'A', 10, 20, 2000), false, 'nobody holds it: nobody moves it');
      assert.equal(await s.bots.claim('stepper', 'botsteps', 'A', 1000, 2000), 10);
      assert.equal(await advance(s, 'A', 10, 20, 3000), true);
      assert.equal(
        await t.other.bots.claim('stepper', 'botsteps', 'A', 1000, 3000),
        20,
        'moved, for everyone',
      );
      assert.equal(await advance(s, 'A', 10, 30, 3000), false, 'from a stale cursor');
      assert.equal(await advance(t.other, 'B', 20, 30, 3000), false, 'by another than the holder');
      assert.equal(
        await t.other.bots.claim('stepper', 'botsteps', 'B', 2500, 3500),
        undefined,
        'renewed to 3000',
      );

      assert.equal(await t.other.bots.claim('stepper', 'botsteps', 'B', 3000, 4000), 20, 'A’s lease ran out');
      assert.equal(await advance(s, 'A', 20, 30, 5000), false, 'A lost its lease: the line is not A’s');
      assert.equal(await advance(t.other, 'B', 20, 30, 4000), true);
      await t.other.bots.release('stepper', 'botsteps', 'B');
      assert.equal(await advance(t.other, 'B', 30, 40, 5000), false, 'released: no longer B’s');
      assert.equal(
        await s.bots.claim('stepper', 'botsteps', 'A', 5000, 6000),
        30,
        'the cursor outlives the lease',
      );

      // The same step tried twice at once (two deliveries of one line): one of them moves it.
      const both = await Promise.all([advance(s, 'A', 30, 31, 6000), advance(t.other, 'A', 30, 31, 6000)]);
      assert.equal(both.filter(Boolean).length, 1, `one step (${both.join(',')})`);
      assert.equal(await s.bots.claim('stepper', 'botsteps', 'A', 5000, 6000), 31);
    });

    it('lists cursors nobody is delivering whose rooms have lines after them', async () => {
      const say = async (roomId: string) => (await sayIn(s, roomId, 'for the bots')).event.id;
      for (const id of ['botbusy', 'botnoise', 'botquiet']) await s.rooms.create(room(id));
      for (const id of ['hearer1', 'hearer2']) await s.bots.create(bot(id));
      const mine = async (store: Store, now: number, limit = 100) =>
        (await store.bots.behind(now, limit))
          .filter((c) => c.botId.startsWith('hearer'))
          .map((c) => `${c.botId}@${c.roomId}:${c.cursor}`);

      await say('botquiet');
      const head = await s.events.current();
      for (const r of ['botbusy', 'botnoise', 'botquiet']) await s.bots.addToRoom(r, 'hearer1', head, at);
      assert.deepEqual(await mine(s, 0), [], 'a line before the cursor is no backlog');

      await s.events.append([note('botnoise', 1), line('botnoise', occupant('botocc', 'none', 'botnoise'))]);
      assert.deepEqual(await mine(s, 0), [], 'events other than lines are not for bots');

      const first = await say('botbusy');
      await s.bots.addToRoom('botbusy', 'hearer2', first, at);
      assert.deepEqual(await mine(t.other, 0), [`hearer1@botbusy:${head}`], 'behind, and only it');

      assert.equal(await s.bots.claim('hearer1', 'botbusy', 'A', 0, 1000), head);
      assert.deepEqual(await mine(s, 999), [], 'someone is delivering it');
      assert.deepEqual(
        await mine(s, 1000),
        [`hearer1@botbusy:${head}`],
        'its holder died: the lease ran out',
      );
      assert.equal(await s.bots.advance('hearer1', 'botbusy', 'A', head, first, 2000), true);
      await s.bots.release('hearer1', 'botbusy', 'A');
      assert.deepEqual(await mine(s, 3000), [], 'delivered through the line');

      const second = await say('botbusy');
      const third = await say('botquiet');
      assert.deepEqual(
        await mine(s, 0),
        [`hearer1@botbusy:${first}`, `hearer1@botquiet:${head}`, `hearer2@botbusy:${first}`],
        'in the order they were added',
      );
      assert.ok(second > first && third > second);
      assert.equal((await s.bots.behind(0, 1)).length, 1, 'at most limit');
      await s.bots.removeFromRoom('botquiet', 'hearer1');
      assert.deepEqual(await mine(s, 0), [`hearer1@botbusy:${first}`, `hearer2@botbusy:${first}`]);
    });

    it('keeps a bot’s newest failures, newest first, and none of a deleted bot', async () => {
      await s.bots.create(bot('flaky'));
      await s.bots.create(bot('steady'));
      const failure = (n: number, atTime = at + n): BotFailure => ({
        at: atTime,
        roomId: `room${n}`,
        eventId: 5000 + n,
        reason: `HTTP 50${n}`,
      });
      await s.bots.noteFailure('steady', failure(0), 3);
      for (let n = 1; n <= 5; n++) await (n % 2 ? s : t.other).bots.noteFailure('flaky', failure(n), 3);
      assert.deepEqual(await t.other.bots.failures('flaky'), [failure(5), failure(4), failure(3)]);
      assert.deepEqual(await s.bots.failures('steady'), [failure(0)], 'each bot keeps its own');
      await s.bots.noteFailure('flaky', failure(6, at + 5), 3);
      assert.deepEqual(
        await s.bots.failures('flaky'),
        [failure(6, at + 5), failure(5), failure(4)],
        'at the same time, the one noted last is the newest',
      );
      await s.bots.noteFailure('flaky', failure(1), 3);
      assert.deepEqual(
        await s.bots.failures('flaky'),
        [failure(6, at + 5), failure(5), failure(4)],
        'an older one than all kept is not kept',
      );

      await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          (n % 2 ? s : t.other).bots.noteFailure('flaky', failure(7 + n), 4),
        ),
      );
      const kept = await s.bots.failures('flaky');
      assert.deepEqual(
        kept.map((f) => f.eventId),
        [18, 17, 16, 15].map((n) => 5000 + n),
        'noted at once through two connections: the newest four stay',
      );

      await s.bots.noteFailure('nobot', failure(1), 3);
      assert.deepEqual(await s.bots.failures('nobot'), [], 'a bot deleted as it failed keeps nothing');
      await s.bots.delete('flaky');
      await s.bots.create(bot('flaky'));
      assert.deepEqual(await s.bots.failures('flaky'), [], 'failures go with their bot');
      assert.deepEqual(await s.bots.failures('steady'), [failure(0)]);
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
