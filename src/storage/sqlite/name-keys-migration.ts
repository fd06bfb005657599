import { nameKey } from '../../core/text.js';
import type { Db } from './database.js';

/**
 * Users get the `nameKey` of their username and display name, so a guest's nickname can be checked against
 * every registered name with an index rather than by reading every user. The keys are computed here, in
 * the program, because SQLite knows neither NFKC nor Unicode case folding.
 */
export function addNameKeys(db: Db): void {
  db.exec(`
    ALTER TABLE users ADD COLUMN username_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE users ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
  `);
  const update = db.prepare<[string, string, number]>(
    'UPDATE users SET username_key = ?, name_key = ? WHERE id = ?',
  );
  const users = db.prepare('SELECT id, username, name FROM users').all() as Array<{
    id: number;
    username: string;
    name: string;
  }>;
  for (const u of users) update.run(nameKey(u.username), nameKey(u.name), u.id);
  db.exec(`
    CREATE INDEX users_by_username_key ON users(username_key) WHERE guest = 0;
    CREATE INDEX users_by_name_key ON users(name_key) WHERE guest = 0;
  `);
}
