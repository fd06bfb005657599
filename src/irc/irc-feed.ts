import { ChatError } from '../core/chat-error.js';
import type { ChatEvent } from '../core/model.js';
import type { Logger } from '../core/ports.js';
import type { Chat } from '../engine/chat.js';
import type { RoomView } from '../engine/conversation.js';
import type { LiveSession } from '../engine/live-session.js';
import type { StreamEnd, StreamSink, StreamSubscription } from '../engine/stream-subscription.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Capabilities } from './irc-capabilities.js';
import { Channels, type Channel } from './irc-channels.js';
import { formatLine } from './irc-message.js';
import { channelOf, isoTime, maskOf, type IrcRender, type Tags } from './irc-render.js';
import { listedMembers, namesOf, topicOf, type Reply, type ServerIdentity } from './irc-replies.js';
import { Numeric } from './numerics.js';

/** The use cases IRC works through, nothing else of the engine. */
export type IrcChat = Pick<Chat, 'accounts' | 'rooms' | 'conversation' | 'subscriptions' | 'queries'>;

/** What the feed needs of its connection. */
export interface FeedHost {
  readonly caps: Capabilities;
  readonly nick: string;
  readonly reply: Reply;
  send(lines: string | Buffer): void;
  strike(lines: string): void;
  end(reason: string): void;
}

export interface FeedOptions {
  chat: IrcChat;
  server: ServerIdentity;
  render: IrcRender;
  log: Logger;
}

/** What a client is told when its stream ends for good. */
export const SLOW_READER = 'Slow reader: reconnect';
const streamEndText: Record<StreamEnd, string> = {
  resubscribe: 'Reconnect',
  shutdown: 'Server shutting down: reconnect',
  slow_reader: SLOW_READER,
  invalid_session: 'Your session ended',
  room_closed: 'Room closed',
};

/**
 * A signed-in client's rooms as channels: joining and parting them, their join bursts (topic, names,
 * backlog), and the session's one stream written as IRC lines, kept true to what the client was shown.
 */
export class ChannelFeed {
  readonly channels = new Channels();
  /** Away (offline) as this client was last told, by nick (with away-notify). */
  private readonly awayOf = new Map<string, boolean>();
  /** The stream of the session's rooms, and the last counter it delivered. */
  private stream: StreamSubscription | undefined;
  private sink: StreamSink | undefined;
  private counter = 0;
  private reopening: Promise<void> = Promise.resolve();
  private closed = false;
  /** The newest line delivered per room, to mark read on the next tick. */
  private readonly unread = new Map<string, number>();

  constructor(
    private readonly host: FeedHost,
    private readonly s: LiveSession,
    private readonly o: FeedOptions,
  ) {}

  /** Opens the stream and joins every room of the user, as `user/get_rooms` lists them. */
  async open(): Promise<void> {
    this.counter = await this.o.chat.subscriptions.subscribe(this.s, [], false);
    await this.openStream();
    await this.join(await this.o.chat.accounts.roomsOf(this.s));
  }

  /** The client cannot keep up: its stream ends as a slow reader's (and is counted as one). */
  slowReader(): void {
    this.stream?.end('slow_reader');
  }

  /** The connection went away. */
  close(): void {
    this.closed = true;
    this.sink = undefined;
    this.stream?.cancel();
    this.stream = undefined;
  }

  private async openStream(): Promise<void> {
    const sink: StreamSink = {
      send: (events, counter) => {
        if (this.sink !== sink) return;
        this.counter = counter;
        this.deliver(events);
      },
      end: (reason) => {
        if (this.sink !== sink) return;
        this.sink = undefined;
        this.stream = undefined;
        // The session's rooms changed (a JOIN or PART, a room closed to it): the same stream, anew.
        if (reason === 'resubscribe') this.reopening = this.openStream().then(() => this.dropClosedRooms());
        else this.host.end(streamEndText[reason]);
      },
    };
    this.sink = sink;
    try {
      const stream = await this.o.chat.subscriptions.stream(this.s, this.counter, sink);
      // Closed or ended while it opened: let go of it (cancelling an ended stream does nothing).
      if (this.sink === sink && !this.closed) this.stream = stream;
      else stream.cancel();
    } catch (err) {
      this.o.log.warn({ err }, 'opening an IRC stream');
      this.host.end(err instanceof ChatError ? err.detail : 'Internal error');
    }
  }

