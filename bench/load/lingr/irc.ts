import { connect, type Socket } from 'node:net';
import type { LingrTargetOptions } from '../protocol.js';
import type { SubscribeOptions, Subscriber, Target } from '../target.js';
import { ReconnectingSubscriber } from './resuming.js';
import { LineSplitter, missedLines, readServerLine } from './irc-lines.js';
import { benchUserOf } from './session.js';

/** Our server's built-in IRC (`lingr serve --irc-port`): each subscriber a bare IRC client of its own. */
export const IRC = 'lingr-irc';

/** Where IRC subscribers connect; the load gets it in place of the HTTP URL. */
export const ircUrl = (host: string, port: number): string => `irc://${host}:${port}`;

/** Signing in and joining must be done by then, as a WebSocket handshake must. */
const JOIN_TIMEOUT_MS = 30_000;

/** A numeric reply that is an error (4xx, 5xx). */
const isErrorNumeric = (command: string): boolean => /^[45]\d\d$/.test(command);

/**
 * One IRC connection signed in as a bench user with PASS/NICK/USER and no capabilities (so lines come as
 * plain `PRIVMSG`, the cheapest for the server and the client alike). The server handles a client's lines in
 * order, so the PONG to a PING sent right after USER comes after the welcome and the join of every room,
 * backlog included: lines before it are the replay, lines after it live. A client not joined to the room
 * by then sends JOIN and a second PING. Each room line's text goes to `onLine`.
 */
export class IrcSubscriber extends ReconnectingSubscriber {
  private socket: Socket | undefined;
  /** Live at least once: a later connection takes what it missed from the replay. */
  private wasLive = false;
  /** The last room line delivered, to find where to pick up in the replay. */
  private last: string | undefined;
  private readonly channel: string;
  private readonly address: { host: string; port: number };

  constructor(
    o: SubscribeOptions,
    private readonly user: string,
    private readonly password: string,
  ) {
    super(o);
    this.channel = `#${o.room}`.toLowerCase();
    const url = new URL(o.url);
    if (url.protocol !== 'irc:' || url.port === '')
      throw new Error(`${IRC} connects to irc://HOST:PORT, not ${o.url}`);
    this.address = { host: url.hostname, port: Number(url.port) };
  }

  /** Connects, signs in and joins; resolves once every later line of the room will come. */
  protected open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ ...this.address, localAddress: this.o.localAddress });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.setEncoding('utf8');
      const lines = new LineSplitter();
      const replayed: string[] = [];
      let live = false;
      let joined = false;
      let joinSent = false;
      let lastError: string | undefined;
      /** Closes the connection for a reason of ours, which the close then reports. */
      const abandon = (reason: string): void => {
        lastError = reason;
        socket.destroy();
      };
      const timer = setTimeout(
        () => abandon(`not joined to ${this.channel} within ${JOIN_TIMEOUT_MS} ms`),
        JOIN_TIMEOUT_MS,
      );
      const send = (...out: string[]): void => void socket.write(out.map((l) => `${l}\r\n`).join(''));
      const goLive = (): void => {
        live = true;
        clearTimeout(timer);
        this.forgive();
        const missed = this.wasLive ? missedLines(replayed, this.last) : [];
        this.wasLive = true;
        // A slow reader stops reading only once joined: until then it must read the PONG.
        if (this.paused) socket.pause();
        resolve();
        for (const text of missed) this.deliver(text);
      };
      const line = (raw: string): void => {
        const m = readServerLine(raw);
        if (!m) return;
        const [first, second] = m.params;
        switch (m.command) {
          case 'PRIVMSG':
            if (first?.toLowerCase() !== this.channel || second === undefined) return;
            if (live) this.deliver(second);
            else replayed.push(second);
            return;
          case 'PING':
            return send(`PONG :${m.params[m.params.length - 1] ?? ''}`);
          case 'JOIN':
            if (m.from?.toLowerCase() === this.user.toLowerCase() && first?.toLowerCase() === this.channel)
              joined = true;
            return;
          case 'PONG':
            if (live || second !== 'joined') return;
            if (joined) return goLive();
            if (joinSent) return abandon(`JOIN ${this.channel}: ${lastError ?? 'not joined'}`);
            joinSent = true;
            return send(`JOIN ${this.channel}`, 'PING :joined');
          case 'ERROR':
            lastError = first;
            return;
          default:
            if (isErrorNumeric(m.command)) lastError = `${m.command} ${m.params.slice(1).join(' ')}`;
        }
      };
      socket.on('connect', () =>
        send(
          `PASS :${this.password}`,
          `NICK ${this.user}`,
          `USER ${this.user} 0 * :${this.user}`,
          'PING :joined',
        ),
      );
      socket.on('data', (chunk: string) => {
        if (socket !== this.socket) return;
        for (const raw of lines.push(chunk)) line(raw);
      });
      socket.on('error', (err) => (lastError ??= err.message));
      socket.on('close', () => {
        clearTimeout(timer);
        if (socket !== this.socket) return;
        this.socket = undefined;
        const why = new Error(`irc closed${lastError === undefined ? '' : `: ${lastError}`}`);
        if (!live) reject(why);
        // The server asks clients to come back (it is shutting down): resume from the replay.
        else if (lastError?.endsWith('reconnect')) this.resume();
        else this.failed(why);
      });
    });
  }

  private deliver(text: string): void {
    this.last = text;
    this.o.onLine(text);
  }

  protected drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }

  protected pauseSocket(): void {
    this.socket?.pause();
  }
}

/**
 * Subscribers over IRC, each signed in as its own bench user (auto-joined to the room, a member of it);
 * the speaker is the one every target of ours shares, so only the subscribers' transport differs.
 */
export function ircTarget(options: LingrTargetOptions, publisher: Target['publisher']): Target {
  return {
    name: IRC,
    async subscribe(o: SubscribeOptions): Promise<Subscriber> {
      const subscriber = new IrcSubscriber(o, benchUserOf(options, o.index), options.password);
      await subscriber.start();
      return subscriber;
    },
    publisher,
  };
}
