import type { ChatEvent, MemberView, Membership, NewEvent, Room } from '../../core/model.js';
import type { RoomRepository } from '../../core/ports.js';
import type { Db } from './database.js';
import type { SqliteEvents } from './events.js';

interface RoomRow {
  id: string;
  name: string;
  blurb: string | null;
  is_public: number;
  password_hash: string | null;
  owner_id: number | null;
  timezone: string;
  created_at: number;
}

interface MemberRow {
  room_id: string;
  user_id: number;
  is_owner: number;
  joined_at: number;
  last_active_at: number | null;
  username: string;
  name: string;
}

const toMembership = (r: Omit<MemberRow, 'username' | 'name'>): Membership => ({
  roomId: r.room_id,
  userId: r.user_id,
  isOwner: r.is_owner === 1,
  joinedAt: r.joined_at,
  lastActiveAt: r.last_active_at,
});

const toMember = (r: MemberRow): MemberView => ({ ...toMembership(r), username: r.username, name: r.name });

const MEMBER_COLUMNS =
  'm.room_id, m.user_id, m.is_owner, m.joined_at, m.last_active_at, u.username, u.name FROM memberships m JOIN users u ON u.id = m.user_id';

export class SqliteRooms implements RoomRepository {
  private readonly insertRoom;
  private readonly insertTag;
  private readonly selectRoom;
  private readonly selectRoomIds;
  private readonly selectTags;
  private readonly selectMembership;
  private readonly selectMember;
  private readonly selectMembers;
  private readonly selectRoomIdsOf;
  private readonly insertMembership;
  private readonly updateActivity;
  private readonly deleteMembership;
  private readonly deleteRoom;
  private readonly updateRoom;
  private readonly deleteTags;
  private readonly deleteSubscriptions;
  private readonly updateRead;
  private readonly selectUnread;
  private readonly selectInvitation;
  private readonly upsertInvitation;
  private readonly deleteInvitation;
  private readonly upsertIcon;
  private readonly selectIcon;

