import type { Store } from '../../core/ports.js';
import { SqliteBots } from './bots.js';
import { openDatabase, type OpenOptions } from './database.js';
import { SqliteDirectory } from './directory.js';
import { SqliteEvents } from './events.js';
import { SqliteFavorites } from './favorites.js';
import { SqliteMessages } from './messages.js';
import { SqliteOccupancy } from './occupancy.js';
import { SqliteRooms } from './rooms.js';
import { SqliteSessions } from './sessions.js';
import { SqliteUsers } from './users.js';

/** How often another process's commits are looked for (PRAGMA data_version is one cheap read). */
const WATCH_MS = 100;

/**
 * The embedded default store: one SQLite file (WAL), shared safely by the server's processes and the admin
 * command line. Writers take turns under SQLite's lock, so event ids become visible in id order.
 */
export function openSqliteStore(file: string, options?: OpenOptions): Store {
  const db = openDatabase(file, options);
  const events = new SqliteEvents(db);
  const rooms = new SqliteRooms(db, events);
  const watchers = new Set<NodeJS.Timeout>();
  return {
    users: new SqliteUsers(db, events),
    rooms,
    directory: new SqliteDirectory(db, rooms),
    sessions: new SqliteSessions(db),
    messages: new SqliteMessages(db, events),
    events,
    favorites: new SqliteFavorites(db),
    occupancy: new SqliteOccupancy(db, events),
    bots: new SqliteBots(db),
    watch(changed) {
      const timer = setInterval(() => {
        if (events.changedElsewhere()) changed();
      }, WATCH_MS);
      timer.unref();
      watchers.add(timer);
      return () => {
        clearInterval(timer);
        watchers.delete(timer);
      };
    },
    foreignCommits: () => events.foreignCommits(),
    async close() {
      for (const timer of watchers) clearInterval(timer);
      watchers.clear();
      db.close();
    },
  };
}
