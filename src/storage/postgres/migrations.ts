import type { Logger } from '../../core/ports.js';
import { refuseNewer } from '../schema-version.js';
import type { Pool, PoolClient } from './database.js';
import { EVENT_LOCK, EVENTS_CHANNEL } from './events.js';

/**
 * Held (as a session-level advisory lock) by whoever is migrating the database, so that processes opening
 * the same database at the same moment migrate it one after another: the second finds the work done.
 */
const MIGRATION_LOCK = 0x6c696e6772_01; // 'lingr', 1

type Step = string | ((client: PoolClient, log: Logger) => Promise<void>);

/**
 * Schema steps, applied in order from an empty database, each in a transaction and recorded in
 * `schema_migrations`. The first is SQLite's schema as it stands after all of its own steps (a PostgreSQL
 * database starts empty, so none of SQLite's rewrites of older rows apply), translated: BIGINT for ids and
 * millisecond times, BOOLEAN for flags, BYTEA for icons, and event payloads as the same JSON text, so rows
 * can be copied between the two stores as they are.
 */
export const migrations: readonly Step[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    guest BOOLEAN NOT NULL DEFAULT false,
    -- nameKey (core/text.ts) of the username and the display name, computed by the program.
    username_key TEXT NOT NULL DEFAULT '',
    name_key TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX users_by_username_key ON users (username_key) WHERE NOT guest;
  CREATE INDEX users_by_name_key ON users (name_key) WHERE NOT guest;

  CREATE TABLE user_icons (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    blurb TEXT,
    is_public BOOLEAN NOT NULL,
    owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    timezone TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX rooms_public_by_age ON rooms (created_at) WHERE is_public;

  CREATE TABLE room_tags (
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (room_id, tag)
  );
  CREATE INDEX room_tags_by_tag ON room_tags (tag);

  -- A room's invitation link, kept as it is so the owner can see it again.
  CREATE TABLE room_invitations (
    room_id TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );

  -- read_through: the last line the member has read. A new member starts at the room's latest line; the
  -- store's insert sets it (SQLite does it with a trigger).
  CREATE TABLE memberships (
    seq BIGSERIAL PRIMARY KEY,
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_owner BOOLEAN NOT NULL,
    joined_at BIGINT NOT NULL,
    last_active_at BIGINT,
    read_through BIGINT NOT NULL DEFAULT 0,
    UNIQUE (room_id, user_id)
  );
  CREATE INDEX memberships_by_user ON memberships (user_id, seq);

  -- Only keys (SHA-256) of session ids and form tokens are kept: a copy of the database hands out no sessions.
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    nickname TEXT NOT NULL,
    app_key TEXT,
    hidden BOOLEAN NOT NULL DEFAULT false,
    online BOOLEAN NOT NULL DEFAULT false,
    created_at BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL,
    csrf_token TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX sessions_by_activity ON sessions (last_active_at);

  CREATE TABLE session_rooms (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    room_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (session_id, room_id)
  );

  CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    speaker_id TEXT NOT NULL,
    public_session_id TEXT NOT NULL,
    nickname TEXT NOT NULL,
    text TEXT NOT NULL,
    local_id TEXT,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
  );
  CREATE INDEX messages_by_room ON messages (room_id, id);
  CREATE INDEX messages_by_room_time ON messages (room_id, created_at);

  CREATE TABLE favorites (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, message_id)
  );

  -- The one global counter: event ids. Rooms may go, the log stays until retention prunes it. The id has no
  -- default on purpose: ids are taken from events_id_seq only under the event lock (events.ts), so that
  -- they commit in id order. Counters start above 1000, as SQLite's do (some clients adopt a new counter
  -- only when it is truthy). The payload is the fact's JSON text, exactly as SQLite keeps it.
  CREATE TABLE events (
    id BIGINT PRIMARY KEY,
    room_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE SEQUENCE events_id_seq START WITH 1001 OWNED BY events.id;
  CREATE INDEX events_by_room ON events (room_id, id);
  CREATE INDEX events_by_time ON events (created_at);
  INSERT INTO meta (key, value) VALUES ('events_pruned_through', '0');
  `,
  trigramIndex,
  `
  -- Emails, for signing in by email (API 1.0). email_key is the address lower-cased by the program
  -- (emailKey, core/validation.ts) so both stores agree on which addresses are one; it is unique.
  ALTER TABLE users ADD COLUMN email TEXT;
  ALTER TABLE users ADD COLUMN email_key TEXT;
  CREATE UNIQUE INDEX users_by_email ON users (email_key);
  `,
  `
  -- A room's password (API 1.0), hashed as account passwords are; NULL: none. A room with one is never public.
  ALTER TABLE rooms ADD COLUMN password_hash TEXT;
  `,
  `
  -- A room's uploaded icon (API 1.0 room.create and room.changeSettings take one); it goes with the room.
  CREATE TABLE room_icons (
    room_id TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
  );
  `,
  `
  -- API 1.0 (spec 7): its sessions and the occupants they put in rooms, shared by every process and node.
  -- Only keys (SHA-256) of session ids and tickets are kept. Lines said through API 1.0 name the occupant
  -- that said them and its kind of client.
  CREATE TABLE v1_sessions (
    key TEXT PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    client_type TEXT NOT NULL,
    api_key TEXT NOT NULL,
    live_key TEXT,
    created_at BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL
  );
  CREATE INDEX v1_sessions_by_activity ON v1_sessions (last_active_at);

  CREATE TABLE v1_occupants (
    id TEXT PRIMARY KEY,
    ticket_key TEXT NOT NULL UNIQUE,
    session_key TEXT NOT NULL REFERENCES v1_sessions (key) ON DELETE CASCADE,
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    username TEXT,
    nickname TEXT,
    client_type TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'api',
    admission TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
  );
  CREATE INDEX v1_occupants_by_session ON v1_occupants (session_key, entered_at);
  CREATE INDEX v1_occupants_by_room ON v1_occupants (room_id, entered_at);
  CREATE INDEX v1_occupants_by_user ON v1_occupants (user_id);
  CREATE INDEX v1_occupants_by_last_seen ON v1_occupants (last_seen_at);

  ALTER TABLE messages ADD COLUMN occupant_id TEXT;
  ALTER TABLE messages ADD COLUMN client_type TEXT;
  `,
  `
  -- Webhook bots (spec 6). id_key is the id lower-cased by the program (storage/bot-rows.ts), unique: ids
  -- that differ only in case are one bot's. An owner's account going leaves the bot ownerless rather than
  -- taking it out of every room it serves.
  CREATE TABLE bots (
    id TEXT PRIMARY KEY,
    id_key TEXT NOT NULL,
    name TEXT NOT NULL,
    owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    secret TEXT NOT NULL,
    callback_url TEXT,
    enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX bots_by_id_key ON bots (id_key);
  CREATE INDEX bots_by_owner ON bots (owner_id, id COLLATE "C");

  CREATE TABLE bot_icons (
    bot_id TEXT PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
  );

  -- A bot in a room: delivered through cursor (an event id). holder and lease_until say which process
  -- delivers now and until when (NULL and 0: nobody); they are moved only by single compare-and-set UPDATEs.
  -- seq keeps the order bots were added in.
  CREATE TABLE room_bots (
    seq BIGSERIAL PRIMARY KEY,
    bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    cursor BIGINT NOT NULL,
    holder TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    UNIQUE (bot_id, room_id)
  );
  CREATE INDEX room_bots_by_room ON room_bots (room_id, seq);

  -- Failed deliveries, for the bot's owner; the room may be gone by the time they are read.
  CREATE TABLE bot_failures (
    id BIGSERIAL PRIMARY KEY,
    bot_id TEXT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    room_id TEXT NOT NULL,
    event_id BIGINT NOT NULL,
    reason TEXT NOT NULL
  );
  CREATE INDEX bot_failures_by_bot ON bot_failures (bot_id, at, id);

  -- Finding bots with lines to hear (BotRepository.behind) asks each room for a message after a cursor:
  -- one step down this index, however many presence and membership events came since.
  CREATE INDEX events_messages_by_room ON events (room_id, id) WHERE kind = 'message';
  `,
  `
  -- The language a user chose for the pages (en, ja); NULL: whatever their browser asks for.
  ALTER TABLE users ADD COLUMN language TEXT;
  `,
  `
  -- Site administrators (lingr user admin).
  ALTER TABLE users ADD COLUMN admin BOOLEAN NOT NULL DEFAULT false;
  -- Accounts deleted by the operator: the row goes (and with it password, email, icon, sessions), but the
  -- username stays taken for good, so the lines said under it are never read as a later account's.
  CREATE TABLE retired_users (
    username TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT NOT NULL
  );
  -- A user's sessions, for signing them all out (a new password, a deleted account).
  CREATE INDEX sessions_by_user ON sessions (user_id);
  CREATE INDEX v1_sessions_by_user ON v1_sessions (user_id);
  `,
  `
  -- Storing events in one round trip instead of four (the lock, the ids, the rows, the notification), and
  -- lines with their events in one more: a say paid a round trip for each. events.ts says why the lock.
  CREATE FUNCTION lingr_append_events(p_rooms TEXT[], p_kinds TEXT[], p_payloads TEXT[], p_created BIGINT[],
    p_writer TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
  DECLARE
    n INTEGER := cardinality(p_rooms);
    last_id BIGINT;
  BEGIN
    PERFORM pg_advisory_xact_lock(${EVENT_LOCK});
    -- Under the lock nobody else draws from the sequence, so one draw reserves the whole block.
    last_id := setval('events_id_seq', nextval('events_id_seq') + n - 1);
    INSERT INTO events (id, room_id, kind, payload, created_at)
      SELECT last_id - n + e.i, e.room_id, e.kind, e.payload, e.created_at
      FROM unnest(p_rooms, p_kinds, p_payloads, p_created) WITH ORDINALITY AS e(room_id, kind, payload, created_at, i);
    -- The last id rides along, so a listener that already has it (from the bus) need not read the store.
    PERFORM pg_notify('${EVENTS_CHANNEL}', p_writer || ' ' || last_id);
    RETURN last_id;
  END
  $$;

  CREATE FUNCTION lingr_append_lines(p_ids BIGINT[], p_rooms TEXT[], p_types TEXT[], p_speakers TEXT[],
    p_public_ids TEXT[], p_nicknames TEXT[], p_texts TEXT[], p_local_ids TEXT[], p_created BIGINT[],
    p_occupants TEXT[], p_client_types TEXT[], p_event_rooms TEXT[], p_event_kinds TEXT[], p_payloads TEXT[],
    p_event_created BIGINT[], p_writer TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO messages (id, room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at,
      occupant_id, client_type)
      SELECT * FROM unnest(p_ids, p_rooms, p_types, p_speakers, p_public_ids, p_nicknames, p_texts, p_local_ids,
        p_created, p_occupants, p_client_types);
    RETURN lingr_append_events(p_event_rooms, p_event_kinds, p_payloads, p_event_created, p_writer);
  END
  $$;
  `,
  `
  -- A writer whose bus reaches every node passes no name: the bus carries its events, and a notification
  -- as well would wake every node's listener a second time for each write.
  CREATE OR REPLACE FUNCTION lingr_append_events(p_rooms TEXT[], p_kinds TEXT[], p_payloads TEXT[],
    p_created BIGINT[], p_writer TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
  DECLARE
    n INTEGER := cardinality(p_rooms);
    last_id BIGINT;
  BEGIN
    PERFORM pg_advisory_xact_lock(${EVENT_LOCK});
    last_id := setval('events_id_seq', nextval('events_id_seq') + n - 1);
    INSERT INTO events (id, room_id, kind, payload, created_at)
      SELECT last_id - n + e.i, e.room_id, e.kind, e.payload, e.created_at
      FROM unnest(p_rooms, p_kinds, p_payloads, p_created) WITH ORDINALITY AS e(room_id, kind, payload, created_at, i);
    IF p_writer IS NOT NULL THEN
      PERFORM pg_notify('${EVENTS_CHANNEL}', p_writer || ' ' || last_id);
    END IF;
    RETURN last_id;
  END
  $$;
  `,
  `
  -- A say records that its speaker spoke (active now, read through the line) in the same round trip.
  -- Several lines of one speaker in a group update the membership once.
  CREATE FUNCTION lingr_append_lines(p_ids BIGINT[], p_rooms TEXT[], p_types TEXT[], p_speakers TEXT[],
    p_public_ids TEXT[], p_nicknames TEXT[], p_texts TEXT[], p_local_ids TEXT[], p_created BIGINT[],
    p_occupants TEXT[], p_client_types TEXT[], p_event_rooms TEXT[], p_event_kinds TEXT[], p_payloads TEXT[],
    p_event_created BIGINT[], p_writer TEXT, p_spoke_by BIGINT[]) RETURNS BIGINT LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO messages (id, room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at,
      occupant_id, client_type)
      SELECT * FROM unnest(p_ids, p_rooms, p_types, p_speakers, p_public_ids, p_nicknames, p_texts, p_local_ids,
        p_created, p_occupants, p_client_types);
    UPDATE memberships m SET last_active_at = s.at, read_through = GREATEST(m.read_through, s.id)
      FROM (SELECT x.room_id, x.user_id, max(x.at) AS at, max(x.id) AS id
            FROM unnest(p_rooms, p_spoke_by, p_created, p_ids) AS x(room_id, user_id, at, id)
            WHERE x.user_id IS NOT NULL GROUP BY x.room_id, x.user_id) s
      WHERE m.room_id = s.room_id AND m.user_id = s.user_id;
    RETURN lingr_append_events(p_event_rooms, p_event_kinds, p_payloads, p_event_created, p_writer);
  END
  $$;
  `,
  `
  -- A say in one round trip: the lines' ids are drawn here, and each event's payload is the line's JSON
  -- text without its id, which goes in first. (lingr_append_lines stays for nodes of the last version
  -- during a rolling upgrade.)
  CREATE FUNCTION lingr_say(p_rooms TEXT[], p_types TEXT[], p_speakers TEXT[], p_public_ids TEXT[],
    p_nicknames TEXT[], p_texts TEXT[], p_local_ids TEXT[], p_created BIGINT[], p_occupants TEXT[],
    p_client_types TEXT[], p_payloads TEXT[], p_spoke_by BIGINT[], p_writer TEXT,
    OUT line_ids BIGINT[], OUT last_event BIGINT) LANGUAGE plpgsql AS $$
  DECLARE
    n INTEGER := cardinality(p_rooms);
  BEGIN
    -- Outside the event lock, as before: a failed commit leaves a hole in the lines' ids, as a rollback would.
    line_ids := ARRAY(SELECT nextval('messages_id_seq') FROM generate_series(1, n) AS g ORDER BY g);
    INSERT INTO messages (id, room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at,
      occupant_id, client_type)
      SELECT * FROM unnest(line_ids, p_rooms, p_types, p_speakers, p_public_ids, p_nicknames, p_texts,
        p_local_ids, p_created, p_occupants, p_client_types);
    UPDATE memberships m SET last_active_at = s.at, read_through = GREATEST(m.read_through, s.id)
      FROM (SELECT x.room_id, x.user_id, max(x.at) AS at, max(x.id) AS id
            FROM unnest(p_rooms, p_spoke_by, p_created, line_ids) AS x(room_id, user_id, at, id)
            WHERE x.user_id IS NOT NULL GROUP BY x.room_id, x.user_id) s
      WHERE m.room_id = s.room_id AND m.user_id = s.user_id;
    last_event := lingr_append_events(p_rooms, array_fill('message'::TEXT, ARRAY[n]),
      ARRAY(SELECT '{"id":' || x.id || ',' || substr(x.payload, 2)
            FROM unnest(line_ids, p_payloads) WITH ORDINALITY AS x(id, payload, i) ORDER BY x.i),
      p_created, p_writer);
  END
  $$;
  `,
  `
  -- A say without a read before it: a member's line (p_spoke_by set) is stored only while the member
  -- belongs to the room (its id comes back NULL otherwise), and the rooms with bots come back, so neither the
  -- membership nor the room's bots costs a round trip of its own. (lingr_say stays for a rolling upgrade.)
  CREATE FUNCTION lingr_say_checked(p_rooms TEXT[], p_types TEXT[], p_speakers TEXT[], p_public_ids TEXT[],
    p_nicknames TEXT[], p_texts TEXT[], p_local_ids TEXT[], p_created BIGINT[], p_occupants TEXT[],
    p_client_types TEXT[], p_payloads TEXT[], p_spoke_by BIGINT[], p_writer TEXT,
    OUT line_ids BIGINT[], OUT last_event BIGINT, OUT bot_rooms TEXT[]) LANGUAGE plpgsql AS $$
  DECLARE
    drawn BIGINT[];
    kept INTEGER;
  BEGIN
    drawn := ARRAY(SELECT nextval('messages_id_seq') FROM generate_series(1, cardinality(p_rooms)) AS g ORDER BY g);
    -- The update takes the membership rows, so a leave waits for this commit or has already removed them.
    WITH spoke AS (
      UPDATE memberships m SET last_active_at = s.at, read_through = GREATEST(m.read_through, s.id)
        FROM (SELECT x.room_id, x.user_id, max(x.at) AS at, max(x.id) AS id
              FROM unnest(p_rooms, p_spoke_by, p_created, drawn) AS x(room_id, user_id, at, id)
              WHERE x.user_id IS NOT NULL GROUP BY x.room_id, x.user_id) s
        WHERE m.room_id = s.room_id AND m.user_id = s.user_id
        RETURNING m.room_id, m.user_id)
    SELECT ARRAY(SELECT CASE WHEN x.user_id IS NULL OR EXISTS (
                   SELECT 1 FROM spoke WHERE spoke.room_id = x.room_id AND spoke.user_id = x.user_id)
                 THEN x.id END
               FROM unnest(p_rooms, p_spoke_by, drawn) WITH ORDINALITY AS x(room_id, user_id, id, i) ORDER BY x.i)
      INTO line_ids;
    INSERT INTO messages (id, room_id, type, speaker_id, public_session_id, nickname, text, local_id, created_at,
      occupant_id, client_type)
      SELECT * FROM unnest(line_ids, p_rooms, p_types, p_speakers, p_public_ids, p_nicknames, p_texts,
        p_local_ids, p_created, p_occupants, p_client_types) AS x(id) WHERE x.id IS NOT NULL;
    GET DIAGNOSTICS kept = ROW_COUNT;
    IF kept > 0 THEN
      last_event := lingr_append_events(
        ARRAY(SELECT x.room FROM unnest(line_ids, p_rooms) WITH ORDINALITY AS x(id, room, i)
              WHERE x.id IS NOT NULL ORDER BY x.i),
        array_fill('message'::TEXT, ARRAY[kept]),
        ARRAY(SELECT '{"id":' || x.id || ',' || substr(x.payload, 2)
              FROM unnest(line_ids, p_payloads) WITH ORDINALITY AS x(id, payload, i)
              WHERE x.id IS NOT NULL ORDER BY x.i),
        ARRAY(SELECT x.at FROM unnest(line_ids, p_created) WITH ORDINALITY AS x(id, at, i)
              WHERE x.id IS NOT NULL ORDER BY x.i),
        p_writer);
    END IF;
    bot_rooms := ARRAY(SELECT DISTINCT r.room_id FROM room_bots r WHERE r.room_id = ANY (p_rooms));
  END
  $$;
  `,
];

/**
 * Substring search over every line by trigrams (Japanese has no spaces between words), with pg_trgm's GIN
 * index serving ILIKE '%…%'. Creating the extension needs a privilege the database's owner may lack (it is
 * trusted since PostgreSQL 13, so an owner usually has it); without it search still works, reading every
 * line, and we say so once.
 */
async function trigramIndex(client: PoolClient, log: Logger): Promise<void> {
  await client.query('SAVEPOINT trigram');
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await client.query('CREATE INDEX messages_text_trigrams ON messages USING gin (text gin_trgm_ops)');
    await client.query('RELEASE SAVEPOINT trigram');
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT trigram');
    log.warn(
      { err },
      'pg_trgm is not available: search reads every line. As a superuser, run in this database: ' +
        'CREATE EXTENSION pg_trgm; CREATE INDEX messages_text_trigrams ON messages USING gin (text gin_trgm_ops);',
    );
  }
}

/** Brings the schema up to date, one process at a time. */
export async function migrate(pool: Pool, log: Logger): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // As in `transaction`: a connection dying while checked out must not end the process.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ version: number | null }>(
        'SELECT max(version) AS version FROM schema_migrations',
      );
      const version = rows[0]?.version ?? 0;
      refuseNewer(version, migrations.length);
      for (let v = version; v < migrations.length; v++) {
        const step = migrations[v] as Step;
        await client.query('BEGIN');
        try {
          if (typeof step === 'function') await step(client, log);
          else await client.query(step);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
            v + 1,
            Date.now(),
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        log.info({ version: v + 1 }, 'PostgreSQL schema migrated');
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    // Closed rather than pooled: a session lock left in doubt lives as long as its connection, and a
    // session that ran the migrations was measured running lingr_say at twice a fresh session's CPU.
    client.off('error', onError);
    client.release(broken ?? true);
  }
}