  /** Channels whose rooms the session no longer follows (closed to this user) are parted. */
  private dropClosedRooms(): void {
    for (const ch of [...this.channels.values()])
      if (ch.ready && !this.s.isSubscribed(ch.id)) {
        this.channels.remove(ch.id);
        this.host.send(
          formatLine(maskOf(this.host.nick), 'PART', [channelOf(ch.id), 'This room is closed to you']),
        );
      }
  }

  /** JOIN: each room becomes a channel (joining a public room makes the user a member, as in the web). */
  async join(roomIds: readonly string[]): Promise<void> {
    const s = this.s;
    for (const wanted of roomIds) {
      if (this.channels.get(wanted)) continue;
      try {
        await this.o.chat.rooms.join(s, wanted);
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        if (err.code === ErrorCode.notFound || err.code === ErrorCode.forbidden) {
          const exists = await this.o.chat.queries.exists(wanted);
          this.host.send(
            exists
              ? this.host.reply(
                  Numeric.inviteOnlyChan,
                  channelOf(wanted),
                  'Cannot join channel (+i): a private room',
                )
              : this.host.reply(Numeric.noSuchChannel, channelOf(wanted), 'No such channel'),
          );
        } else this.host.send(this.host.reply(Numeric.noSuchChannel, channelOf(wanted), err.detail));
        continue;
      }
      const ch = this.channels.open(wanted);
      try {
        const from = await this.o.chat.subscriptions.subscribe(s, [wanted], false);
        await this.reopening;
        const [view] = await this.o.chat.conversation.showRooms(s, [wanted]);
        if (view) this.burst(ch, view, from);
      } catch (err) {
        this.channels.remove(wanted);
        if (!(err instanceof ChatError)) throw err;
        this.host.send(this.host.reply(Numeric.noSuchChannel, channelOf(wanted), err.detail));
      }
    }
  }

  /** PART: stops following the room; with the reason `leave`, leaves it too. */
  async part(roomId: string, reason: string | undefined): Promise<void> {
    const ch = this.channels.get(roomId);
    if (!ch)
      return this.host.strike(
        this.host.reply(Numeric.notOnChannel, channelOf(roomId), "You're not on that channel"),
      );
    this.channels.remove(ch.id);
    await this.o.chat.subscriptions.unsubscribe(this.s, [ch.id]);
    await this.reopening;
    this.host.send(formatLine(maskOf(this.host.nick), 'PART', [channelOf(ch.id), reason ?? '']));
    if (reason?.trim().toLowerCase() === 'leave') await this.o.chat.rooms.leave(this.s, ch.id);
  }

  /** JOIN, topic, names and the backlog of a room just joined; then what its stream brought meanwhile. */
  private burst(ch: Channel, view: RoomView, from: number): void {
    const { server, render } = this.o;
    const channel = channelOf(ch.id);
    const everyone = this.host.caps.has('away-notify');
    let out = formatLine(maskOf(this.host.nick), 'JOIN', [channel]);
    out += topicOf(server, this.host.reply, render, view);
    out += namesOf(server, this.host.nick, view, everyone);
    for (const m of listedMembers(view, this.host.nick, everyone)) {
      ch.shown.add(m.member.username);
      if (everyone && m.member.username !== this.host.nick) this.awayOf.set(m.member.username, !m.online);
    }
    out += this.backlog(channel, view);
    for (const { message } of view.messages) ch.seen.add(message.id);
    const last = view.messages[view.messages.length - 1];
    if (last) this.noteRead(ch.id, last.message.id);
    ch.from = from;
    ch.ready = true;
    this.host.send(out);
    const waiting = ch.pending.splice(0);
    if (waiting.length > 0) this.deliver(waiting);
  }

