import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../core/ports.js';
import { spreadEvery } from '../transports/spread.js';
import { IrcConnection } from './irc-connection.js';
import type { IrcChat } from './irc-feed.js';
import { IrcRender } from './irc-render.js';
import type { ServerIdentity } from './irc-replies.js';

export interface IrcListenOptions {
  chat: IrcChat;
  host: string;
  /** 0 picks a free port. */
  port: number;
  server: ServerIdentity;
  /** PEM certificate chain and key: TLS on the port instead of plain text. */
  tls?: { cert: Buffer; key: Buffer };
  pingMs: number;
  outboxLimit: number;
  /** Runs `task` once after `ms` unless the server stops first (the chat service's timers). */
  after(ms: number, task: () => void): void;
  log: Logger;
}

/** The longest gap between two looks at one connection (its pings, its deadline, lines to mark read). */
const TICK_MS = 5_000;

/**
 * The IRC port: listened on, or (a worker of `--workers`) given connections by the primary; TLS, when
 * configured, is done here either way. Every connection is visited on one spread timer.
 */
export class IrcListener {
  private readonly open = new Set<IrcConnection>();
  private readonly render: IrcRender;
  private readonly secure: SecureContext | undefined;
  private net: Server | undefined;
  private accepting = true;

  private constructor(private readonly options: IrcListenOptions) {
    this.render = new IrcRender(options.server.publicUrl);
    this.secure = options.tls ? createSecureContext(options.tls) : undefined;
    const now = Date.now;
    spreadEvery(options.after, this.open, Math.min(TICK_MS, options.pingMs / 2), (c) => c.tick(now()));
  }

  static async listen(options: IrcListenOptions): Promise<IrcListener> {
    const listener = new IrcListener(options);
    const server = createServer((socket) => listener.accept(socket));
    listener.net = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => resolve());
    });
    return listener;
  }

  /** Serves connections handed over by someone else (the cluster's primary). */
  static handedOver(options: IrcListenOptions): IrcListener {
    return new IrcListener(options);
  }

  /** The port as bound (0 when connections are handed over). */
  get port(): number {
    return (this.net?.address() as AddressInfo | null)?.port ?? 0;
  }

  get size(): number {
    return this.open.size;
  }

  accept(socket: Socket): void {
    if (!this.accepting) return void socket.destroy();
    const address = socket.remoteAddress ?? '';
    const stream = this.secure
      ? new TLSSocket(socket, { isServer: true, secureContext: this.secure })
      : socket;
    if (this.secure) {
      // A handshake that fails (a plain client on the TLS port) ends here, quietly.
      stream.on('error', () => stream.destroy());
      socket.resume();
    }
    const connection = new IrcConnection(
      stream,
      address,
      {
        chat: this.options.chat,
        server: this.options.server,
        render: this.render,
        pingMs: this.options.pingMs,
        outboxLimit: this.options.outboxLimit,
        now: Date.now,
        log: this.options.log,
      },
      (c) => this.open.delete(c),
    );
    this.open.add(connection);
  }

  /**
   * Stops taking connections and tells every client to reconnect (to another process, or later); waits up
   * to `graceMs` for them to go (and their sessions to end), then closes what is left.
   */
  async close(graceMs: number): Promise<void> {
    this.accepting = false;
    this.net?.close();
    const connections = [...this.open];
    for (const c of connections) c.end('Server shutting down: reconnect');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(connections.map((c) => c.done)), grace]);
    clearTimeout(timer);
    for (const c of connections) c.socket.destroy();
    await Promise.all(connections.map((c) => c.done));
  }
}
