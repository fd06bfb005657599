import type { ChatEvent, NewEvent, Occupant, V1Session } from '../../core/model.js';
import type { Departures, LeaveEvent, OccupancyRepository } from '../../core/ports.js';
import { toOccupant, toV1Session, type OccupantRow, type V1SessionRow } from '../occupancy-rows.js';
import { transaction, type Pool, type PoolClient } from './database.js';
import type { PostgresEvents } from './events.js';

type Removal = (client: PoolClient) => Promise<{ occupants: OccupantRow[]; sessions: V1SessionRow[] }>;

/**
 * API 1.0's sessions and occupants. Every removal is a DELETE … RETURNING: of two processes removing the
 * same row at once, one gets it and the other nothing, so each departure is announced once.
 */
export class PostgresOccupancy implements OccupancyRepository {
  constructor(
    private readonly pool: Pool,
    private readonly events: PostgresEvents,
  ) {}

  async createSession(s: V1Session) {
    await this.pool.query(
      `INSERT INTO v1_sessions (key, public_id, user_id, client_type, api_key, live_key, created_at, last_active_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [s.key, s.publicId, s.userId, s.clientType, s.apiKey, s.liveKey, s.createdAt, s.lastActiveAt],
    );
  }

  async session(key: string) {
    const { rows } = await this.pool.query<V1SessionRow>('SELECT * FROM v1_sessions WHERE key = $1', [key]);
    return rows[0] && toV1Session(rows[0]);
  }

  async setUser(key: string, userId: number | null, liveKey: string | null) {
    await this.pool.query('UPDATE v1_sessions SET user_id = $1, live_key = $2 WHERE key = $3', [
      userId,
      liveKey,
      key,
    ]);
  }

  /** Deletes the rows `remove` picks and writes the leave events, in one transaction. */
  private depart(remove: Removal, leave: LeaveEvent): Promise<Departures> {
    return transaction(this.pool, async (client) => {
      const removed = await remove(client);
      const occupants = removed.occupants.map(toOccupant);
      const leaving = occupants.flatMap((o) => leave(o) ?? []);
      const events = await this.events.insert(client, leaving);
      return { sessions: removed.sessions.map(toV1Session), occupants, events };
    });
  }

  async endSession(key: string, leave: LeaveEvent) {
    return this.depart(async (client) => {
      const occupants = await client.query<OccupantRow>(
        'DELETE FROM v1_occupants WHERE session_key = $1 RETURNING *',
        [key],
      );
      const sessions = await client.query<V1SessionRow>(
        'DELETE FROM v1_sessions WHERE key = $1 RETURNING *',
        [key],
      );
      return { occupants: occupants.rows, sessions: sessions.rows };
    }, leave);
  }

  async endSessionsOf(userId: number, leave: LeaveEvent) {
    return this.depart(async (client) => {
      const occupants = await client.query<OccupantRow>(
        `DELETE FROM v1_occupants WHERE user_id = $1
           OR session_key IN (SELECT key FROM v1_sessions WHERE user_id = $1) RETURNING *`,
        [userId],
      );
      const sessions = await client.query<V1SessionRow>(
        'DELETE FROM v1_sessions WHERE user_id = $1 RETURNING *',
        [userId],
      );
      return { occupants: occupants.rows, sessions: sessions.rows };
    }, leave);
  }

  async enter(o: Occupant, event?: NewEvent) {
    return transaction(this.pool, async (client): Promise<ChatEvent | undefined> => {
      await client.query(
        `INSERT INTO v1_occupants (id, ticket_key, session_key, room_id, user_id, username, nickname, client_type,
           admission, entered_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          o.id,
          o.ticketKey,
          o.sessionKey,
          o.roomId,
          o.userId,
          o.username,
          o.nickname,
          o.clientType,
          o.admission,
          o.enteredAt,
          o.lastSeenAt,
        ],
      );
      if (!event) return undefined;
      const [stored] = await this.events.insert(client, [event]);
      return stored;
    });
  }

  private async occupants(sql: string, values: unknown[]): Promise<Occupant[]> {
    const { rows } = await this.pool.query<OccupantRow>(sql, values);
    return rows.map(toOccupant);
  }

  async byId(id: string) {
    return (await this.occupants('SELECT * FROM v1_occupants WHERE id = $1', [id]))[0];
  }

  async byTicket(ticketKey: string) {
    return (await this.occupants('SELECT * FROM v1_occupants WHERE ticket_key = $1', [ticketKey]))[0];
  }

  async ofSession(sessionKey: string, roomId?: string) {
    return roomId === undefined
      ? this.occupants('SELECT * FROM v1_occupants WHERE session_key = $1 ORDER BY entered_at, id', [
          sessionKey,
        ])
      : this.occupants(
          'SELECT * FROM v1_occupants WHERE session_key = $1 AND room_id = $2 ORDER BY entered_at, id',
          [sessionKey, roomId],
        );
  }

  async inRoom(roomId: string) {
    return this.occupants('SELECT * FROM v1_occupants WHERE room_id = $1 ORDER BY entered_at, id', [roomId]);
  }

  async ofUser(userId: number) {
    return this.occupants('SELECT * FROM v1_occupants WHERE user_id = $1 ORDER BY entered_at, id', [userId]);
  }

  async rename(id: string, nickname: string, event: (before: Occupant) => NewEvent) {
    return transaction(this.pool, async (client): Promise<ChatEvent | undefined> => {
      // The row is locked until the commit: two renames of one occupant write their events in turn.
      const { rows } = await client.query<OccupantRow>(
        'SELECT * FROM v1_occupants WHERE id = $1 FOR UPDATE',
        [id],
      );
      const before = rows[0];
      if (!before) return undefined;
      await client.query('UPDATE v1_occupants SET nickname = $1 WHERE id = $2', [nickname, id]);
      const [stored] = await this.events.insert(client, [event(toOccupant(before))]);
      return stored;
    });
  }

  async exit(id: string, leave: LeaveEvent) {
    return this.depart(async (client) => {
      const { rows } = await client.query<OccupantRow>('DELETE FROM v1_occupants WHERE id = $1 RETURNING *', [
        id,
      ]);
      return { occupants: rows, sessions: [] };
    }, leave);
  }

  /** One statement per table; an entry listed twice keeps its latest time, and times never move back. */
  async touch(
    sessions: ReadonlyArray<{ key: string; at: number }>,
    occupants: ReadonlyArray<{ id: string; at: number }>,
  ) {
    if (sessions.length > 0)
      await this.pool.query(
        `UPDATE v1_sessions s SET last_active_at = greatest(s.last_active_at, t.at)
         FROM (SELECT key, max(at) AS at FROM unnest($1::text[], $2::bigint[]) AS e (key, at) GROUP BY key) t
         WHERE s.key = t.key`,
        [sessions.map((e) => e.key), sessions.map((e) => e.at)],
      );
    if (occupants.length > 0)
      await this.pool.query(
        `UPDATE v1_occupants o SET last_seen_at = greatest(o.last_seen_at, t.at)
         FROM (SELECT id, max(at) AS at FROM unnest($1::text[], $2::bigint[]) AS e (id, at) GROUP BY id) t
         WHERE o.id = t.id`,
        [occupants.map((e) => e.id), occupants.map((e) => e.at)],
      );
  }

  async expire(ticketsSince: number, sessionsSince: number, leave: LeaveEvent) {
    // Every node sweeps every few seconds and there is usually nothing to remove: one indexed read then
    // instead of a transaction of four round trips. What expires in between waits for the next sweep.
    const { rows } = await this.pool.query<{ due: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM v1_occupants WHERE last_seen_at < $1)
           OR EXISTS (SELECT 1 FROM v1_sessions WHERE last_active_at < $2) AS due`,
      [ticketsSince, sessionsSince],
    );
    if (!rows[0]?.due) return { sessions: [], occupants: [], events: [] };
    return this.depart(async (client) => {
      const occupants = await client.query<OccupantRow>(
        `DELETE FROM v1_occupants WHERE last_seen_at < $1
           OR session_key IN (SELECT key FROM v1_sessions WHERE last_active_at < $2) RETURNING *`,
        [ticketsSince, sessionsSince],
      );
      const sessions = await client.query<V1SessionRow>(
        'DELETE FROM v1_sessions WHERE last_active_at < $1 RETURNING *',
        [sessionsSince],
      );
      return { occupants: occupants.rows, sessions: sessions.rows };
    }, leave);
  }

  async evict(roomId: string, members: readonly number[], leave: LeaveEvent) {
    return this.depart(async (client) => {
      const { rows } = await client.query<OccupantRow>(
        `DELETE FROM v1_occupants WHERE room_id = $1 AND admission <> 'password'
           AND (user_id IS NULL OR NOT (user_id = ANY($2::bigint[]))) RETURNING *`,
        [roomId, members],
      );
      return { occupants: rows, sessions: [] };
    }, leave);
  }
}
