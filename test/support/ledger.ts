import Database from 'better-sqlite3';
import { databaseFile } from '../../src/main.js';
import { fresh } from './http.js';
import type { Json } from './server.js';

/** One API call on a connection of its own (so calls spread over workers); rejects on a network error. */
export const call = (
  base: string,
  method: string,
  params: Record<string, string | number>,
  timeoutMs = 20_000,
): Promise<Json> => fresh(base, `/api/${method}`, params, timeoutMs);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A long-polling client that keeps a ledger: every message event it is handed, in order. A network error
 * (its server process died) is answered the way real clients do: the same counter again, a moment later.
 */
export class LedgerObserver {
  readonly eventIds: number[] = [];
  readonly problems: string[] = [];
  counter = 0;
  private running = true;
  private done: Promise<void> | undefined;

  constructor(
    private readonly base: string,
    readonly session: string,
    readonly startCounter: number,
    /** How long one observe may take before the client gives up on it and asks again. */
    private readonly timeoutMs = 20_000,
  ) {
    this.counter = startCounter;
  }

  start(): void {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let reply: Json;
      try {
        reply = await call(
          this.base,
          'event/observe',
          { session: this.session, counter: this.counter },
          this.timeoutMs,
        );
      } catch {
        await pause(50);
        continue;
      }
      if (reply.status !== 'ok') {
        this.problems.push(`observe answered ${JSON.stringify(reply)}`);
        await pause(100);
        continue;
      }
      for (const e of reply.events as Array<{ event_id: number; message?: unknown }>) {
        if (e.event_id <= this.counter)
          this.problems.push(`event ${e.event_id} at or before ${this.counter}`);
        if (e.message) this.eventIds.push(e.event_id);
      }
      this.counter = Math.max(this.counter, reply.counter as number);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Message events of a room as the store holds them, and whether the file is sound. */
export function storedMessages(dataDir: string, room: string): { eventIds: number[]; integrity: string } {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  try {
    const rows = db
      .prepare("SELECT id FROM events WHERE room_id = ? AND kind = 'message' ORDER BY id")
      .all(room) as Array<{ id: number }>;
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? '';
    return { eventIds: rows.map((r) => r.id), integrity };
  } finally {
    db.close();
  }
}

/** Message ids of a room as the store holds them. */
export function storedMessageIds(dataDir: string, room: string): Set<string> {
  const db = new Database(databaseFile(dataDir), { readonly: true });
  try {
    const rows = db.prepare('SELECT id FROM messages WHERE room_id = ?').all(room) as Array<{ id: number }>;
    return new Set(rows.map((r) => String(r.id)));
  } finally {
    db.close();
  }
}
