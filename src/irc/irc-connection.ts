import type { Socket } from 'node:net';
import type { Logger } from '../core/ports.js';
import type { LiveSession } from '../engine/live-session.js';
import { OutboxConnection } from '../transports/stream-connection.js';
import { Capabilities } from './irc-capabilities.js';
import { IrcCommands } from './irc-commands.js';
import { ChannelFeed, SLOW_READER, type IrcChat } from './irc-feed.js';
import { LineReader, REST_BYTES, TAG_BYTES, type LineEvent } from './irc-lines.js';
import { formatLine, MalformedLine, parseLine, type IrcMessage } from './irc-message.js';
import type { IrcRender } from './irc-render.js';
import { Registration, type Registered } from './irc-registration.js';
import { replier, welcome, type Reply, type ServerIdentity } from './irc-replies.js';
import { Numeric } from './numerics.js';

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
/** Errors in one window past which a client is sending garbage, not making mistakes. */
const MAX_STRIKES = 40;
const STRIKE_WINDOW_MS = 10_000;
/** The ERROR line gets this long to reach a client before its socket is closed regardless. */
const CLOSE_GRACE_MS = 5_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One IRC client's connection: reads its lines (bounded, in order, one at a time), answers what is the
 * same before and after sign-in (PING, PONG, QUIT, CAP), hands the rest to its registration and then to
 * its commands, keeps it alive, and writes through the bounded outbox every persistent connection shares.
 */
export class IrcConnection extends OutboxConnection<string> {
  readonly caps = new Capabilities();
  readonly reply: Reply;
  /** The nick the client goes by: its username once signed in. */
  nick = '*';
  /** Its rooms as channels, once signed in. */
  feed: ChannelFeed | undefined;
  gone = false;

  private readonly reader = new LineReader();
  private readonly queue: LineEvent[] = [];
  private busy = false;
  private readonly connectedAt: number;
  private lastHeard: number;
  private pingSentAt: number | undefined;
  private strikes = 0;
  private strikesSince = 0;
  private readonly registration: Registration;
  private registered: Registered | undefined;
  private readonly commands: IrcCommands;
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
    this.connectedAt = this.lastHeard = options.now();
    this.reply = replier(options.server, () => this.nick);
    this.registration = new Registration(this, options.chat.accounts);
    this.commands = new IrcCommands(this);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.closed());
    socket.resume();
  }

  get session(): LiveSession {
    if (!this.registered) throw new Error('not signed in');
    return this.registered.signedIn.session;
  }

  /** The secret id of the client's session (what the use cases are called with). */
  get secret(): string | undefined {
    return (this.registered?.signedIn ?? this.registration.signedIn)?.secret;
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
    void this.feed?.markRead();
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

  protected beat(): void {
    this.write(formatLine(undefined, 'PING', [this.options.server.name]));
  }

  protected overflowed(): void {
    // The stream counts it as a slow reader; the connection ends either way.
    this.feed?.slowReader();
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
    this.feed?.close();
    this.onGone(this);
    // Each connection signs in anew: its session ends with it, and its user goes offline unless elsewhere.
    const secret = this.secret;
    if (secret === undefined) return this.settle();
    void Promise.resolve(this.feed?.markRead())
      .then(() => this.options.chat.accounts.destroy(secret))
      .catch((err: unknown) => this.options.log.warn({ err }, 'ending an IRC session'))
      .finally(() => this.settle());
  }

  /** Registration under way; once it completes: the welcome, then every room of the user joined. */
  private async registering(step: Promise<Registered | undefined>): Promise<void> {
    const registered = await step;
    if (!registered || this.gone) return;
    this.registered = registered;
    const s = registered.signedIn.session;
    this.nick = s.username;
    this.send(welcome(this.options.server, this.nick, this.reply));
    if (registered.requestedNick !== this.nick)
      this.send(
        formatLine(this.options.server.name, 'NOTICE', [
          this.nick,
          `Your nick is your Lingr username, ${this.nick}, not ${registered.requestedNick}.`,
        ]),
      );
    const { chat, server, render, log } = this.options;
    this.feed = new ChannelFeed(this, s, { chat, server, render, log });
    await this.feed.open();
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
    if (!this.feed) return this.registering(this.registration.handle(m));
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
        return this.registering(this.registration.ready());
      case undefined:
        return this.strike(this.reply(Numeric.needMoreParams, 'CAP', 'Not enough parameters'));
      default:
        return this.strike(this.reply(Numeric.invalidCapCmd, sub ?? '*', 'Invalid CAP command'));
    }
  }
}

/** The command of a line that could not be read, for the error that answers it (printable, short). */
function commandGuess(line: Buffer): string {
  const text = line.toString('latin1').replace(/^:\S*\s+/, '');
  const word = (text.split(' ')[0] ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, 32);
  return word === '' || word.startsWith(':') ? '*' : word.toUpperCase();
}
