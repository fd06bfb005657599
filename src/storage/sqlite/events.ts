import { factData, type ChatEvent, type NewEvent } from '../../core/model.js';
import { toEvent, type EventRow } from '../rows.js';
import type { EventRepository, RoomMarks } from '../../core/ports.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** The event log. Callers may use `insertOne` inside their own transaction. */
export class SqliteEvents implements EventRepository {
  private readonly insert;
  private readonly selectAfter;
  private readonly selectCurrent;
  private readonly selectPruned;
  private readonly selectPruneEdge;
  private readonly deleteThrough;
  private readonly updatePruned;
  private readonly dataVersion;
  private readonly selectInRoom;
  private readonly selectLastInRoom;
  private readonly selectLatestInRoom;
  private readonly selectLatestMessageInRoom;
  private lastDataVersion: number;
  private readonly byRoomCount = new Map<number, Statement<unknown[], EventRow>>();

  constructor(private readonly db: Db) {
    this.insert = db.prepare<[string, string, string, number], { id: number }>(
      'INSERT INTO events (room_id, kind, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    );
    this.selectAfter = db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.selectCurrent = db.prepare<[], { seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
    );
    this.selectPruned = db.prepare<[], { value: string }>(
      "SELECT value FROM meta WHERE key = 'events_pruned_through'",
    );
    this.selectPruneEdge = db.prepare<[number], { id: number | null }>(
      'SELECT max(id) AS id FROM events WHERE created_at < ?',
    );
    this.deleteThrough = db.prepare<[number]>('DELETE FROM events WHERE id <= ?');
    this.updatePruned = db.prepare<[string]>("UPDATE meta SET value = ? WHERE key = 'events_pruned_through'");
    this.dataVersion = db.prepare<[], { data_version: number }>('PRAGMA data_version');
    this.selectInRoom = db.prepare<[string, number, number], EventRow>(
      "SELECT * FROM events WHERE room_id = ? AND id > ? AND kind <> 'access' ORDER BY id LIMIT ?",
    );
    this.selectLastInRoom = db.prepare<[string, number, number], EventRow>(
      "SELECT * FROM events WHERE room_id = ? AND id < ? AND kind <> 'access' ORDER BY id DESC LIMIT ?",
    );
    // Walked down the room's index from its newest event: a few steps, however long the log.
    this.selectLatestInRoom = db.prepare<[string], { id: number }>(
      "SELECT id FROM events WHERE room_id = ? AND kind <> 'access' ORDER BY id DESC LIMIT 1",
    );
    this.selectLatestMessageInRoom = db.prepare<[string], { id: number }>(
      "SELECT id FROM events WHERE room_id = ? AND kind = 'message' ORDER BY id DESC LIMIT 1",
    );
    this.lastDataVersion = this.readDataVersion();
  }

  /** AUTOINCREMENT under the write lock gives strictly increasing ids; a rollback returns its id. */
  insertOne(event: NewEvent): ChatEvent {
    const { id } = this.insert.get(
      event.roomId,
      event.fact.kind,
      JSON.stringify(factData(event.fact)),
      event.createdAt,
    ) as {
      id: number;
    };
    return { ...event, id };
  }

  async append(events: readonly NewEvent[]) {
    return this.db.transaction(() => events.map((e) => this.insertOne(e))).immediate();
  }

  async after(counter: number, limit: number, rooms?: readonly string[]) {
    if (!rooms) return this.selectAfter.all(counter, limit).map(toEvent);
    if (rooms.length === 0) return [];
    return this.selectInRooms(rooms.length)
      .all(counter, ...rooms, limit)
      .map(toEvent);
  }

  private selectInRooms(count: number) {
    let statement = this.byRoomCount.get(count);
    if (!statement) {
      const marks = Array.from({ length: count }, () => '?').join(',');
      statement = this.db.prepare<unknown[], EventRow>(
        `SELECT * FROM events WHERE id > ? AND room_id IN (${marks}) AND kind NOT IN ('access', 'occupancy', 'account')
         ORDER BY id LIMIT ?`,
      );
      this.byRoomCount.set(count, statement);
    }
    return statement;
  }

  async inRoom(roomId: string, counter: number, limit: number) {
    return this.selectInRoom.all(roomId, counter, limit).map(toEvent);
  }

  async lastInRoom(roomId: string, limit: number, before = Number.MAX_SAFE_INTEGER) {
    return this.selectLastInRoom.all(roomId, before, limit).reverse().map(toEvent);
  }

  async roomMarks(roomIds: readonly string[]) {
    const marks = new Map<string, RoomMarks>();
    for (const room of roomIds) {
      const latest = this.selectLatestInRoom.get(room)?.id;
      if (latest !== undefined)
        marks.set(room, { latest, latestMessage: this.selectLatestMessageInRoom.get(room)?.id });
    }
    return marks;
  }

  async current() {
    return (this.selectCurrent.get() as { seq: number }).seq;
  }

  async prunedThrough() {
    return Number((this.selectPruned.get() as { value: string }).value);
  }

  async prune(olderThan: number) {
    return this.db
      .transaction(() => {
        const edge = this.selectPruneEdge.get(olderThan)?.id;
        if (edge === null || edge === undefined) return 0;
        const { changes } = this.deleteThrough.run(edge);
        this.updatePruned.run(String(edge));
        return changes;
      })
      .immediate();
  }

  /** True when another connection (process) committed since the last call. */
  changedElsewhere(): boolean {
    const v = this.readDataVersion();
    if (v === this.lastDataVersion) return false;
    this.lastDataVersion = v;
    return true;
  }

  /** Changes whenever another connection (process) committed; reading it does not count as a look. */
  foreignCommits(): number {
    return this.readDataVersion();
  }

  private readDataVersion(): number {
    return (this.dataVersion.get() as { data_version: number }).data_version;
  }
}
