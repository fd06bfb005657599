import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client, type ClientOptions } from 'irc-framework';
import { eventually } from './server.js';

/**
 * A bare IRC connection for what a client library hides: the exact lines, malformed input, a client that
 * stops reading. Lines are kept as received (without CR LF).
 */
export class RawIrc {
  readonly lines: string[] = [];
  readonly closed: Promise<void>;
  private partial = '';

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = this.partial + chunk;
      const parts = text.split('\r\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number, options: { tls?: boolean } = {}): Promise<RawIrc> {
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () =>
            resolve(new RawIrc(socket)),
          )
        : netConnect({ port, host: '127.0.0.1' }, () => resolve(new RawIrc(socket)));
      socket.once('error', reject);
    });
  }

  /** Signs in with PASS/NICK/USER, optionally negotiating capabilities first; resolves after the MOTD. */
  static async signIn(
    port: number,
    nick: string,
    password: string,
    caps: string[] = [],
    options: { tls?: boolean } = {},
  ): Promise<RawIrc> {
    const irc = await RawIrc.open(port, options);
    if (caps.length > 0) irc.send('CAP LS 302', `CAP REQ :${caps.join(' ')}`);
    irc.send(`PASS ${password}`, `NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
    if (caps.length > 0) {
      await irc.waitFor(/ CAP \S+ ACK /);
      irc.send('CAP END');
    }
    await irc.waitFor(/ 376 /);
    return irc;
  }

  send(...lines: Array<string | Buffer>): void {
    for (const line of lines) this.socket.write(typeof line === 'string' ? `${line}\r\n` : line);
  }

  /** The first line (from `from` on) that matches, once it has come. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 5000): Promise<string> {
    return eventually(() => {
      const found = this.lines.slice(from).find((l) => pattern.test(l));
      if (found === undefined)
        throw new Error(`no line matching ${pattern} in:\n${this.lines.slice(from).join('\n')}`);
      return found;
    }, timeoutMs);
  }

  /** Lines from `from` on that match. */
  matching(pattern: RegExp, from = 0): string[] {
    return this.lines.slice(from).filter((l) => pattern.test(l));
  }

  /** Resolves when the server has closed the connection; fails the test after `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the connection was not closed')), timeoutMs);
    });
    try {
      await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface FrameworkEvent {
  nick?: string;
  target?: string;
  channel?: string;
  message?: string;
  time?: number;
  tags?: Record<string, string>;
  error?: string;
  reason?: string;
  topic?: string;
  users?: Array<{ nick: string; modes: string[] }>;
  line?: string;
  from_server?: boolean;
  [key: string]: unknown;
}

/** irc-framework, the IRC client library, with every event it emits recorded by name. */
export class FrameworkClient {
  readonly client: Client;
  readonly events = new Map<string, FrameworkEvent[]>();

  constructor(port: number, options: Partial<ClientOptions>) {
    this.client = new Client({
      host: '127.0.0.1',
      port,
      auto_reconnect: false,
      ping_interval: 0,
      ping_timeout: 0,
      ...options,
    });
    const record = (name: string) =>
      this.client.on(name, (e: never) => {
        const list = this.events.get(name) ?? [];
        list.push((e ?? {}) as FrameworkEvent);
        this.events.set(name, list);
      });
    for (const name of [
      'registered',
      'join',
      'part',
      'privmsg',
      'notice',
      'action',
      'topic',
      'topicsetby',
      'userlist',
      'whois',
      'channel list',
      'channel list end',
      'away',
      'back',
      'irc error',
      'close',
      'socket close',
      'raw',
      'loggedin',
      'sasl failed',
      'wholist',
      'batch end',
    ])
      record(name);
  }

  /** Connects and resolves once registered (or rejects when the connection closes first). */
  static connect(port: number, options: Partial<ClientOptions>): Promise<FrameworkClient> {
    const c = new FrameworkClient(port, options);
    return new Promise((resolve, reject) => {
      c.client.once('registered', () => resolve(c));
      c.client.once('close', () =>
        reject(new Error(`closed before registering: ${c.rawLines().join('\n')}`)),
      );
      c.client.connect();
    });
  }

  of(name: string): FrameworkEvent[] {
    return this.events.get(name) ?? [];
  }

  /** Lines the server sent, as received. */
  rawLines(): string[] {
    return this.of('raw')
      .filter((e) => e.from_server)
      .map((e) => (e.line ?? '').replace(/\r?\n?$/, ''));
  }

  /** Waits for an event of `name` that passes `match`. */
  waitFor(name: string, match: (e: FrameworkEvent) => boolean = () => true, timeoutMs = 5000) {
    return eventually(() => {
      const found = this.of(name).find(match);
      if (!found) throw new Error(`no "${name}" event that matches; got ${JSON.stringify(this.of(name))}`);
      return found;
    }, timeoutMs);
  }

  quit(): void {
    this.client.quit('bye');
  }
}

/** A self-signed certificate and key for 127.0.0.1, made with openssl for this run. */
export function selfSignedCertificate(): { dir: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lingr-irc-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
      '-subj',
      '/CN=127.0.0.1',
    ]),
    { stdio: 'ignore' },
  );
  return { dir, cert, key };
}