  /** The room's last lines, marked with their time (server-time), in a chathistory batch (batch). */
  private backlog(channel: string, view: RoomView): string {
    if (view.messages.length === 0) return '';
    const time = this.host.caps.has('server-time');
    const batch = this.host.caps.has('batch') ? `history-${view.room.id}` : undefined;
    let out = batch ? formatLine(this.o.server.name, 'BATCH', [`+${batch}`, 'chathistory', channel]) : '';
    for (const { message } of view.messages) {
      const tags: Array<readonly [string, string]> = [];
      if (batch) tags.push(['batch', batch]);
      if (time) tags.push(['time', isoTime(message.createdAt)]);
      out += this.o.render.message(message, tags as Tags);
    }
    if (batch) out += formatLine(this.o.server.name, 'BATCH', [`-${batch}`]);
    return out;
  }

  /** Events of the session's rooms, as this client should see them, in one write. */
  private deliver(events: readonly ChatEvent[]): void {
    const out: Buffer[] = [];
    for (const e of events) {
      const ch = this.channels.get(e.roomId);
      if (!ch) continue;
      if (!ch.ready) ch.pending.push(e);
      else if (e.id > ch.from && this.shows(ch, e)) {
        const lines = this.o.render.event(e, this.host.caps.variant);
        if (lines.length > 0) out.push(lines);
      }
    }
    if (out.length === 1) this.host.send(out[0] as Buffer);
    else if (out.length > 1) this.host.send(Buffer.concat(out));
  }

  /**
   * Whether this client is to see the event, keeping its nick lists honest: without away-notify only
   * members online are listed, so presence is JOIN and PART; with it, everyone is, and presence is AWAY.
   */
  private shows(ch: Channel, e: ChatEvent): boolean {
    const f = e.fact;
    const away = this.host.caps.has('away-notify');
    switch (f.kind) {
      case 'message': {
        const m = f.message;
        if (ch.seen.has(m.id)) return false;
        this.noteRead(ch.id, m.id);
        return m.publicSessionId !== this.s.publicId || this.host.caps.has('echo-message');
      }
      case 'presence': {
        const { username, status } = f.presence;
        if (username === this.host.nick) return false;
        const online = status === 'online';
        if (away) {
          if (this.awayOf.get(username) === !online) return false;
          this.awayOf.set(username, !online);
          return true;
        }
        if (ch.shown.has(username) === online) return false;
        if (online) ch.shown.add(username);
        else ch.shown.delete(username);
        return true;
      }
      case 'membership': {
        const { username, action, online } = f.membership;
        if (username === this.host.nick) {
          if (action === 'quit') this.leftElsewhere(ch);
          return false;
        }
        if (action === 'join') {
          if (ch.shown.has(username) || (!away && !online)) return false;
          ch.shown.add(username);
          if (away) this.awayOf.set(username, !online);
          return true;
        }
        if (action === 'quit') return ch.shown.delete(username);
        return false;
      }
      default:
        return false;
    }
  }

  /** The user left the room elsewhere (the web): the channel goes too. */
  private leftElsewhere(ch: Channel): void {
    this.channels.remove(ch.id);
    this.host.send(formatLine(maskOf(this.host.nick), 'PART', [channelOf(ch.id), 'left the room']));
    void this.o.chat.subscriptions.unsubscribe(this.s, [ch.id]).catch(() => undefined);
  }

  private noteRead(roomId: string, messageId: number): void {
    if ((this.unread.get(roomId) ?? 0) < messageId) this.unread.set(roomId, messageId);
  }

  /** Lines delivered here count as read in the user's rooms (their unread counts on the web drop). */
  async markRead(): Promise<void> {
    if (this.unread.size === 0) return;
    const marks = [...this.unread];
    this.unread.clear();
    const s = this.s;
    for (const [roomId, messageId] of marks)
      await this.o.chat.conversation.markRead(s, roomId, messageId).catch(() => undefined);
  }

  /** The channel names of a JOIN or PART parameter that name rooms; the others are answered 403. */
}