  constructor(
    private readonly db: Db,
    private readonly events: SqliteEvents,
  ) {
    this.updateRead = db.prepare<[number, string, number, number]>(
      'UPDATE memberships SET read_through = ? WHERE room_id = ? AND user_id = ? AND read_through < ?',
    );
    // Counted per room with a cap, so a room never opened costs no more than `cap` index steps.
    this.selectUnread = db.prepare<[number, number], { room_id: string; unread: number }>(
      `SELECT m.room_id, (SELECT COUNT(*) FROM (SELECT 1 FROM messages x
         WHERE x.room_id = m.room_id AND x.id > m.read_through AND x.deleted_at IS NULL LIMIT ?)) AS unread
       FROM memberships m WHERE m.user_id = ?`,
    );
    this.insertRoom = db.prepare(
      `INSERT INTO rooms (id, name, blurb, is_public, password_hash, owner_id, timezone, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertTag = db.prepare('INSERT OR IGNORE INTO room_tags (room_id, tag, position) VALUES (?, ?, ?)');
    this.selectRoom = db.prepare<[string], RoomRow>('SELECT * FROM rooms WHERE id = ?');
    this.selectRoomIds = db.prepare<[], { id: string }>('SELECT id FROM rooms ORDER BY created_at, id');
    this.selectTags = db.prepare<[string], { tag: string }>(
      'SELECT tag FROM room_tags WHERE room_id = ? ORDER BY position',
    );
    this.selectMembership = db.prepare<[string, number], MemberRow>(
      'SELECT * FROM memberships WHERE room_id = ? AND user_id = ?',
    );
    this.selectMember = db.prepare<[string, number], MemberRow>(
      `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = ? AND m.user_id = ?`,
    );
    this.selectMembers = db.prepare<[string], MemberRow>(
      `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = ? ORDER BY m.seq`,
    );
    this.selectRoomIdsOf = db.prepare<[number], { room_id: string }>(
      'SELECT room_id FROM memberships WHERE user_id = ? ORDER BY seq',
    );
    this.insertMembership = db.prepare(
      'INSERT OR IGNORE INTO memberships (room_id, user_id, is_owner, joined_at, last_active_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteRoom = db.prepare<[string]>('DELETE FROM rooms WHERE id = ?');
    this.updateRoom = db.prepare<[string, string | null, number, string | null, string, string]>(
      'UPDATE rooms SET name = ?, blurb = ?, is_public = ?, password_hash = ?, timezone = ? WHERE id = ?',
    );
    this.deleteTags = db.prepare<[string]>('DELETE FROM room_tags WHERE room_id = ?');
    this.deleteSubscriptions = db.prepare<[string]>('DELETE FROM session_rooms WHERE room_id = ?');
    this.deleteMembership = db.prepare('DELETE FROM memberships WHERE room_id = ? AND user_id = ?');
    this.selectInvitation = db.prepare<[string], { token: string }>(
      'SELECT token FROM room_invitations WHERE room_id = ?',
    );
    this.upsertInvitation = db.prepare<[string, string, number]>(
      `INSERT INTO room_invitations (room_id, token, created_at) VALUES (?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
    );
    this.deleteInvitation = db.prepare<[string]>('DELETE FROM room_invitations WHERE room_id = ?');
    this.upsertIcon = db.prepare<[string, string, Buffer, number]>(
      `INSERT INTO room_icons (room_id, type, bytes, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes, updated_at = excluded.updated_at`,
    );
    this.selectIcon = db.prepare<[string], { type: string; bytes: Buffer }>(
      'SELECT type, bytes FROM room_icons WHERE room_id = ?',
    );
    this.updateActivity = db.prepare(
      'UPDATE memberships SET last_active_at = ? WHERE room_id = ? AND user_id = ?',
    );
  }

  async create(room: Room) {
    this.db.transaction(() => {
      this.insertRoom.run(
        room.id,
        room.name,
        room.blurb,
        room.isPublic ? 1 : 0,
        room.passwordHash,
        room.ownerId,
        room.timezone,
        room.createdAt,
      );
      room.tags.forEach((tag, i) => this.insertTag.run(room.id, tag, i));
    })();
    return room;
  }

  async byId(id: string) {
    return this.roomById(id);
  }

  async list() {
    return this.selectRoomIds.all().flatMap((r) => this.roomById(r.id) ?? []);
  }

  private roomById(id: string): Room | undefined {
    const r = this.selectRoom.get(id);
    if (!r) return undefined;
    return {
      id: r.id,
      name: r.name,
      blurb: r.blurb,
      isPublic: r.is_public === 1,
      passwordHash: r.password_hash,
      ownerId: r.owner_id,
      tags: this.selectTags.all(id).map((t) => t.tag),
      timezone: r.timezone,
      createdAt: r.created_at,
    };
  }

  async membership(roomId: string, userId: number) {
    const row = this.selectMembership.get(roomId, userId);
    return row && toMembership(row);
  }

  async withMembership(roomId: string, userId: number) {
    const room = this.roomById(roomId);
    if (!room) return undefined;
    const row = this.selectMembership.get(roomId, userId);
    return { room, membership: row && toMembership(row) };
  }

  async members(roomId: string) {
    return this.selectMembers.all(roomId).map(toMember);
  }

  async roomIdsOf(userId: number) {
    return this.selectRoomIdsOf.all(userId).map((r) => r.room_id);
  }

  async join(membership: Membership, event: (member: MemberView) => NewEvent) {
    return this.db
      .transaction((): { member: MemberView; event: ChatEvent } | undefined => {
        const m = membership;
        const { changes } = this.insertMembership.run(
          m.roomId,
          m.userId,
          m.isOwner ? 1 : 0,
          m.joinedAt,
          m.lastActiveAt,
        );
        if (changes === 0) return undefined;
        const member = toMember(this.selectMember.get(m.roomId, m.userId) as MemberRow);
        return { member, event: this.events.insertOne(event(member)) };
      })
      .immediate();
  }

  async leave(
    roomId: string,
    userId: number,
    events: (member: MemberView, room: Room, members: MemberView[]) => NewEvent[],
  ) {
    return this.db
      .transaction((): ChatEvent[] | undefined => {
        const row = this.selectMember.get(roomId, userId);
        const room = this.roomById(roomId);
        if (!row || !room) return undefined;
        this.deleteMembership.run(roomId, userId);
        const members = this.selectMembers.all(roomId).map(toMember);
        return events(toMember(row), room, members).map((e) => this.events.insertOne(e));
      })
      .immediate();
  }

  async update(room: Room, event?: (members: MemberView[]) => NewEvent) {
    return this.db
      .transaction((): ChatEvent | undefined => {
        this.updateRoom.run(
          room.name,
          room.blurb,
          room.isPublic ? 1 : 0,
          room.passwordHash,
          room.timezone,
          room.id,
        );
        this.deleteTags.run(room.id);
        room.tags.forEach((tag, i) => this.insertTag.run(room.id, tag, i));
        return event && this.events.insertOne(event(this.selectMembers.all(room.id).map(toMember)));
      })
      .immediate();
  }

  async remove(id: string, event: NewEvent) {
    return this.db
      .transaction((): ChatEvent | undefined => {
        this.deleteSubscriptions.run(id);
        if (this.deleteRoom.run(id).changes === 0) return undefined;
        return this.events.insertOne(event);
      })
      .immediate();
  }

  async touchMember(roomId: string, userId: number, at: number) {
    this.updateActivity.run(at, roomId, userId);
  }

  async markRead(roomId: string, userId: number, messageId: number) {
    this.updateRead.run(messageId, roomId, userId, messageId);
  }

  async unread(userId: number, cap: number) {
    return new Map(this.selectUnread.all(cap, userId).map((r) => [r.room_id, r.unread]));
  }

  async invitation(roomId: string) {
    return this.selectInvitation.get(roomId)?.token;
  }

  async setInvitation(roomId: string, token: string | null, at: number) {
    if (token === null) this.deleteInvitation.run(roomId);
    else this.upsertInvitation.run(roomId, token, at);
  }

  async setIcon(roomId: string, icon: { type: string; bytes: Buffer }, at: number) {
    this.upsertIcon.run(roomId, icon.type, icon.bytes, at);
  }

  async icon(roomId: string) {
    return this.selectIcon.get(roomId);
  }
}
