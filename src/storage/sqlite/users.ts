import { LANGUAGES, type Language, type User } from '../../core/model.js';
import { nameKey } from '../../core/text.js';
import { emailKey, emailTaken } from '../../core/validation.js';
import type { UserRepository } from '../../core/ports.js';
import type { Db } from './database.js';

interface UserRow {
  id: number;
  username: string;
  name: string;
  password_hash: string;
  email: string | null;
  created_at: number;
  guest: number;
  language: string | null;
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

  constructor(db: Db) {
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
