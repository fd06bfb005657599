import type { ChatEvent, MemberView, Membership, NewEvent, Room } from '../../core/model.js';
import type { RoomRepository } from '../../core/ports.js';
import { transaction, type Pool, type PoolClient, type Queryable } from './database.js';
import type { PostgresEvents } from './events.js';

export interface RoomRow {
  id: string;
  name: string;
  blurb: string | null;
  is_public: boolean;
  password_hash: string | null;
  owner_id: number | null;
  timezone: string;
  created_at: number;
  tags: string[];
}

/** A room's columns with its tags in order, from `rooms r`: one query per list of rooms. */
export const ROOM_COLUMNS = `r.id, r.name, r.blurb, r.is_public, r.password_hash, r.owner_id, r.timezone, r.created_at,
  array(SELECT t.tag FROM room_tags t WHERE t.room_id = r.id ORDER BY t.position) AS tags`;

export const toRoom = (r: RoomRow): Room => ({
  id: r.id,
  name: r.name,
  blurb: r.blurb,
  isPublic: r.is_public,
  passwordHash: r.password_hash,
  ownerId: r.owner_id,
  tags: r.tags,
  timezone: r.timezone,
  createdAt: r.created_at,
});

interface MemberRow {
  room_id: string;
  user_id: number;
  is_owner: boolean;
  joined_at: number;
  last_active_at: number | null;
  username: string;
  name: string;
}

const toMembership = (r: Omit<MemberRow, 'username' | 'name'>): Membership => ({
  roomId: r.room_id,
  userId: r.user_id,
  isOwner: r.is_owner,
  joinedAt: r.joined_at,
  lastActiveAt: r.last_active_at,
});

const toMember = (r: MemberRow): MemberView => ({ ...toMembership(r), username: r.username, name: r.name });

const MEMBER_COLUMNS =
  'm.room_id, m.user_id, m.is_owner, m.joined_at, m.last_active_at, u.username, u.name FROM memberships m JOIN users u ON u.id = m.user_id';

export class PostgresRooms implements RoomRepository {
  constructor(
    private readonly pool: Pool,
    private readonly events: PostgresEvents,
  ) {}

