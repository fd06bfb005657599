import { factData, type ChatEvent, type NewEvent } from '../../core/model.js';
import { toEvent, type EventRow } from '../rows.js';
import type { EventRepository, RoomMarks } from '../../core/ports.js';
import { transaction, type Pool, type Queryable } from './database.js';

/** The channel told of every transaction that stored events (the payload names the store that wrote them). */
export const EVENTS_CHANNEL = 'lingr_events';

/** Taken by every transaction that stores events, until it ends (and by `lingr copy` while it fills them). */
export const EVENT_LOCK = 0x6c696e6772_02; // 'lingr', 2

/** The columns of `lingr_append_events` for these events: rooms, kinds, payloads, times. */
export function eventColumns(events: readonly NewEvent[]): [string[], string[], string[], number[]] {
  return [
    events.map((e) => e.roomId),
    events.map((e) => e.fact.kind),
    events.map((e) => JSON.stringify(factData(e.fact))),
    events.map((e) => e.createdAt),
  ];
}

/** The events as stored, the last of them numbered `last`. */
export function numbered(events: readonly NewEvent[], last: number): ChatEvent[] {
  const first = last - events.length + 1;
  return events.map((e, i) => ({ ...e, id: first + i }));
}

/** The event log. Callers may use `insert` inside their own transaction. */
export class PostgresEvents implements EventRepository {
  /**
   * @param writer names this store in its notifications, so its own listener can tell them from others'.
   */
  constructor(
    private readonly pool: Pool,
    private readonly writer: string,
  ) {}

  /** Whether writes notify the other stores' listeners (announceWrites). */
  private announcing = true;

  /**
   * Stores the events, numbered in order, and tells the listeners (NOTIFY is delivered when the
   * transaction commits, and not at all if it rolls back): alone, or inside the caller's transaction.
   *
   * Why a lock: the port promises that ids become visible in id order (a reader that sees N must already
   * see every N' < N that will ever exist). A sequence alone does not give that in PostgreSQL: two
   * transactions can take N and N+1 and commit in the other order, and a reader in between would step past
   * N for good. Either allocation is serialized, or readers must hide ids above any still in flight and
   * wait for the gaps to settle (tracking in-flight transactions, with timeouts for ones that never
   * finish). We serialize: every transaction that stores events first takes a transaction-level advisory
   * lock (EVENT_LOCK), so ids are allocated and committed one writer at a time (PostgreSQL makes a commit
   * visible before it releases the transaction's locks). It is simple, and costs little: the lock is taken
   * by `lingr_append_events` (migrations.ts), last in the transaction, for the event's insert and the
   * commit. A rolled-back writer leaves a hole in the numbering, never an event appearing late.
   */
  async insert(db: Queryable, events: readonly NewEvent[]): Promise<ChatEvent[]> {
    if (events.length === 0) return [];
    const { rows } = await db.query<{ last: number }>(
      'SELECT lingr_append_events($1, $2, $3, $4, $5) AS last',
      [...eventColumns(events), this.notifyAs],
    );
    return numbered(events, (rows[0] as { last: number }).last);
  }

  /**
   * What `lingr_append_events` and `lingr_say` take last: this store's name in its notification,
   * or null for none.
   */
  get notifyAs(): string | null {
    return this.announcing ? this.writer : null;
  }

  announceWrites(on: boolean): void {
    this.announcing = on;
  }

  async announce(upTo: number): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, `${this.writer} ${upTo}`]);
  }

  async append(events: readonly NewEvent[]) {
    return this.insert(this.pool, events);
  }

  async after(counter: number, limit: number, rooms?: readonly string[]) {
    if (!rooms) {
      const { rows } = await this.pool.query<EventRow>(
        'SELECT * FROM events WHERE id > $1 ORDER BY id LIMIT $2',
        [counter, limit],
      );
      return rows.map(toEvent);
    }
    if (rooms.length === 0) return [];
    const { rows } = await this.pool.query<EventRow>(
      `SELECT * FROM events WHERE id > $1 AND room_id = ANY($2::text[]) AND kind NOT IN ('access', 'occupancy', 'account')
       ORDER BY id LIMIT $3`,
      [counter, rooms, limit],
    );
    return rows.map(toEvent);
  }

  async inRoom(roomId: string, counter: number, limit: number) {
    const { rows } = await this.pool.query<EventRow>(
      "SELECT * FROM events WHERE room_id = $1 AND id > $2 AND kind <> 'access' ORDER BY id LIMIT $3",
      [roomId, counter, limit],
    );
    return rows.map(toEvent);
  }

  async lastInRoom(roomId: string, limit: number, before = Number.MAX_SAFE_INTEGER) {
    const { rows } = await this.pool.query<EventRow>(
      "SELECT * FROM events WHERE room_id = $1 AND id < $2 AND kind <> 'access' ORDER BY id DESC LIMIT $3",
      [roomId, before, limit],
    );
    return rows.reverse().map(toEvent);
  }

  /** One statement for all the rooms; each mark walks down its room's index from the newest event. */
  async roomMarks(roomIds: readonly string[]) {
    const marks = new Map<string, RoomMarks>();
    if (roomIds.length === 0) return marks;
    const { rows } = await this.pool.query<{
      room_id: string;
      latest: number | null;
      latest_message: number | null;
    }>(
      `SELECT r.room_id,
         (SELECT e.id FROM events e WHERE e.room_id = r.room_id AND e.kind <> 'access'
          ORDER BY e.id DESC LIMIT 1) AS latest,
         (SELECT e.id FROM events e WHERE e.room_id = r.room_id AND e.kind = 'message'
          ORDER BY e.id DESC LIMIT 1) AS latest_message
       FROM unnest($1::text[]) AS r (room_id)`,
      [roomIds],
    );
    for (const r of rows)
      if (r.latest !== null)
        marks.set(r.room_id, { latest: r.latest, latestMessage: r.latest_message ?? undefined });
    return marks;
  }

  /**
   * The highest committed id: the sequence itself may be ahead by an id still in flight, which a reader
   * starting from it would never see. Retention may have pruned the newest events, so the pruning mark
   * counts too; 1000 is where the counter starts.
   */
  async current() {
    const { rows } = await this.pool.query<{ current: number }>(
      `SELECT greatest(
         (SELECT max(id) FROM events),
         (SELECT value::bigint FROM meta WHERE key = 'events_pruned_through'),
         1000) AS current`,
    );
    return (rows[0] as { current: number }).current;
  }

  async prunedThrough() {
    const { rows } = await this.pool.query<{ value: string }>(
      "SELECT value FROM meta WHERE key = 'events_pruned_through'",
    );
    return Number((rows[0] as { value: string }).value);
  }

  async prune(olderThan: number) {
    return transaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: number | null }>(
        'SELECT max(id) AS id FROM events WHERE created_at < $1',
        [olderThan],
      );
      const edge = rows[0]?.id;
      if (edge === null || edge === undefined) return 0;
      const { rowCount } = await client.query('DELETE FROM events WHERE id <= $1', [edge]);
      // Never moves back, should two processes prune at once.
      await client.query(
        "UPDATE meta SET value = $1 WHERE key = 'events_pruned_through' AND value::bigint < $2",
        [String(edge), edge],
      );
      return rowCount ?? 0;
    });
  }
}
