import type { LiveSession } from './live-session.js';

/** How long a closing page's session stays online: long enough for a reload to come back unnoticed. */
export const DEPARTURE_MS = 3_000;

export interface PresenceChange {
  session: LiveSession;
  status: 'online' | 'offline';
}

/**
 * Who is online. A session is online while it observes and for a grace period after; a user is online
 * while any of its sessions is. Only user-level transitions are reported (spec 5.7).
 */
export class Presence {
  private readonly onlineByUser = new Map<number, Set<LiveSession>>();
  /** Users online in another server process (several processes share the work). */
  private readonly elsewhere = new Set<number>();

  constructor(
    private readonly graceMs: number,
    private readonly onSessionChange: (session: LiveSession) => void,
    private readonly onUserChange: (change: PresenceChange) => void,
  ) {}

  isUserOnline(userId: number): boolean {
    return this.onlineByUser.has(userId) || this.elsewhere.has(userId);
  }

  /** What the other processes say about a user, as a whole. */
  setElsewhere(userId: number, online: boolean): void {
    if (online) this.elsewhere.add(userId);
    else this.elsewhere.delete(userId);
  }

  get onlineUsers(): number {
    return this.onlineByUser.size;
  }

  /** Registers a session restored as online after a restart, without announcing anything. */
  restore(s: LiveSession): void {
    if (s.online && !s.hidden) this.add(s);
    else s.online = false;
  }

  observeStarted(s: LiveSession, now: number): void {
    s.departing = false;
    s.observing++;
    s.lastObserveAt = now;
    if (!s.online && !s.hidden) this.setOnline(s, true);
  }

  observeEnded(s: LiveSession, now: number): void {
    s.observing = Math.max(0, s.observing - 1);
    s.lastObserveAt = now;
  }

  hide(s: LiveSession): void {
    s.hidden = true;
    if (s.online) this.setOnline(s, false);
  }

  show(s: LiveSession, now: number): void {
    s.hidden = false;
    if (!s.online && (s.observing > 0 || now - s.lastObserveAt < this.graceMs)) this.setOnline(s, true);
  }

  /** The session ends (destroyed or expired). */
  remove(s: LiveSession): void {
    if (s.online) this.setOnline(s, false);
  }

  /** The session's page is closing; `settle` later takes it offline if it did not come back. */
  depart(s: LiveSession): void {
    s.departing = true;
  }

  /** Takes one session offline if it stopped observing longer ago than it may. */
  settle(s: LiveSession, now: number): void {
    if (s.online && this.stale(s, now)) this.setOnline(s, false);
  }

  /** Takes offline every session that stopped observing longer ago than it may. */
  sweep(now: number): void {
    const stale: LiveSession[] = [];
    for (const sessions of this.onlineByUser.values())
      for (const s of sessions) if (this.stale(s, now)) stale.push(s);
    for (const s of stale) this.setOnline(s, false);
  }

  private stale(s: LiveSession, now: number): boolean {
    return s.observing === 0 && now - s.lastObserveAt >= (s.departing ? DEPARTURE_MS : this.graceMs);
  }

  private setOnline(s: LiveSession, online: boolean): void {
    s.online = online;
    this.onSessionChange(s);
    const wasOnline = this.onlineByUser.has(s.userId);
    if (online) this.add(s);
    else {
      const set = this.onlineByUser.get(s.userId);
      set?.delete(s);
      if (set?.size === 0) this.onlineByUser.delete(s.userId);
    }
    const isOnline = this.onlineByUser.has(s.userId);
    if (wasOnline !== isOnline) this.onUserChange({ session: s, status: online ? 'online' : 'offline' });
  }

  private add(s: LiveSession): void {
    let set = this.onlineByUser.get(s.userId);
    if (!set) this.onlineByUser.set(s.userId, (set = new Set()));
    set.add(s);
  }
}
