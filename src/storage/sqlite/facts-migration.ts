import type { Db } from './database.js';

/** An event as the log stored it before facts: the API 2.0 object of its kind. */
interface OldRow {
  id: number;
  room_id: string;
  kind: string;
  payload: string;
  created_at: number;
}

type Old = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const time = (v: unknown, fallback: number): number => {
  const ms = Date.parse(text(v));
  return Number.isFinite(ms) ? ms : fallback;
};

/**
 * Rewrites events stored as API 2.0 replies into domain facts: what a message, a presence change or a
 * membership change was, with no wire shape (icon URLs, texts) baked in. Users are found by username; a
 * user deleted since (a guest) keeps id 0.
 */
export function migrateEventsToFacts(db: Db): void {
  const userIds = new Map(
    (db.prepare('SELECT id, username FROM users').all() as Array<{ id: number; username: string }>).map(
      (u) => [u.username, u.id],
    ),
  );
  const update = db.prepare<[string, number]>('UPDATE events SET payload = ? WHERE id = ?');
  const messageTime = db.prepare<[number], { created_at: number }>(
    'SELECT created_at FROM messages WHERE id = ?',
  );
  const rows = db
    .prepare("SELECT * FROM events WHERE kind IN ('message', 'presence', 'membership')")
    .all() as OldRow[];
  for (const row of rows) {
    const old = JSON.parse(row.payload) as Old;
    const userId = userIds.get(text(old.username)) ?? 0;
    let fact: object;
    if (row.kind === 'message')
      fact = {
        id: Number(old.id),
        roomId: row.room_id,
        type: old.type === 'bot' ? 'bot' : 'user',
        speakerId: text(old.speaker_id),
        publicSessionId: text(old.public_session_id),
        nickname: text(old.nickname),
        text: text(old.text),
        localId: typeof old.local_id === 'string' ? old.local_id : null,
        // The message's own time, to the millisecond while its row is there.
        createdAt: messageTime.get(Number(old.id))?.created_at ?? time(old.timestamp, row.created_at),
      };
    else if (row.kind === 'presence')
      fact = {
        userId,
        username: text(old.username),
        publicSessionId: text(old.public_session_id),
        nickname: text(old.nickname),
        status: old.status === 'online' ? 'online' : 'offline',
      };
    else {
      const renamed = /^(.*) is now known as (.*)$/s.exec(text(old.text));
      fact = {
        userId,
        username: text(old.username),
        name: text(old.name),
        isOwner: old.is_owner === true,
        online: old.is_online === true,
        action: old.action === 'join' || old.action === 'quit' ? old.action : 'update',
        since: time(old.timestamp, row.created_at),
        ...(old.action === 'update' && renamed ? { previousName: renamed[1] } : {}),
      };
    }
    update.run(JSON.stringify(fact), row.id);
  }
}
