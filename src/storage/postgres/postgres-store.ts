import { randomUUID } from 'node:crypto';
import type { Logger, Store } from '../../core/ports.js';
import { PostgresBots } from './bots.js';
import { openPool } from './database.js';
import { PostgresDirectory } from './directory.js';
import { EVENTS_CHANNEL, PostgresEvents } from './events.js';
import { PostgresFavorites } from './favorites.js';
import { Listener } from './listener.js';
import { PostgresMessages } from './messages.js';
import { migrate } from './migrations.js';
import { PostgresOccupancy } from './occupancy.js';
import { PostgresRooms } from './rooms.js';
import { PostgresSessions } from './sessions.js';
import { PostgresUsers } from './users.js';

export interface PostgresOptions {
  log?: Logger;
}

/** Warnings and errors to stderr when no logger is given; a store says little, and only when it matters. */
const stderrLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};

/**
 * The networked store: one PostgreSQL database shared by every process on every node. Migrated on open
 * (one process at a time); event ids are allocated under a lock so they commit in id order (events.ts);
 * other processes' events are told through LISTEN/NOTIFY on a connection of the store's own.
 */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const log = options.log ?? stderrLogger;
  const pool = openPool(url, log);
  // Names this store in its notifications, so that it is not told of its own writes.
  const writer = randomUUID();
  const listener = new Listener(url, EVENTS_CHANNEL, writer, log);
  try {
    await migrate(pool, log);
    await listener.start();
  } catch (err) {
    await listener.close();
    await pool.end();
    throw err;
  }
  const events = new PostgresEvents(pool, writer);
  const rooms = new PostgresRooms(pool, events);
  let closed: Promise<void> | undefined;
  return {
    users: new PostgresUsers(pool, events),
    rooms,
    directory: new PostgresDirectory(pool),
    sessions: new PostgresSessions(pool),
    messages: new PostgresMessages(pool, events),
    events,
    favorites: new PostgresFavorites(pool),
    occupancy: new PostgresOccupancy(pool, events),
    bots: new PostgresBots(pool),
    watch: (changed) => listener.watch(changed),
    close() {
      closed ??= listener.close().then(() => pool.end());
      return closed;
    },
  };
}
