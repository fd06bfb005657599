import type { ChatEvent, NewEvent, Occupant, V1Session } from '../../core/model.js';
import type { Departures, LeaveEvent, OccupancyRepository } from '../../core/ports.js';
import { toOccupant, toV1Session, type OccupantRow, type V1SessionRow } from '../occupancy-rows.js';
import type { Db } from './database.js';
import type { SqliteEvents } from './events.js';

/** API 1.0's sessions and occupants. Removals run under the write lock, so each row is returned once. */
export class SqliteOccupancy implements OccupancyRepository {
  private readonly insertSession;
  private readonly selectSession;
  private readonly updateUser;
  private readonly deleteSession;
  private readonly deleteOccupantsOfSession;
  private readonly insertOccupant;
  private readonly selectOccupant;
  private readonly selectByTicket;
  private readonly selectOfSession;
  private readonly selectOfSessionInRoom;
  private readonly selectInRoom;
  private readonly selectOfUser;
  private readonly updateNickname;
  private readonly deleteOccupant;
  private readonly touchSession;
  private readonly touchOccupant;
  private readonly deleteIdleOccupants;
  private readonly deleteIdleSessions;
  private readonly deleteNarrowed;
  private readonly deleteOccupantsOfUser;
  private readonly deleteSessionsOfUser;

