import type { Db } from './database.js';
import { migrateEventsToFacts } from './facts-migration.js';
import { addNameKeys } from './name-keys-migration.js';

/**
 * Full-text search over every line, by substring (trigram: Japanese has no spaces between words). It reads
 * the text from messages (external content) and is kept in step by triggers, which also run for the lines a
 * deleted room takes with it. Named, so a test can build a file as it was before this step.
 */
export const addSearchIndex = `
  CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id', tokenize='trigram');
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
  END;
  INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
  `;

/**
 * Schema steps, applied in order from an empty file, each in a transaction; PRAGMA user_version records
 * how far we got. A step is SQL, or a function for what SQL alone cannot do. A released step keeps its
 * place and new ones go at the end: a database knows how many steps it has run, not which.
 */
export const migrations: ReadonlyArray<string | ((db: Db) => void)> = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    blurb TEXT,
    is_public INTEGER NOT NULL,
    owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    timezone TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE room_tags (
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (room_id, tag)
  ) STRICT;
  CREATE INDEX room_tags_by_tag ON room_tags(tag);

  CREATE TABLE memberships (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    is_owner INTEGER NOT NULL,
    joined_at INTEGER NOT NULL,
    last_active_at INTEGER,
    UNIQUE (room_id, user_id)
  ) STRICT;
  CREATE INDEX memberships_by_user ON memberships(user_id, seq);

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    nickname TEXT NOT NULL,
    app_key TEXT,
    hidden INTEGER NOT NULL DEFAULT 0,
    online INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX sessions_by_activity ON sessions(last_active_at);

  CREATE TABLE session_rooms (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    room_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (session_id, room_id)
  ) STRICT;

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    speaker_id TEXT NOT NULL,
    public_session_id TEXT NOT NULL,
    nickname TEXT NOT NULL,
    text TEXT NOT NULL,
    local_id TEXT,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
  ) STRICT;
  CREATE INDEX messages_by_room ON messages(room_id, id);

  -- The one global counter: event ids. Rooms may go, the log stays until retention prunes it.
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX events_by_room ON events(room_id, id);
  CREATE INDEX events_by_time ON events(created_at);
  -- Counters start above 0: some clients adopt a new counter only when it is truthy.
  INSERT INTO sqlite_sequence (name, seq) VALUES ('events', 1000);
  INSERT INTO meta (key, value) VALUES ('events_pruned_through', '0');

  CREATE TABLE favorites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, message_id)
  ) STRICT;
  `,
  `
  ALTER TABLE sessions ADD COLUMN csrf_token TEXT NOT NULL DEFAULT '';
  `,
  `
  CREATE TABLE user_icons (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  `,
  `
  ALTER TABLE users ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Only keys (SHA-256) of session ids and form tokens are kept: a copy of the file hands out no sessions.
  -- lingr_secret_key is the same function the server uses (registered when the file is opened).
  PRAGMA defer_foreign_keys = ON;
  UPDATE session_rooms SET session_id = lingr_secret_key(session_id);
  UPDATE sessions SET id = lingr_secret_key(id),
    csrf_token = CASE csrf_token WHEN '' THEN '' ELSE lingr_secret_key(csrf_token) END;
  `,
  migrateEventsToFacts,
  `
  -- Unread counts: the last line each member has read. Existing members start with everything read; a new
  -- member starts at the room's latest line, whoever adds them.
  ALTER TABLE memberships ADD COLUMN read_through INTEGER NOT NULL DEFAULT 0;
  UPDATE memberships SET read_through = COALESCE((SELECT MAX(id) FROM messages), 0);
  CREATE TRIGGER memberships_start_read AFTER INSERT ON memberships BEGIN
    UPDATE memberships SET read_through = COALESCE((SELECT MAX(id) FROM messages WHERE room_id = NEW.room_id), 0)
    WHERE seq = NEW.seq;
  END;
  `,
  addNameKeys,
  `
  -- A room's invitation link: whoever signs in and follows it becomes a member. The token is kept as it is,
  -- so the owner can see the link again (whoever can read this file can read the room's lines anyway).
  CREATE TABLE room_invitations (
    room_id TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  `,
  addSearchIndex,
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
    room_id TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  `,
  `
  -- API 1.0 (spec 7): its sessions and the occupants they put in rooms live here, so that any process answers
  -- any call. Only keys (SHA-256) of session ids and tickets are kept. Lines said through API 1.0 name the
  -- occupant that said them and its kind of client.
  CREATE TABLE v1_sessions (
    key TEXT PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    client_type TEXT NOT NULL,
    api_key TEXT NOT NULL,
    live_key TEXT,
    created_at INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX v1_sessions_by_activity ON v1_sessions(last_active_at);

  CREATE TABLE v1_occupants (
    id TEXT PRIMARY KEY,
    ticket_key TEXT NOT NULL UNIQUE,
    session_key TEXT NOT NULL REFERENCES v1_sessions(key) ON DELETE CASCADE,
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    username TEXT,
    nickname TEXT,
    client_type TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'api',
    admission TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX v1_occupants_by_session ON v1_occupants(session_key, entered_at);
  CREATE INDEX v1_occupants_by_room ON v1_occupants(room_id, entered_at);
  CREATE INDEX v1_occupants_by_user ON v1_occupants(user_id);
  CREATE INDEX v1_occupants_by_last_seen ON v1_occupants(last_seen_at);

  ALTER TABLE messages ADD COLUMN occupant_id TEXT;
  ALTER TABLE messages ADD COLUMN client_type TEXT;
  `,
  `
  -- Webhook bots (spec 6). id_key is the id lower-cased by the program (storage/bot-rows.ts), unique: ids
  -- that differ only in case are one bot's. An owner's account going leaves the bot ownerless rather than
  -- taking it out of every room it serves.
  CREATE TABLE bots (
    id TEXT PRIMARY KEY,
    id_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    secret TEXT NOT NULL,
    callback_url TEXT,
    enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX bots_by_owner ON bots(owner_id, id);

  CREATE TABLE bot_icons (
    bot_id TEXT PRIMARY KEY REFERENCES bots(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  -- A bot in a room: delivered through cursor (an event id). holder and lease_until say which process
  -- delivers now and until when (NULL and 0: nobody); they are moved only by single compare-and-set UPDATEs.
  -- seq keeps the order bots were added in.
  CREATE TABLE room_bots (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    cursor INTEGER NOT NULL,
    holder TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    UNIQUE (bot_id, room_id)
  ) STRICT;
  CREATE INDEX room_bots_by_room ON room_bots(room_id, seq);

  -- Failed deliveries, for the bot's owner; the room may be gone by the time they are read.
  CREATE TABLE bot_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    room_id TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    reason TEXT NOT NULL
  ) STRICT;
  CREATE INDEX bot_failures_by_bot ON bot_failures(bot_id, at, id);

  -- Finding bots with lines to hear (BotRepository.behind) asks each room for a message after a cursor:
  -- one step down this index, however many presence and membership events came since.
  CREATE INDEX events_messages_by_room ON events(room_id, id) WHERE kind = 'message';
  `,
  `
  -- The language a user chose for the pages (en, ja); NULL: whatever their browser asks for.
  ALTER TABLE users ADD COLUMN language TEXT;
  `,
  `
  -- Site administrators (lingr user admin).
  ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
  -- Accounts deleted by the operator: the row goes (and with it password, email, icon, sessions), but the
  -- username stays taken for good, so the lines said under it are never read as a later account's.
  CREATE TABLE retired_users (
    username TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER NOT NULL
  ) STRICT;
  -- A user's sessions, for signing them all out (a new password, a deleted account).
  CREATE INDEX sessions_by_user ON sessions(user_id);
  CREATE INDEX v1_sessions_by_user ON v1_sessions(user_id);
  `,
];
