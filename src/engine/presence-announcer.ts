import type { Bus, Logger, Store } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { EventLog } from './event-log.js';
import type { LiveSession } from './live-session.js';
import type { PresenceChange } from './presence.js';

/**
 * Writes what presence decides: a user's online or offline fact in each of their rooms, and each session's
 * online flag, in the order the changes happened. With several processes, only the one whose change turns
 * the user on or off anywhere announces it.
 */
export class PresenceAnnouncer {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly log: EventLog,
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  announce({ session, status }: PresenceChange): void {
    const at = this.clock.now();
    this.after(async () => {
      if (!(await this.bus.presence(session.userId, status === 'online'))) return;
      const rooms = await this.store.rooms.roomIdsOf(session.userId);
      await this.log.append(
        rooms.map((room) => ({
          roomId: room,
          createdAt: at,
          fact: {
            kind: 'presence' as const,
            presence: {
              userId: session.userId,
              username: session.username,
              publicSessionId: session.publicId,
              nickname: session.nickname,
              status,
            },
          },
        })),
      );
      for (const room of rooms) await this.store.rooms.touchMember(room, session.userId, at);
    }, 'announcing presence');
  }

  /**
   * Users whom only a node that died held online (the bus found its lease gone and chose this process to
   * say so): offline in each of their rooms, once, named as their last online session was.
   */
  announceLost(userIds: readonly number[]): void {
    const at = this.clock.now();
    this.after(async () => {
      const sessions = await this.store.sessions.online();
      for (const userId of userIds) {
        const user = await this.store.users.byId(userId);
        if (!user) continue;
        const held = sessions.filter((s) => s.userId === userId);
        const named = held[0];
        const rooms = await this.store.rooms.roomIdsOf(userId);
        await this.log.append(
          rooms.map((room) => ({
            roomId: room,
            createdAt: at,
            fact: {
              kind: 'presence' as const,
              presence: {
                userId,
                username: user.username,
                publicSessionId: named?.publicId ?? '',
                nickname: named?.nickname ?? user.name,
                status: 'offline' as const,
              },
            },
          })),
        );
        for (const s of held) await this.store.sessions.update(s.id, { online: false });
      }
    }, 'announcing users of a lost node');
  }

  /** The session's online flag survives a restart, so presence does not flap over one. */
  persistOnline(s: LiveSession): void {
    this.store.sessions
      .update(s.id, { online: s.online })
      .catch((err: unknown) => this.logger.error({ err }, 'saving presence'));
  }

  /** Runs `task` after the announcements queued so far (a guest leaves after saying it went offline). */
  after(task: () => Promise<void>, what: string): void {
    this.writes = this.writes.then(task).catch((err: unknown) => this.logger.error({ err }, what));
  }

  /** Resolves when everything queued is written. */
  flushed(): Promise<void> {
    return this.writes;
  }
}
