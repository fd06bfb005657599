import type { User } from '../core/model.js';
import type { Store } from '../core/ports.js';
import { newPublicSessionId, newSessionId, secretKey } from '../core/ids.js';
import { LiveSession } from './live-session.js';

/** A session just created, with the secret id its client signs in with from now on. */
export interface SignedIn {
  session: LiveSession;
  secret: string;
}

/**
 * Live sessions, loaded from the store on first use so they survive restarts. Last-activity times are
 * kept in memory and written in batches: an idle timeout of minutes does not need a write per call.
 */
export class SessionRegistry {
  private readonly live = new Map<string, LiveSession>();
  private readonly loading = new Map<string, Promise<LiveSession | undefined>>();
  private readonly touched = new Set<LiveSession>();
  /**
   * The key of each secret that named a live session: every API call names its session, and hashing the
   * secret each time cost more than the rest of the lookup. Only secrets that found a session go in, so
   * guesses cannot fill it; it is emptied when it outgrows the live sessions (a stale entry only costs a
   * store lookup that finds nothing).
   */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly idleMs: number,
    /** `endedHere`: this process ended it (false: another process did, and this one only forgets it). */
    private readonly onEnd: (s: LiveSession, endedHere: boolean) => void,
  ) {}

  get size(): number {
    return this.live.size;
  }

  values(): IterableIterator<LiveSession> {
    return this.live.values();
  }

  /** Loads the sessions that were online at the last stop, so presence does not flap over a restart. */
  async restore(now: number): Promise<LiveSession[]> {
    const restored: LiveSession[] = [];
    for (const record of await this.store.sessions.online()) {
      const user = await this.store.users.byId(record.userId);
      if (!user) continue;
      const s = new LiveSession(record, user, now);
      this.live.set(s.id, s);
      restored.push(s);
    }
    return restored;
  }

  /**
   * The live session whose secret id this is (what the client sends), or undefined. One held here is
   * checked against the store whenever another process has committed since it was last found there: the
   * operator may have ended it (a new password, a deleted account), and the store is the truth.
   */
  async get(secret: string, now: number): Promise<LiveSession | undefined> {
    const known = this.keys.get(secret);
    const id = known ?? secretKey(secret);
    const held = this.live.get(id);
    if (held) {
      const found = this.stillStored(held);
      // Awaited only when the store was read: most calls need no turn of the microtask queue here.
      if (found !== true && !(await found)) {
        this.forget(held);
        return undefined;
      }
    }
    const s = held ?? (await this.load(id, now));
    if (!s) return undefined;
    if (known === undefined) this.remember(secret, id);
    if (s.observing === 0 && now - s.lastActiveAt > this.idleMs && (await this.idleEverywhere(s, now))) {
      await this.end(s);
      return undefined;
    }
    return this.live.get(id);
  }

  /**
   * The live session stored under this key, for a session linked to an API 1.0 session (whose client holds
   * the API 1.0 secret, not this one). Expiry is left to the API 1.0 session, which touches it on every call.
   */
  async byKey(id: string, now: number): Promise<LiveSession | undefined> {
    return this.live.get(id) ?? (await this.load(id, now));
  }

  /**
   * Reads the store only when another process may have changed it since this session was last found
   * there; a store that cannot tell cheaply is not read, and the log's account facts end the session.
   */
  private stillStored(s: LiveSession): boolean | Promise<boolean> {
    const mark = this.store.foreignCommits?.();
    if (mark === undefined || mark === s.foundAt) return true;
    return this.store.sessions.exists(s.id).then((found) => {
      if (found) s.foundAt = mark;
      return found;
    });
  }

  private remember(secret: string, id: string): void {
    if (this.keys.size > 2 * this.live.size + 1000) this.keys.clear();
    this.keys.set(secret, id);
  }

  /** A new session; its secret id goes to the client once and is kept nowhere but this process's memory. */
  async create(user: User, appKey: string | null, now: number): Promise<SignedIn> {
    const secret = newSessionId();
    const record = {
      id: secretKey(secret),
      publicId: newPublicSessionId(),
      userId: user.id,
      nickname: user.name,
      appKey,
      hidden: false,
      online: false,
      createdAt: now,
      lastActiveAt: now,
      rooms: [],
      legacyCsrfKey: '',
    };
    const mark = this.store.foreignCommits?.();
    await this.store.sessions.create(record);
    const s = new LiveSession(record, user, now);
    if (mark !== undefined) s.foundAt = mark;
    this.live.set(s.id, s);
    this.remember(secret, s.id);
    return { session: s, secret };
  }

  /** A user took a new name: their sessions here take it as name and nickname. */
  async renamed(userId: number, name: string): Promise<void> {
    for (const s of this.live.values())
      if (s.userId === userId) {
        s.userName = name;
        s.nickname = name;
        await this.store.sessions.update(s.id, { nickname: name });
      }
  }

  touch(s: LiveSession, now: number): void {
    s.lastActiveAt = now;
    this.touched.add(s);
  }

  async end(s: LiveSession): Promise<void> {
    if (!this.live.delete(s.id)) return;
    this.touched.delete(s);
    await this.store.sessions.delete(s.id);
    this.onEnd(s, true);
  }

  /**
   * Another process changed or ended a session: reread it if this process holds it. Returns the session
   * and whether its rooms changed, or nothing when it is not held here or is gone.
   */
  async reload(id: string): Promise<{ session: LiveSession; roomsChanged: boolean } | undefined> {
    const s = this.live.get(id);
    if (!s) return undefined;
    const record = await this.store.sessions.byId(id);
    const user = record && (await this.store.users.byId(record.userId));
    if (!record || !user) {
      this.forget(s);
      return undefined;
    }
    const roomsChanged = record.rooms.join('\n') !== s.rooms.join('\n');
    s.rooms = record.rooms;
    s.nickname = record.nickname;
    s.hidden = record.hidden;
    s.userName = user.name;
    return { session: s, roomsChanged };
  }

  /**
   * The user's sessions were ended in the store (an account change): forgets those held here that the
   * store no longer has, and returns them. One made since (a sign-in with the new password) stays.
   */
  async signedOut(userId: number): Promise<LiveSession[]> {
    const gone: LiveSession[] = [];
    for (const s of [...this.live.values()])
      if (s.userId === userId && !(await this.store.sessions.exists(s.id))) {
        this.forget(s);
        gone.push(s);
      }
    return gone;
  }

  /** Drops a session that another process ended, without touching the store. */
  private forget(s: LiveSession): void {
    if (this.live.get(s.id) !== s) return;
    this.live.delete(s.id);
    this.touched.delete(s);
    this.onEnd(s, false);
  }

  /**
   * Idle here, but maybe busy in another process that shares the store: its activity reaches the store
   * within a flush, well inside the idle limit. A session already gone from the store is forgotten.
   */
  private async idleEverywhere(s: LiveSession, now: number): Promise<boolean> {
    const record = await this.store.sessions.byId(s.id);
    if (!record) {
      this.forget(s);
      return false;
    }
    s.lastActiveAt = Math.max(s.lastActiveAt, record.lastActiveAt);
    return now - s.lastActiveAt > this.idleMs;
  }

  /** Writes pending activity times; held observes count as activity for their whole duration. */
  async flush(now: number): Promise<void> {
    for (const s of this.live.values()) if (s.observing > 0) this.touch(s, now);
    if (this.touched.size === 0) return;
    const entries = [...this.touched].map((s) => ({ id: s.id, lastActiveAt: s.lastActiveAt }));
    this.touched.clear();
    await this.store.sessions.touch(entries);
  }

  /** Ends idle sessions; returns the users of those that were only in the store, for cleaning up after. */
  async expire(now: number): Promise<number[]> {
    await this.flush(now);
    const cutoff = now - this.idleMs;
    for (const s of [...this.live.values()])
      if (s.observing === 0 && s.lastActiveAt < cutoff && (await this.idleEverywhere(s, now)))
        await this.end(s);
    // Sessions that never came back after a restart are only in the store.
    return (await this.store.sessions.expire(cutoff)).map((r) => r.userId);
  }

  private load(id: string, now: number): Promise<LiveSession | undefined> {
    let pending = this.loading.get(id);
    if (!pending) {
      pending = (async () => {
        const mark = this.store.foreignCommits?.();
        const record = await this.store.sessions.byId(id);
        const user = record && (await this.store.users.byId(record.userId));
        if (!record || !user) return undefined;
        const s = this.live.get(id) ?? new LiveSession({ ...record, online: false }, user, now);
        if (mark !== undefined) s.foundAt = mark;
        this.live.set(id, s);
        return s;
      })().finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }
}
