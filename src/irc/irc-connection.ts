import type { Socket } from 'node:net';
import { ChatError } from '../core/chat-error.js';
import type { ChatEvent } from '../core/model.js';
import type { Logger } from '../core/ports.js';
import type { Chat } from '../engine/chat.js';
import type { RoomView } from '../engine/conversation.js';
import type { LiveSession } from '../engine/live-session.js';
import type { SignedIn } from '../engine/session-registry.js';
import type { StreamEnd, StreamSink, StreamSubscription } from '../engine/stream-subscription.js';
import { ErrorCode } from '../protocol/errors.js';
import { OutboxConnection } from '../transports/stream-connection.js';
import { Capabilities, plainCredentials } from './irc-capabilities.js';
import { Channels, roomIdOf, type Channel } from './irc-channels.js';
import { IrcCommands } from './irc-commands.js';
import { LineReader, REST_BYTES, TAG_BYTES, type LineEvent } from './irc-lines.js';
import { formatLine, MalformedLine, parseLine, type IrcMessage } from './irc-message.js';
import { channelOf, isoTime, maskOf, type IrcRender, type Tags } from './irc-render.js';
import {
  listedMembers,
  namesOf,
  replier,
  topicOf,
  welcome,
  type Reply,
  type ServerIdentity,
} from './irc-replies.js';
import { Numeric } from './numerics.js';

/** The use cases IRC works through, nothing else of the engine. */
export type IrcChat = Pick<Chat, 'accounts' | 'rooms' | 'conversation' | 'subscriptions' | 'queries'>;

export interface IrcConnectionOptions {
  chat: IrcChat;
  server: ServerIdentity;
  render: IrcRender;
  /** An idle client is PINGed after this long and closed when no PONG comes this long after. */
  pingMs: number;
  outboxLimit: number;
  now(): number;
  log: Logger;
}

/** Lines read but not yet handled; past this the socket stops being read until they are. */
const MAX_QUEUED = 64;
/** Lines a client may send before it has signed in. */
const MAX_UNREGISTERED_LINES = 64;
/** Errors in one window past which a client is sending garbage, not making mistakes. */
const MAX_STRIKES = 40;
const STRIKE_WINDOW_MS = 10_000;
/** SASL PLAIN's message comes in pieces of 400 base64 characters (IRCv3 sasl-3.1); it is never this long. */
const SASL_PIECE = 400;
const SASL_MAX = 2048;
/** The ERROR line gets this long to reach a client before its socket is closed regardless. */
const CLOSE_GRACE_MS = 5_000;
/** What a client that stopped reading is told (if anything reaches it at all). */
export const SLOW_READER = 'Slow reader: reconnect';

