import type { Store } from '../../core/ports.js';
import { openDatabase, type OpenOptions } from './database.js';
import { SqliteDirectory } from './directory.js';
import { SqliteEvents } from './events.js';
import { SqliteFavorites } from './favorites.js';
import { SqliteMessages } from './messages.js';
import { SqliteRooms } from './rooms.js';
import { SqliteSessions } from './sessions.js';
import { SqliteUsers } from './users.js';

/** The embedded default store: one SQLite file, shared safely with the admin command line. */
export function openSqliteStore(file: string, options?: OpenOptions): Store {
  const db = openDatabase(file, options);
  const events = new SqliteEvents(db);
  const rooms = new SqliteRooms(db, events);
  return {
    users: new SqliteUsers(db),
    rooms,
    directory: new SqliteDirectory(db, rooms),
    sessions: new SqliteSessions(db),
    messages: new SqliteMessages(db, events),
    events,
    favorites: new SqliteFavorites(db),
    close: () => db.close(),
  };
}
