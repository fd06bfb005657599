import { LANGUAGES, type ChatEvent, type Language, type NewEvent, type User } from '../../core/model.js';
import { nameKey } from '../../core/text.js';
import { emailKey, emailTaken } from '../../core/validation.js';
import type { UserRepository } from '../../core/ports.js';
import type { Db } from './database.js';
import type { SqliteEvents } from './events.js';

interface UserRow {
  id: number;
  username: string;
  name: string;
  password_hash: string;
  email: string | null;
  created_at: number;
  guest: number;
  language: string | null;
  admin: number;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  name: r.name,
  passwordHash: r.password_hash,
  email: r.email,
  createdAt: r.created_at,
  guest: r.guest === 1,
  language: LANGUAGES.find((l) => l === r.language) ?? null,
  admin: r.admin === 1,
});

/** The unique index on email keys refused the write: the address is another account's. */
function clearEmailConflict(err: unknown): never {
  const e = err as { code?: string; message?: string };
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message?.includes('users.email_key')) throw emailTaken();
  throw err;
}

const keyOf = (email: string | null | undefined): string | null => (email ? emailKey(email) : null);

export class SqliteUsers implements UserRepository {
  private readonly insert;
  private readonly selectByName;
  private readonly selectById;
  private readonly remove;
  private readonly updateName;
  private readonly selectRegisteredNamed;
  private readonly upsertIcon;
  private readonly selectIcon;
  private readonly selectByEmail;
  private readonly updateEmail;
  private readonly updateLanguage;
  private readonly selectAll;
  private readonly updateAdmin;
  private readonly updatePassword;
  private readonly deleteSessionsOf;
  private readonly insertRetired;
  private readonly selectRetired;

  constructor(
    private readonly db: Db,
    private readonly events: SqliteEvents,
  ) {
    this.insert = db.prepare<
      [string, string, string, number, number, string, string, string | null, string | null],
      UserRow
    >(
      `INSERT INTO users (username, name, password_hash, created_at, guest, username_key, name_key, email, email_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.selectByEmail = db.prepare<[string], UserRow>('SELECT * FROM users WHERE email_key = ?');
    this.updateEmail = db.prepare<[string | null, string | null, number]>(
      'UPDATE users SET email = ?, email_key = ? WHERE id = ?',
    );
    this.updateLanguage = db.prepare<[string | null, number]>('UPDATE users SET language = ? WHERE id = ?');
    this.remove = db.prepare<[number]>('DELETE FROM users WHERE id = ?');
    this.selectAll = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY id');
    this.updateAdmin = db.prepare<[number, number]>('UPDATE users SET admin = ? WHERE id = ?');
    this.updatePassword = db.prepare<[string, number]>('UPDATE users SET password_hash = ? WHERE id = ?');
    this.deleteSessionsOf = db.prepare<[number]>('DELETE FROM sessions WHERE user_id = ?');
    this.insertRetired = db.prepare<[string, string, number, number]>(
      'INSERT INTO retired_users (username, name, created_at, retired_at) VALUES (?, ?, ?, ?)',
    );
    // Usernames come as a JSON array: one statement whatever their number.
    this.selectRetired = db.prepare<[string], { username: string }>(
      'SELECT username FROM retired_users WHERE username IN (SELECT value FROM json_each(?))',
    );
    this.selectByName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
    this.selectById = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.updateName = db.prepare<[string, string, number]>(
      'UPDATE users SET name = ?, name_key = ? WHERE id = ?',
    );
    this.selectRegisteredNamed = db.prepare<[string, string], { found: number }>(
      `SELECT 1 AS found FROM users WHERE guest = 0 AND username_key = ?
       UNION ALL SELECT 1 FROM users WHERE guest = 0 AND name_key = ? LIMIT 1`,
    );
    this.upsertIcon = db.prepare<[number, string, Buffer, number]>(
      `INSERT INTO user_icons (user_id, type, bytes, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes, updated_at = excluded.updated_at`,
    );
    this.selectIcon = db.prepare<[string], { type: string; bytes: Buffer }>(
      'SELECT i.type, i.bytes FROM user_icons i JOIN users u ON u.id = i.user_id WHERE u.username = ?',
    );
  }

  async create(input: {
    username: string;
    name: string;
    passwordHash: string;
    createdAt: number;
    guest?: boolean;
    email?: string | null;
  }) {
    try {
      return toUser(
        this.insert.get(
          input.username,
          input.name,
          input.passwordHash,
          input.createdAt,
          input.guest ? 1 : 0,
          nameKey(input.username),
          nameKey(input.name),
          input.email ?? null,
          keyOf(input.email),
        ) as UserRow,
      );
    } catch (err) {
      return clearEmailConflict(err);
    }
  }

  async byEmail(email: string) {
    const row = this.selectByEmail.get(emailKey(email));
    return row && toUser(row);
  }

  async setEmail(id: number, email: string | null) {
    try {
      this.updateEmail.run(email, keyOf(email), id);
    } catch (err) {
      clearEmailConflict(err);
    }
  }

  async delete(id: number) {
    this.remove.run(id);
  }

  async retire(id: number, at: number, event: NewEvent) {
    return this.db
      .transaction((): ChatEvent | undefined => {
        const row = this.selectById.get(id);
        if (!row) return undefined;
        this.insertRetired.run(row.username, row.name, row.created_at, at);
        this.remove.run(id);
        return this.events.insertOne(event);
      })
      .immediate();
  }

  async retired(usernames: readonly string[]) {
    if (usernames.length === 0) return new Set<string>();
    return new Set(this.selectRetired.all(JSON.stringify(usernames)).map((r) => r.username));
  }

  async list() {
    return this.selectAll.all().map(toUser);
  }

  async setPassword(id: number, passwordHash: string, event: NewEvent) {
    return this.db
      .transaction((): ChatEvent | undefined => {
        if (this.updatePassword.run(passwordHash, id).changes === 0) return undefined;
        this.deleteSessionsOf.run(id);
        return this.events.insertOne(event);
      })
      .immediate();
  }

  async setAdmin(id: number, admin: boolean) {
    this.updateAdmin.run(admin ? 1 : 0, id);
  }

  async byUsername(username: string) {
    const row = this.selectByName.get(username);
    return row && toUser(row);
  }

  async rename(id: number, name: string) {
    this.updateName.run(name, nameKey(name), id);
  }

  async setLanguage(id: number, language: Language | null) {
    this.updateLanguage.run(language, id);
  }

  async registeredNamed(name: string) {
    const key = nameKey(name);
    return key !== '' && this.selectRegisteredNamed.get(key, key) !== undefined;
  }

  async setIcon(id: number, icon: { type: string; bytes: Buffer }, at: number) {
    this.upsertIcon.run(id, icon.type, icon.bytes, at);
  }

  async icon(username: string) {
    return this.selectIcon.get(username);
  }

  async byId(id: number) {
    const row = this.selectById.get(id);
    return row && toUser(row);
  }
}