/** What a nick may look like here: usernames are letters, digits and `_`, and clients may ask for more. */
const NICK = /^[A-Za-z0-9_\-[\]\\`^{|}]{1,40}$/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const streamEndText: Record<StreamEnd, string> = {
  resubscribe: 'Reconnect',
  shutdown: 'Server shutting down: reconnect',
  slow_reader: SLOW_READER,
  invalid_session: 'Your session ended',
  room_closed: 'Room closed',
};

/**
 * One IRC client: reads its lines (bounded, in order, one at a time), signs it in (PASS/NICK/USER or SASL
 * PLAIN, after CAP negotiation), joins its rooms, and writes its session's stream as IRC lines through the
 * bounded outbox every persistent connection shares. Commands past sign-in are in IrcCommands.
 */
export class IrcConnection extends OutboxConnection<string> {
  readonly caps = new Capabilities();
  readonly channels = new Channels();
  readonly reply: Reply;
  /** The nick the client goes by: its username once signed in. */
  nick = '*';
  signedIn: SignedIn | undefined;
  registered = false;
  /** Away (offline) as this client was last told, by nick (with away-notify). */
  readonly awayOf = new Map<string, boolean>();

  private readonly reader = new LineReader();
  private readonly queue: LineEvent[] = [];
  private busy = false;
  private gone = false;
  private readonly connectedAt: number;
  private lastHeard: number;
  private pingSentAt: number | undefined;
  private strikes = 0;
  private strikesSince = 0;
  private linesBeforeSignIn = 0;
  private password: string | undefined;
  private requestedNick: string | undefined;
  private userGiven = false;
  private sasl: string | undefined;
  /** The stream of the session's rooms, and the last counter it delivered. */
  private stream: StreamSubscription | undefined;
  private sink: StreamSink | undefined;
  private counter = 0;
  private reopening: Promise<void> = Promise.resolve();
  /** The newest line delivered per room, to mark read on the next tick. */
  private readonly unread = new Map<string, number>();
  private readonly commands: IrcCommands;
  private readonly chat: IrcChat;
  private settle: () => void = () => undefined;
  /** Resolves once the socket closed and the session ended. */
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    readonly socket: Socket,
    readonly address: string,
    readonly options: IrcConnectionOptions,
    private readonly onGone: (c: IrcConnection) => void,
  ) {
    super(socket, options.outboxLimit);
    this.chat = options.chat;
    this.connectedAt = this.lastHeard = options.now();
    this.reply = replier(options.server, () => this.nick);
    this.commands = new IrcCommands(this);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.closed());
    socket.resume();
  }

  get session(): LiveSession {
    if (!this.signedIn) throw new Error('not signed in');
    return this.signedIn.session;
  }

  /** Writes lines (already formatted, CR LF included). */
  send(lines: string | Buffer): void {
    if (lines.length > 0) this.write(lines);
  }

  /** Called by the listener every so often: registration deadline, keep-alive, lines read. */
  tick(now: number): void {
    if (this.gone) return;
    const { pingMs } = this.options;
    if (!this.registered && now - this.connectedAt > pingMs) return this.end('Registration timed out');
    if (this.pingSentAt !== undefined && now - this.pingSentAt > pingMs) return this.end('Ping timeout');
    if (this.pingSentAt === undefined && now - this.lastHeard >= pingMs) {
      this.pingSentAt = now;
      this.heartbeat();
    }
    if (this.registered) void this.markRead();
  }

  protected beat(): void {
    this.write(formatLine(undefined, 'PING', [this.options.server.name]));
  }

  protected overflowed(): void {
    // The stream counts it as a slow reader; without one the connection ends all the same.
    if (this.stream) this.stream.end('slow_reader');
    this.end(SLOW_READER);
  }

  protected finish(reason: string): void {
    if (reason === SLOW_READER) return void this.socket.destroy();
    this.socket.write(formatLine(undefined, 'ERROR', [`Closing link: ${reason}`]));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private closed(): void {
    if (this.gone) return;
    this.gone = true;
    this.sink = undefined;
    this.stream?.cancel();
    this.stream = undefined;
    this.onGone(this);
    // Each connection signs in anew: its session ends with it, and its user goes offline unless elsewhere.
    const secret = this.signedIn?.secret;
    if (secret === undefined) return this.settle();
    void this.markRead()
      .then(() => this.chat.accounts.destroy(secret))
      .catch((err: unknown) => this.options.log.warn({ err }, 'ending an IRC session'))
      .finally(() => this.settle());
  }

  private received(chunk: Buffer): void {
    this.lastHeard = this.options.now();
    this.queue.push(...this.reader.push(chunk));
    if (this.queue.length > MAX_QUEUED) this.socket.pause();
    if (!this.busy) void this.work();
  }

  private async work(): Promise<void> {
    this.busy = true;
    try {
      for (let e = this.queue.shift(); e && !this.gone && !this.isEnded; e = this.queue.shift())
        await this.handle(e);
    } catch (err) {
      this.options.log.error({ err }, 'serving an IRC client');
      this.end('Internal error');
    } finally {
      this.busy = false;
    }
    if (!this.gone && this.socket.isPaused()) this.socket.resume();
  }

  /** An error reply; a client that earns too many in a row is sending garbage and is closed. */
  strike(lines: string): void {
    this.send(lines);
    const now = this.options.now();
    if (now - this.strikesSince > STRIKE_WINDOW_MS) {
      this.strikes = 0;
      this.strikesSince = now;
    }
    if (++this.strikes > MAX_STRIKES) this.end('Too many errors');
  }

  private async handle(e: LineEvent): Promise<void> {
    if (e.kind === 'too_long')
      return this.strike(this.reply(Numeric.inputTooLong, 'Input line was too long'));
    const line = e.line;
    if (line.length === 0) return;
    const tagEnd = line[0] === 0x40 ? line.indexOf(0x20) + 1 : 0;
    if (tagEnd > TAG_BYTES || line.length - tagEnd + 2 > REST_BYTES)
      return this.strike(this.reply(Numeric.inputTooLong, 'Input line was too long'));
    const guess = commandGuess(line.subarray(tagEnd));
    if (line.includes(0))
      return this.strike(this.reply(Numeric.unknownError, guess, 'Lines may not contain NUL'));
    let text: string;
    try {
      text = utf8.decode(line);
    } catch {
      return this.strike(
        formatLine(this.options.server.name, 'FAIL', [guess, 'INVALID_UTF8', 'Lines must be UTF-8']),
      );
    }
    let message: IrcMessage;
    try {
      message = parseLine(text);
    } catch (err) {
      if (!(err instanceof MalformedLine)) throw err;
      return this.strike(this.reply(Numeric.unknownCommand, guess, 'Unknown command'));
    }
    await this.dispatch(message);
  }

  private async dispatch(m: IrcMessage): Promise<void> {
    switch (m.command) {
      case 'PING':
        if (m.params.length === 0)
          return this.strike(this.reply(Numeric.needMoreParams, 'PING', 'Not enough parameters'));
        return this.send(
          formatLine(this.options.server.name, 'PONG', [this.options.server.name, m.params[0] as string]),
        );
      case 'PONG':
        this.pingSentAt = undefined;
        return;
      case 'QUIT':
        return this.end(`Quit: ${m.params[0] ?? ''}`.trim());
      case 'CAP':
        return this.cap(m);
    }
    if (!this.registered) return this.register(m);
    await this.commands.run(m);
  }

  private cap(m: IrcMessage): Promise<void> | void {
    const [sub, arg] = m.params;
    const to = this.nick;
    const server = this.options.server.name;
    switch (sub?.toUpperCase()) {
      case 'LS':
        if (!this.registered) this.caps.negotiating = true;
        this.caps.version = Math.max(this.caps.version, Number(arg) || 0);
        return this.send(formatLine(server, 'CAP', [to, 'LS', this.caps.list(this.caps.version)]));
      case 'LIST':
        return this.send(formatLine(server, 'CAP', [to, 'LIST', this.caps.listEnabled()]));
      case 'REQ': {
        if (!this.registered) this.caps.negotiating = true;
        const wanted = arg ?? '';
        return this.send(formatLine(server, 'CAP', [to, this.caps.request(wanted) ? 'ACK' : 'NAK', wanted]));
      }
      case 'END':
        this.caps.negotiating = false;
        return this.registerIfReady();
      case undefined:
        return this.strike(this.reply(Numeric.needMoreParams, 'CAP', 'Not enough parameters'));
      default:
        return this.strike(this.reply(Numeric.invalidCapCmd, sub ?? '*', 'Invalid CAP command'));
    }
  }

  private async register(m: IrcMessage): Promise<void> {
    if (++this.linesBeforeSignIn > MAX_UNREGISTERED_LINES)
      return this.end('Too many lines before signing in');
    const [first] = m.params;
    switch (m.command) {
      case 'PASS':
        if (first === undefined)
          return this.strike(this.reply(Numeric.needMoreParams, 'PASS', 'Not enough parameters'));
        this.password = first;
        return;
      case 'NICK':
        if (!first) return this.strike(this.reply(Numeric.noNicknameGiven, 'No nickname given'));
        if (!NICK.test(first))
          return this.strike(this.reply(Numeric.erroneusNickname, first, 'Erroneous nickname'));
        this.requestedNick = first;
        if (!this.signedIn) this.nick = first;
        return this.registerIfReady();
      case 'USER':
        if (m.params.length < 4)
          return this.strike(this.reply(Numeric.needMoreParams, 'USER', 'Not enough parameters'));
        this.userGiven = true;
        return this.registerIfReady();
      case 'AUTHENTICATE':
        return this.authenticate(first);
      default:
        return this.strike(this.reply(Numeric.notRegistered, 'You have not registered'));
    }
  }

  /** SASL PLAIN (IRCv3 sasl-3.1): `AUTHENTICATE PLAIN`, `+`, then the credentials in 400-character pieces. */
  private async authenticate(arg: string | undefined): Promise<void> {
    if (arg === undefined)
      return this.strike(this.reply(Numeric.needMoreParams, 'AUTHENTICATE', 'Not enough parameters'));
    if (this.signedIn) return this.send(this.reply(Numeric.saslAlready, 'You have already authenticated'));
    if (!this.caps.has('sasl'))
      return this.strike(this.reply(Numeric.saslFail, 'SASL was not requested (CAP REQ :sasl)'));
    if (arg === '*') {
      this.sasl = undefined;
      return this.send(this.reply(Numeric.saslAborted, 'SASL authentication aborted'));
    }
    if (this.sasl === undefined) {
      if (arg.toUpperCase() !== 'PLAIN')
        return this.strike(
          this.reply(Numeric.saslMechs, 'PLAIN', 'are available SASL mechanisms') +
            this.reply(Numeric.saslFail, 'SASL authentication failed'),
        );
      this.sasl = '';
      return this.send(formatLine(undefined, 'AUTHENTICATE', ['+']));
    }
    const piece = arg === '+' ? '' : arg;
    if (piece.length > SASL_PIECE || this.sasl.length + piece.length > SASL_MAX) {
      this.sasl = undefined;
      return this.strike(this.reply(Numeric.saslTooLong, 'SASL message too long'));
    }
    this.sasl += piece;
    if (piece.length === SASL_PIECE) return;
    const credentials = plainCredentials(this.sasl);
    this.sasl = undefined;
    if (!credentials) return this.strike(this.reply(Numeric.saslFail, 'SASL authentication failed'));
    try {
      this.signedIn = await this.chat.accounts.login(
        credentials.username,
        credentials.password,
        null,
        this.address,
      );
    } catch (err) {
      if (!(err instanceof ChatError)) throw err;
      return this.strike(this.reply(Numeric.saslFail, `SASL authentication failed: ${err.detail}`));
    }
    const { username } = this.signedIn.session;
    this.send(
      this.reply(Numeric.loggedIn, maskOf(username), username, `You are now logged in as ${username}`) +
        this.reply(Numeric.saslSuccess, 'SASL authentication successful'),
    );
    return this.registerIfReady();
  }

  private async registerIfReady(): Promise<void> {
    if (this.registered || this.caps.negotiating || this.requestedNick === undefined || !this.userGiven)
      return;
    if (!this.signedIn) {
      if (this.password === undefined)
        return this.refuse('Password required: PASS your Lingr password, or SASL');
      try {
        this.signedIn = this.adopt(
          await this.chat.accounts.login(this.requestedNick, this.password, null, this.address),
        );
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        return this.refuse(err.code === ErrorCode.invalidUserCredentials ? 'Password incorrect' : err.detail);
      }
      if (!this.signedIn) return;
    }
    this.password = undefined;
    this.registered = true;
    const s = this.signedIn.session;
    this.nick = s.username;
    this.send(welcome(this.options.server, this.nick, this.reply));
    if (this.requestedNick !== this.nick)
      this.send(
        formatLine(this.options.server.name, 'NOTICE', [
          this.nick,
          `Your nick is your Lingr username, ${this.nick}, not ${this.requestedNick}.`,
        ]),
      );
    this.counter = await this.chat.subscriptions.subscribe(s, [], false);
    await this.openStream();
    await this.join(await this.chat.accounts.roomsOf(s));
  }

  /** A session just signed in, unless the client went away meanwhile (then it ends at once). */
  private adopt(signedIn: SignedIn): SignedIn | undefined {
    if (!this.gone) return signedIn;
    void this.chat.accounts.destroy(signedIn.secret).catch(() => undefined);
    return undefined;
  }

  /** A wrong or missing password: 464, then ERROR, and the connection closes. */
  private refuse(reason: string): void {
    this.send(this.reply(Numeric.passwdMismatch, reason));
    this.end(reason);
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
        else this.end(streamEndText[reason]);
      },
    };
    this.sink = sink;
    try {
      const stream = await this.chat.subscriptions.stream(this.session, this.counter, sink);
      if (this.sink === sink && !this.gone) this.stream = stream;
      else if (this.sink === sink) stream.cancel();
    } catch (err) {
      this.options.log.warn({ err }, 'opening an IRC stream');
      this.end(err instanceof ChatError ? err.detail : 'Internal error');
    }
  }

  /** Channels whose rooms the session no longer follows (closed to this user) are parted. */
  private dropClosedRooms(): void {
    if (!this.signedIn) return;
    for (const ch of [...this.channels.values()])
      if (ch.ready && !this.session.isSubscribed(ch.id)) {
        this.channels.remove(ch.id);
        this.send(formatLine(maskOf(this.nick), 'PART', [channelOf(ch.id), 'This room is closed to you']));
      }
  }

  /** JOIN: each room becomes a channel (joining a public room makes the user a member, as in the web). */
  async join(roomIds: readonly string[]): Promise<void> {
    const s = this.session;
    for (const wanted of roomIds) {
      if (this.channels.get(wanted)) continue;
      try {
        await this.chat.rooms.join(s, wanted);
      } catch (err) {
        if (!(err instanceof ChatError)) throw err;
        if (err.code === ErrorCode.notFound || err.code === ErrorCode.forbidden) {
          const exists = await this.chat.queries.exists(wanted);
          this.send(
            exists
              ? this.reply(
                  Numeric.inviteOnlyChan,
                  channelOf(wanted),
                  'Cannot join channel (+i): a private room',
                )
              : this.reply(Numeric.noSuchChannel, channelOf(wanted), 'No such channel'),
          );
        } else this.send(this.reply(Numeric.noSuchChannel, channelOf(wanted), err.detail));
        continue;
      }
      const ch = this.channels.open(wanted);
      try {
        const from = await this.chat.subscriptions.subscribe(s, [wanted], false);
        await this.reopening;
        const [view] = await this.chat.conversation.showRooms(s, [wanted]);
        if (view) this.burst(ch, view, from);
      } catch (err) {
        this.channels.remove(wanted);
        if (!(err instanceof ChatError)) throw err;
        this.send(this.reply(Numeric.noSuchChannel, channelOf(wanted), err.detail));
      }
    }
  }

  /** PART: stops following the room; with the reason `leave`, leaves it too. */
  async part(roomId: string, reason: string | undefined): Promise<void> {
    const ch = this.channels.get(roomId);
    if (!ch)
      return this.strike(this.reply(Numeric.notOnChannel, channelOf(roomId), "You're not on that channel"));
    this.channels.remove(ch.id);
    await this.chat.subscriptions.unsubscribe(this.session, [ch.id]);
    await this.reopening;
    this.send(formatLine(maskOf(this.nick), 'PART', [channelOf(ch.id), reason ?? '']));
    if (reason?.trim().toLowerCase() === 'leave') await this.chat.rooms.leave(this.session, ch.id);
  }

  /** JOIN, topic, names and the backlog of a room just joined; then what its stream brought meanwhile. */
  private burst(ch: Channel, view: RoomView, from: number): void {
    const { server, render } = this.options;
    const channel = channelOf(ch.id);
    const everyone = this.caps.has('away-notify');
    let out = formatLine(maskOf(this.nick), 'JOIN', [channel]);
    out += topicOf(server, this.reply, render, view);
    out += namesOf(server, this.nick, view, everyone);
    for (const m of listedMembers(view, this.nick, everyone)) {
      ch.shown.add(m.member.username);
      if (everyone && m.member.username !== this.nick) this.awayOf.set(m.member.username, !m.online);
    }
    out += this.backlog(channel, view);
    for (const { message } of view.messages) ch.seen.add(message.id);
    const last = view.messages[view.messages.length - 1];
    if (last) this.noteRead(ch.id, last.message.id);
    ch.from = from;
    ch.ready = true;
    this.send(out);
    const waiting = ch.pending.splice(0);
    if (waiting.length > 0) this.deliver(waiting);
  }

  /** The room's last lines, marked with their time (server-time), in a chathistory batch (batch). */
  private backlog(channel: string, view: RoomView): string {
    if (view.messages.length === 0) return '';
    const time = this.caps.has('server-time');
    const batch = this.caps.has('batch') ? `history-${view.room.id}` : undefined;
    let out = batch
      ? formatLine(this.options.server.name, 'BATCH', [`+${batch}`, 'chathistory', channel])
      : '';
    for (const { message } of view.messages) {
      const tags: Array<readonly [string, string]> = [];
      if (batch) tags.push(['batch', batch]);
      if (time) tags.push(['time', isoTime(message.createdAt)]);
      out += this.options.render.message(message, tags as Tags);
    }
    if (batch) out += formatLine(this.options.server.name, 'BATCH', [`-${batch}`]);
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
        const lines = this.options.render.event(e, this.caps.variant);
        if (lines.length > 0) out.push(lines);
      }
    }
    if (out.length === 1) this.send(out[0] as Buffer);
    else if (out.length > 1) this.send(Buffer.concat(out));
  }

  /**
   * Whether this client is to see the event, keeping its nick lists honest: without away-notify only
   * members online are listed, so presence is JOIN and PART; with it, everyone is, and presence is AWAY.
   */
  private shows(ch: Channel, e: ChatEvent): boolean {
    const f = e.fact;
    const away = this.caps.has('away-notify');
    switch (f.kind) {
      case 'message': {
        const m = f.message;
        if (ch.seen.has(m.id)) return false;
        this.noteRead(ch.id, m.id);
        return m.publicSessionId !== this.session.publicId || this.caps.has('echo-message');
      }
      case 'presence': {
        const { username, status } = f.presence;
        if (username === this.nick) return false;
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
        if (username === this.nick) {
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
    this.send(formatLine(maskOf(this.nick), 'PART', [channelOf(ch.id), 'left the room']));
    void this.chat.subscriptions.unsubscribe(this.session, [ch.id]).catch(() => undefined);
  }

  private noteRead(roomId: string, messageId: number): void {
    if ((this.unread.get(roomId) ?? 0) < messageId) this.unread.set(roomId, messageId);
  }

  /** Lines delivered here count as read in the user's rooms (their unread counts on the web drop). */
  private async markRead(): Promise<void> {
    if (this.unread.size === 0 || !this.signedIn) return;
    const marks = [...this.unread];
    this.unread.clear();
    const s = this.session;
    for (const [roomId, messageId] of marks)
      await this.chat.conversation.markRead(s, roomId, messageId).catch(() => undefined);
  }

  /** The channel names of a JOIN or PART parameter that name rooms; the others are answered 403. */
  roomIds(list: string): string[] {
    const ids: string[] = [];
    for (const name of list.split(',').filter((n) => n !== '')) {
      const id = roomIdOf(name);
      if (id === undefined) this.strike(this.reply(Numeric.noSuchChannel, name, 'No such channel'));
      else ids.push(id);
    }
    return ids;
  }
}

/** The command of a line that could not be read, for the error that answers it (printable, short). */
function commandGuess(line: Buffer): string {
  const text = line.toString('latin1').replace(/^:\S*\s+/, '');
  const word = (text.split(' ')[0] ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, 32);
  return word === '' || word.startsWith(':') ? '*' : word.toUpperCase();
}
