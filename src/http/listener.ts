import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RouteTable } from './routes.js';

export interface ListenOptions {
  host: string;
  /** The main port (0 picks one) and, when set, the second port (spec 2.1). */
  ports: readonly number[];
  headerTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * The HTTP side of a process: its servers, listening on their ports or (a worker of `--workers`) given
 * connections by the primary. It starts before the rest, so the public URL can name the port really bound;
 * what arrives before `serve` waits for it. It knows every connection, to close them in order on shutdown.
 */
export class HttpListener {
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Duplex>();
  /** Connections that have sent a request: those that never did are closed at once on shutdown. */
  private readonly asked = new WeakSet<Duplex>();
  private readonly early: Array<() => void> = [];
  private onRequest: RequestListener = (req, res) => void this.early.push(() => this.onRequest(req, res));
  private onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    void this.early.push(() => this.onUpgrade(req, socket, head));
  private accepting = true;

  private constructor(private readonly options: ListenOptions) {}

  /** Listens on the ports; resolves once they are bound. */
  static async listen(options: ListenOptions): Promise<HttpListener> {
    const listener = new HttpListener(options);
    try {
      for (const port of options.ports) await listener.bind(port);
    } catch (err) {
      for (const s of listener.servers) s.close();
      throw err;
    }
    return listener;
  }

  /** Serves connections handed over by someone else (the cluster's primary), one server per port. */
  static handedOver(options: ListenOptions): HttpListener {
    const listener = new HttpListener(options);
    // node:http starts tracking connections (for its timeouts and for closing idle ones) when it listens;
    // these servers never listen, their connections come from the primary.
    for (const _port of options.ports) listener.server().emit('listening');
    return listener;
  }

  /** The main port, as bound. */
  get port(): number {
    return (this.servers[0]?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** A connection the primary accepted on port number `index` (0: the main port). */
  accept(socket: Socket, index: number): void {
    const server = this.servers[index];
    if (server && this.accepting) server.emit('connection', socket);
    else socket.destroy();
  }

  /** From now on requests go to the table, those that waited first. */
  serve(routes: RouteTable): void {
    this.onRequest = routes.handle;
    this.onUpgrade = (req, socket, head) => {
      if (this.accepting) routes.handleUpgrade(req, socket, head);
      else socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    };
    for (const waiting of this.early.splice(0)) waiting();
  }

  /** Stops taking new connections and upgrades. */
  stopAccepting(): void {
    this.accepting = false;
    for (const s of this.servers) if (s.listening) s.close();
  }

  /**
   * Closes what is left once held answers have gone out: idle keep-alives and connections that never asked
   * anything at once, the rest when they finish or after `graceMs`.
   */
  async drain(graceMs: number): Promise<void> {
    for (const s of this.servers) s.closeIdleConnections();
    // Browsers open spare connections they may never use; nothing on them is waiting for us.
    for (const socket of this.connections) if (!this.asked.has(socket)) socket.destroy();
    const drained = new Promise<void>((resolve) => {
      const check = () => (this.connections.size === 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([drained, grace]);
    for (const s of this.servers) s.closeAllConnections();
  }

  private server(): Server {
    const server = createServer(
      {
        // Idle keep-alive connections are not held to the request timeouts: only requests under way are.
        keepAliveTimeout: 65_000,
        headersTimeout: this.options.headerTimeoutMs,
        requestTimeout: this.options.requestTimeoutMs,
        // Slow clients are looked for this often (node's default of 30 s lets them linger far past the limit).
        connectionsCheckingInterval: Math.min(5_000, Math.max(250, this.options.headerTimeoutMs / 4)),
      },
      (req, res) => this.onRequest(req, res),
    );
    server.on('request', (req: IncomingMessage) => this.asked.add(req.socket));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.asked.add(socket);
      this.onUpgrade(req, socket, head);
    });
    server.on('connection', (socket: Duplex) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    this.servers.push(server);
    return server;
  }

  private bind(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = this.server();
      server.once('error', reject);
      server.listen({ port, host: this.options.host, backlog: 4096 }, () => resolve());
    });
  }
}
