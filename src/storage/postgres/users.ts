import { LANGUAGES, type ChatEvent, type Language, type NewEvent, type User } from '../../core/model.js';
import { nameKey } from '../../core/text.js';
import { emailKey, emailTaken } from '../../core/validation.js';
import type { UserRepository } from '../../core/ports.js';
import { transaction, type Pool } from './database.js';
import type { PostgresEvents } from './events.js';

interface UserRow {
  id: number;
  username: string;
  name: string;
  password_hash: string;
  email: string | null;
  created_at: number;
  guest: boolean;
  language: string | null;
  admin: boolean;
}

const COLUMNS = 'id, username, name, password_hash, email, created_at, guest, language, admin';

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  name: r.name,
  passwordHash: r.password_hash,
  email: r.email,
  createdAt: r.created_at,
  guest: r.guest,
  language: LANGUAGES.find((l) => l === r.language) ?? null,
  admin: r.admin,
});

/** The unique index on email keys refused the write: the address is another account's. */
function clearEmailConflict(err: unknown): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'users_by_email') throw emailTaken();
  throw err;
}

const keyOf = (email: string | null | undefined): string | null => (email ? emailKey(email) : null);

export class PostgresUsers implements UserRepository {
  constructor(
    private readonly pool: Pool,
    private readonly events: PostgresEvents,
  ) {}

  async create(input: {
    username: string;
    name: string;
    passwordHash: string;
    createdAt: number;
    guest?: boolean;
    email?: string | null;
  }) {
    const { rows } = await this.pool
      .query<UserRow>(
        `INSERT INTO users (username, name, password_hash, created_at, guest, username_key, name_key, email, email_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [
          input.username,
          input.name,
          input.passwordHash,
          input.createdAt,
          input.guest === true,
          nameKey(input.username),
          nameKey(input.name),
          input.email ?? null,
          keyOf(input.email),
        ],
      )
      .catch(clearEmailConflict);
    return toUser(rows[0] as UserRow);
  }

  async byEmail(email: string) {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email_key = $1`, [
      emailKey(email),
    ]);
    return rows[0] && toUser(rows[0]);
  }

  async setEmail(id: number, email: string | null) {
    await this.pool
      .query('UPDATE users SET email = $1, email_key = $2 WHERE id = $3', [email, keyOf(email), id])
      .catch(clearEmailConflict);
  }

  async delete(id: number) {
    await this.pool.query('DELETE FROM users WHERE id = $1', [id]);
  }

  async retire(id: number, at: number, event: NewEvent) {
    return transaction(this.pool, async (client): Promise<ChatEvent | undefined> => {
      const { rows } = await client.query<{ username: string }>(
        `WITH gone AS (DELETE FROM users WHERE id = $1 RETURNING username, name, created_at)
         INSERT INTO retired_users (username, name, created_at, retired_at)
         SELECT username, name, created_at, $2 FROM gone RETURNING username`,
        [id, at],
      );
      if (rows.length === 0) return undefined;
      return (await this.events.insert(client, [event]))[0];
    });
  }

  async retired(usernames: readonly string[]) {
    if (usernames.length === 0) return new Set<string>();
    const { rows } = await this.pool.query<{ username: string }>(
      'SELECT username FROM retired_users WHERE username = ANY($1::text[])',
      [usernames],
    );
    return new Set(rows.map((r) => r.username));
  }

  async list() {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY id`);
    return rows.map(toUser);
  }

  async setPassword(id: number, passwordHash: string, event: NewEvent) {
    return transaction(this.pool, async (client): Promise<ChatEvent | undefined> => {
      const { rowCount } = await client.query('UPDATE users SET password_hash = $1 WHERE id = $2', [
        passwordHash,
        id,
      ]);
      if (rowCount === 0) return undefined;
      await client.query('DELETE FROM sessions WHERE user_id = $1', [id]);
      return (await this.events.insert(client, [event]))[0];
    });
  }

  async setAdmin(id: number, admin: boolean) {
    await this.pool.query('UPDATE users SET admin = $1 WHERE id = $2', [admin, id]);
  }

  /** Usernames are compared exactly, as SQLite's `=` on TEXT does. */
  async byUsername(username: string) {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = $1`, [
      username,
    ]);
    return rows[0] && toUser(rows[0]);
  }

  async byId(id: number) {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] && toUser(rows[0]);
  }

  async setLanguage(id: number, language: Language | null) {
    await this.pool.query('UPDATE users SET language = $1 WHERE id = $2', [language, id]);
  }

  async rename(id: number, name: string) {
    await this.pool.query('UPDATE users SET name = $1, name_key = $2 WHERE id = $3', [
      name,
      nameKey(name),
      id,
    ]);
  }

  async registeredNamed(name: string) {
    const key = nameKey(name);
    if (key === '') return false;
    const { rows } = await this.pool.query(
      `SELECT 1 FROM users WHERE NOT guest AND username_key = $1
       UNION ALL SELECT 1 FROM users WHERE NOT guest AND name_key = $1 LIMIT 1`,
      [key],
    );
    return rows.length > 0;
  }

  async setIcon(id: number, icon: { type: string; bytes: Buffer }, at: number) {
    await this.pool.query(
      `INSERT INTO user_icons (user_id, type, bytes, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET type = excluded.type, bytes = excluded.bytes, updated_at = excluded.updated_at`,
      [id, icon.type, icon.bytes, at],
    );
  }

  async icon(username: string) {
    const { rows } = await this.pool.query<{ type: string; bytes: Buffer }>(
      'SELECT i.type, i.bytes FROM user_icons i JOIN users u ON u.id = i.user_id WHERE u.username = $1',
      [username],
    );
    return rows[0];
  }
}