  async create(room: Room) {
    await transaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO rooms (id, name, blurb, is_public, password_hash, owner_id, timezone, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          room.id,
          room.name,
          room.blurb,
          room.isPublic,
          room.passwordHash,
          room.ownerId,
          room.timezone,
          room.createdAt,
        ],
      );
      await insertTags(client, room);
    });
    return room;
  }

  async byId(id: string) {
    return roomById(this.pool, id);
  }

  async list() {
    const { rows } = await this.pool.query<RoomRow>(
      `SELECT ${ROOM_COLUMNS} FROM rooms r ORDER BY r.created_at, r.id COLLATE "C"`,
    );
    return rows.map(toRoom);
  }

  async membership(roomId: string, userId: number) {
    const { rows } = await this.pool.query<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = $1 AND m.user_id = $2`,
      [roomId, userId],
    );
    return rows[0] && toMembership(rows[0]);
  }

  /** One round trip: a say reads both before it stores the line. */
  async withMembership(roomId: string, userId: number) {
    const { rows } = await this.pool.query<
      RoomRow & {
        m_user_id: number | null;
        m_is_owner: boolean;
        m_joined_at: number;
        m_last_active_at: number | null;
      }
    >(
      `SELECT ${ROOM_COLUMNS}, m.user_id AS m_user_id, m.is_owner AS m_is_owner, m.joined_at AS m_joined_at,
         m.last_active_at AS m_last_active_at
       FROM rooms r LEFT JOIN memberships m ON m.room_id = r.id AND m.user_id = $2 WHERE r.id = $1`,
      [roomId, userId],
    );
    const r = rows[0];
    if (!r) return undefined;
    const membership =
      r.m_user_id === null
        ? undefined
        : toMembership({
            room_id: r.id,
            user_id: r.m_user_id,
            is_owner: r.m_is_owner,
            joined_at: r.m_joined_at,
            last_active_at: r.m_last_active_at,
          });
    return { room: toRoom(r), membership };
  }

  async members(roomId: string) {
    return members(this.pool, roomId);
  }

  async roomIdsOf(userId: number) {
    const { rows } = await this.pool.query<{ room_id: string }>(
      'SELECT room_id FROM memberships WHERE user_id = $1 ORDER BY seq',
      [userId],
    );
    return rows.map((r) => r.room_id);
  }

  async join(membership: Membership, event: (member: MemberView) => NewEvent) {
    return transaction(
      this.pool,
      async (client): Promise<{ member: MemberView; event: ChatEvent } | undefined> => {
        const m = membership;
        // A new member starts with everything said so far read.
        const { rowCount } = await client.query(
          `INSERT INTO memberships (room_id, user_id, is_owner, joined_at, last_active_at, read_through)
         VALUES ($1, $2, $3, $4, $5, COALESCE((SELECT max(id) FROM messages WHERE room_id = $1), 0))
         ON CONFLICT (room_id, user_id) DO NOTHING`,
          [m.roomId, m.userId, m.isOwner, m.joinedAt, m.lastActiveAt],
        );
        if (rowCount === 0) return undefined;
        const { rows } = await client.query<MemberRow>(
          `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = $1 AND m.user_id = $2`,
          [m.roomId, m.userId],
        );
        const member = toMember(rows[0] as MemberRow);
        const [stored] = await this.events.insert(client, [event(member)]);
        return { member, event: stored as ChatEvent };
      },
    );
  }

  async leave(
    roomId: string,
    userId: number,
    events: (member: MemberView, room: Room, members: MemberView[]) => NewEvent[],
  ) {
    return transaction(this.pool, async (client): Promise<ChatEvent[] | undefined> => {
      // Deleting first decides between two processes removing the same member: one of them finds no row.
      const { rows } = await client.query<MemberRow>(
        `DELETE FROM memberships m USING users u WHERE u.id = m.user_id AND m.room_id = $1 AND m.user_id = $2
         RETURNING m.room_id, m.user_id, m.is_owner, m.joined_at, m.last_active_at, u.username, u.name`,
        [roomId, userId],
      );
      const room = await roomById(client, roomId);
      if (!rows[0] || !room) return undefined;
      return this.events.insert(client, events(toMember(rows[0]), room, await members(client, roomId)));
    });
  }

  async update(room: Room, event?: (members: MemberView[]) => NewEvent) {
    return transaction(this.pool, async (client): Promise<ChatEvent | undefined> => {
      await client.query(
        'UPDATE rooms SET name = $1, blurb = $2, is_public = $3, password_hash = $4, timezone = $5 WHERE id = $6',
        [room.name, room.blurb, room.isPublic, room.passwordHash, room.timezone, room.id],
      );
      await client.query('DELETE FROM room_tags WHERE room_id = $1', [room.id]);
      await insertTags(client, room);
      if (!event) return undefined;
      const [stored] = await this.events.insert(client, [event(await members(client, room.id))]);
      return stored;
    });
  }

  async remove(id: string, event: NewEvent) {
    return transaction(this.pool, async (client): Promise<ChatEvent | undefined> => {
      await client.query('DELETE FROM session_rooms WHERE room_id = $1', [id]);
      const { rowCount } = await client.query('DELETE FROM rooms WHERE id = $1', [id]);
      if (rowCount === 0) return undefined;
      const [stored] = await this.events.insert(client, [event]);
      return stored;
    });
  }

  async touchMember(roomId: string, userId: number, at: number) {
    await this.pool.query('UPDATE memberships SET last_active_at = $1 WHERE room_id = $2 AND user_id = $3', [
      at,
      roomId,
      userId,
    ]);
  }

  async markRead(roomId: string, userId: number, messageId: number) {
    await this.pool.query(
      'UPDATE memberships SET read_through = $1 WHERE room_id = $2 AND user_id = $3 AND read_through < $1',
      [messageId, roomId, userId],
    );
  }

  /** Counted per room with a cap, so a room never opened costs no more than `cap` index steps. */
  async unread(userId: number, cap: number) {
    const { rows } = await this.pool.query<{ room_id: string; unread: number }>(
      `SELECT m.room_id, (SELECT count(*) FROM (SELECT 1 FROM messages x
         WHERE x.room_id = m.room_id AND x.id > m.read_through AND x.deleted_at IS NULL LIMIT $1) AS capped) AS unread
       FROM memberships m WHERE m.user_id = $2 ORDER BY m.seq`,
      [cap, userId],
    );
    return new Map(rows.map((r) => [r.room_id, r.unread]));
  }

  async invitation(roomId: string) {
    const { rows } = await this.pool.query<{ token: string }>(
      'SELECT token FROM room_invitations WHERE room_id = $1',
      [roomId],
    );
    return rows[0]?.token;
  }

  async setInvitation(roomId: string, token: string | null, at: number) {
    if (token === null) await this.pool.query('DELETE FROM room_invitations WHERE room_id = $1', [roomId]);
    else
      await this.pool.query(
        `INSERT INTO room_invitations (room_id, token, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (room_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`,
        [roomId, token, at],
      );
  }

  async setIcon(roomId: string, icon: { type: string; bytes: Buffer }, at: number) {
    await this.pool.query(
      `INSERT INTO room_icons (room_id, type, bytes, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (room_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes, updated_at = excluded.updated_at`,
      [roomId, icon.type, icon.bytes, at],
    );
  }

  async icon(roomId: string) {
    const { rows } = await this.pool.query<{ type: string; bytes: Buffer }>(
      'SELECT type, bytes FROM room_icons WHERE room_id = $1',
      [roomId],
    );
    return rows[0];
  }
}

async function roomById(db: Queryable, id: string): Promise<Room | undefined> {
  const { rows } = await db.query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = $1`, [id]);
  return rows[0] && toRoom(rows[0]);
}

async function members(db: Queryable, roomId: string): Promise<MemberView[]> {
  const { rows } = await db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} WHERE m.room_id = $1 ORDER BY m.seq`, [
    roomId,
  ]);
  return rows.map(toMember);
}

/** The room's tags in their order; a tag given twice is kept at its first place (as SQLite's OR IGNORE). */
async function insertTags(client: PoolClient, room: Room): Promise<void> {
  const tags: string[] = [];
  const positions: number[] = [];
  room.tags.forEach((tag, i) => {
    if (tags.includes(tag)) return;
    tags.push(tag);
    positions.push(i);
  });
  if (tags.length === 0) return;
  await client.query(
    'INSERT INTO room_tags (room_id, tag, position) SELECT $1, * FROM unnest($2::text[], $3::int[])',
    [room.id, tags, positions],
  );
}