  constructor(
    private readonly db: Db,
    private readonly events: SqliteEvents,
  ) {
    this.insertSession = db.prepare(
      `INSERT INTO v1_sessions (key, public_id, user_id, client_type, api_key, live_key, created_at, last_active_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectSession = db.prepare<[string], V1SessionRow>('SELECT * FROM v1_sessions WHERE key = ?');
    this.updateUser = db.prepare<[number | null, string | null, string]>(
      'UPDATE v1_sessions SET user_id = ?, live_key = ? WHERE key = ?',
    );
    this.deleteSession = db.prepare<[string], V1SessionRow>(
      'DELETE FROM v1_sessions WHERE key = ? RETURNING *',
    );
    this.deleteOccupantsOfSession = db.prepare<[string], OccupantRow>(
      'DELETE FROM v1_occupants WHERE session_key = ? RETURNING *',
    );
    this.insertOccupant = db.prepare(
      `INSERT INTO v1_occupants (id, ticket_key, session_key, room_id, user_id, username, nickname, client_type,
         admission, entered_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectOccupant = db.prepare<[string], OccupantRow>('SELECT * FROM v1_occupants WHERE id = ?');
    this.selectByTicket = db.prepare<[string], OccupantRow>(
      'SELECT * FROM v1_occupants WHERE ticket_key = ?',
    );
    this.selectOfSession = db.prepare<[string], OccupantRow>(
      'SELECT * FROM v1_occupants WHERE session_key = ? ORDER BY entered_at, id',
    );
    this.selectOfSessionInRoom = db.prepare<[string, string], OccupantRow>(
      'SELECT * FROM v1_occupants WHERE session_key = ? AND room_id = ? ORDER BY entered_at, id',
    );
    this.selectInRoom = db.prepare<[string], OccupantRow>(
      'SELECT * FROM v1_occupants WHERE room_id = ? ORDER BY entered_at, id',
    );
    this.selectOfUser = db.prepare<[number], OccupantRow>(
      'SELECT * FROM v1_occupants WHERE user_id = ? ORDER BY entered_at, id',
    );
    this.updateNickname = db.prepare<[string, string]>('UPDATE v1_occupants SET nickname = ? WHERE id = ?');
    this.deleteOccupant = db.prepare<[string], OccupantRow>(
      'DELETE FROM v1_occupants WHERE id = ? RETURNING *',
    );
    this.touchSession = db.prepare<[number, string]>(
      'UPDATE v1_sessions SET last_active_at = max(last_active_at, ?) WHERE key = ?',
    );
    this.touchOccupant = db.prepare<[number, string]>(
      'UPDATE v1_occupants SET last_seen_at = max(last_seen_at, ?) WHERE id = ?',
    );
    this.deleteIdleOccupants = db.prepare<[number, number], OccupantRow>(
      `DELETE FROM v1_occupants WHERE last_seen_at < ?
         OR session_key IN (SELECT key FROM v1_sessions WHERE last_active_at < ?) RETURNING *`,
    );
    this.deleteIdleSessions = db.prepare<[number], V1SessionRow>(
      'DELETE FROM v1_sessions WHERE last_active_at < ? RETURNING *',
    );
    this.deleteOccupantsOfUser = db.prepare<[number, number], OccupantRow>(
      `DELETE FROM v1_occupants WHERE user_id = ?
         OR session_key IN (SELECT key FROM v1_sessions WHERE user_id = ?) RETURNING *`,
    );
    this.deleteSessionsOfUser = db.prepare<[number], V1SessionRow>(
      'DELETE FROM v1_sessions WHERE user_id = ? RETURNING *',
    );
    // Members come as a JSON array: one statement whatever their number.
    this.deleteNarrowed = db.prepare<[string, string], OccupantRow>(
      `DELETE FROM v1_occupants WHERE room_id = ? AND admission <> 'password'
         AND (user_id IS NULL OR user_id NOT IN (SELECT value FROM json_each(?))) RETURNING *`,
    );
  }

  async createSession(s: V1Session) {
    this.insertSession.run(
      s.key,
      s.publicId,
      s.userId,
      s.clientType,
      s.apiKey,
      s.liveKey,
      s.createdAt,
      s.lastActiveAt,
    );
  }

  async session(key: string) {
    const row = this.selectSession.get(key);
    return row && toV1Session(row);
  }

  async setUser(key: string, userId: number | null, liveKey: string | null) {
    this.updateUser.run(userId, liveKey, key);
  }

  /** Deletes occupants (rows from `remove`) and sessions, writing the leave events, in one transaction. */
  private depart(remove: () => { occupants: OccupantRow[]; sessions: V1SessionRow[] }, leave: LeaveEvent) {
    return this.db
      .transaction((): Departures => {
        const removed = remove();
        const occupants = removed.occupants.map(toOccupant);
        const events: ChatEvent[] = [];
        for (const o of occupants) {
          const event = leave(o);
          if (event) events.push(this.events.insertOne(event));
        }
        return { sessions: removed.sessions.map(toV1Session), occupants, events };
      })
      .immediate();
  }

  async endSession(key: string, leave: LeaveEvent) {
    return this.depart(
      () => ({
        occupants: this.deleteOccupantsOfSession.all(key),
        sessions: this.deleteSession.all(key),
      }),
      leave,
    );
  }

  async endSessionsOf(userId: number, leave: LeaveEvent) {
    return this.depart(
      () => ({
        occupants: this.deleteOccupantsOfUser.all(userId, userId),
        sessions: this.deleteSessionsOfUser.all(userId),
      }),
      leave,
    );
  }

  async enter(o: Occupant, event?: NewEvent) {
    return this.db
      .transaction((): ChatEvent | undefined => {
        this.insertOccupant.run(
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
        );
        return event && this.events.insertOne(event);
      })
      .immediate();
  }

  async byId(id: string) {
    const row = this.selectOccupant.get(id);
    return row && toOccupant(row);
  }

  async byTicket(ticketKey: string) {
    const row = this.selectByTicket.get(ticketKey);
    return row && toOccupant(row);
  }

  async ofSession(sessionKey: string, roomId?: string) {
    const rows =
      roomId === undefined
        ? this.selectOfSession.all(sessionKey)
        : this.selectOfSessionInRoom.all(sessionKey, roomId);
    return rows.map(toOccupant);
  }

  async inRoom(roomId: string) {
    return this.selectInRoom.all(roomId).map(toOccupant);
  }

  async ofUser(userId: number) {
    return this.selectOfUser.all(userId).map(toOccupant);
  }

  async rename(id: string, nickname: string, event: (before: Occupant) => NewEvent) {
    return this.db
      .transaction((): ChatEvent | undefined => {
        const row = this.selectOccupant.get(id);
        if (!row) return undefined;
        this.updateNickname.run(nickname, id);
        return this.events.insertOne(event(toOccupant(row)));
      })
      .immediate();
  }

  async exit(id: string, leave: LeaveEvent) {
    return this.depart(() => ({ occupants: this.deleteOccupant.all(id), sessions: [] }), leave);
  }

  async touch(
    sessions: ReadonlyArray<{ key: string; at: number }>,
    occupants: ReadonlyArray<{ id: string; at: number }>,
  ) {
    this.db.transaction(() => {
      for (const s of sessions) this.touchSession.run(s.at, s.key);
      for (const o of occupants) this.touchOccupant.run(o.at, o.id);
    })();
  }

  async expire(ticketsSince: number, sessionsSince: number, leave: LeaveEvent) {
    return this.depart(
      () => ({
        occupants: this.deleteIdleOccupants.all(ticketsSince, sessionsSince),
        sessions: this.deleteIdleSessions.all(sessionsSince),
      }),
      leave,
    );
  }

  async evict(roomId: string, members: readonly number[], leave: LeaveEvent) {
    return this.depart(
      () => ({ occupants: this.deleteNarrowed.all(roomId, JSON.stringify(members)), sessions: [] }),
      leave,
    );
  }
}
