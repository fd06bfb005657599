import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientAddress } from './client-address.js';
import type { Logger } from '../core/ports.js';
import { ApiLane } from './api-lane.js';
import type { RouteTable } from './routes.js';

export interface ListenOptions {
  host: string;
  /** The main port (0 picks one) and, when set, the second port (spec 2.1). */
  ports: readonly number[];
  headerTimeoutMs: number;
  requestTimeoutMs: number;
  bodyLimit: number;
  /** The client's address from the peer's and `X-Forwarded-For` (trusted proxies). */
  clientAddress: ClientAddress;
  log: Logger;
}

/** How long a connection may sit idle between requests. */
const KEEP_ALIVE_MS = 65_000;

/** How often slow clients are looked for (node's default of 30 s lets them linger far past the limit). */
const checkEveryMs = (headerTimeoutMs: number): number => Math.min(5_000, Math.max(250, headerTimeoutMs / 4));

/**
 * The HTTP side of a process: its ports, listened on or (a worker of `--workers`) given connections by the
 * primary. Every connection goes to the API lane first, which answers API calls itself and hands anything
 * else to node:http. It starts before the rest, so the public URL can name the port really bound; what
 * arrives before `serve` waits for it. It knows every connection, to close them in order on shutdown.
 */
export class HttpListener {
  /** node:http, one per port; they never listen themselves: connections come from the lane. */
  private readonly servers: Server[] = [];
  private readonly ports: NetServer[] = [];
  private readonly lane: ApiLane;
  private routes: RouteTable | undefined;
  private readonly connections = new Set<Duplex>();
  /** Connections that have sent a request: those that never did are closed at once on shutdown. */
  private readonly asked = new WeakSet<Duplex>();
  private readonly early: Array<() => void> = [];
  private onRequest: RequestListener = (req, res) => void this.early.push(() => this.onRequest(req, res));
  private onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    void this.early.push(() => this.onUpgrade(req, socket, head));
  private accepting = true;

  private constructor(private readonly options: ListenOptions) {
    // node:http starts tracking connections (for its timeouts and for closing idle ones) when it listens;
    // these servers never listen, their connections come from the lane.
    for (const _port of options.ports) this.server().emit('listening');
    this.lane = new ApiLane({
      route: (method, path) => this.routes?.laneRoute(method, path),
      takeOver: (path) => this.routes?.laneTakeOver(path),
      handOver: (socket, index, unread) => {
        if (unread) socket.unshift(unread);
        (this.servers[index] as Server).emit('connection', socket);
      },
      asked: (socket) => this.asked.add(socket),
      headerTimeoutMs: options.headerTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      keepAliveMs: KEEP_ALIVE_MS,
      checkEveryMs: checkEveryMs(options.headerTimeoutMs),
      bodyLimit: options.bodyLimit,
      clientAddress: options.clientAddress,
      log: options.log,
    });
  }

  /** Listens on the ports; resolves once they are bound. */
  static async listen(options: ListenOptions): Promise<HttpListener> {
    const listener = new HttpListener(options);
    try {
      for (const [index, port] of options.ports.entries()) await listener.bind(port, index);
    } catch (err) {
      for (const s of listener.ports) s.close();
      throw err;
    }
    return listener;
  }

  /** Serves connections handed over by someone else (the cluster's primary). */
  static handedOver(options: ListenOptions): HttpListener {
    return new HttpListener(options);
  }

  /** The main port, as bound. */
  get port(): number {
    return (this.ports[0]?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** A connection accepted on port number `index` (0: the main port), here or by the primary. */
  accept(socket: Socket, index: number): void {
    if (!this.accepting || index >= this.servers.length) {
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
    this.lane.accept(socket, index);
  }

  /** From now on requests go to the table, those that waited first. */
  serve(routes: RouteTable): void {
    this.routes = routes;
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
    for (const s of this.ports) if (s.listening) s.close();
  }

  /**
   * Closes what is left once held answers have gone out: idle keep-alives and connections that never asked
   * anything at once, the rest when they finish or after `graceMs`.
   */
  async drain(graceMs: number): Promise<void> {
    for (const s of this.servers) s.closeIdleConnections();
    this.lane.closeIdle();
    // Browsers open spare connections they may never use; nothing on them is waiting for us.
    for (const socket of this.connections) if (!this.asked.has(socket)) socket.destroy();
    const drained = new Promise<void>((resolve) => {
      const check = () => (this.connections.size === 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([drained, grace]);
    for (const s of this.servers) s.closeAllConnections();
    this.lane.closeAll();
    // Streams the lane handed over belong to neither.
    for (const socket of this.connections) socket.destroy();
  }

  private server(): Server {
    const server = createServer(
      {
        // Idle keep-alive connections are not held to the request timeouts: only requests under way are.
        keepAliveTimeout: KEEP_ALIVE_MS,
        headersTimeout: this.options.headerTimeoutMs,
        requestTimeout: this.options.requestTimeoutMs,
        connectionsCheckingInterval: checkEveryMs(this.options.headerTimeoutMs),
      },
      (req, res) => this.onRequest(req, res),
    );
    server.on('request', (req: IncomingMessage) => this.asked.add(req.socket));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.asked.add(socket);
      this.onUpgrade(req, socket, head);
    });
    this.servers.push(server);
    return server;
  }

  private bind(port: number, index: number): Promise<void> {
    return new Promise((resolve, reject) => {
      // Half-open like node:http's own: a client that ends its side after asking still gets its answer.
      const server = createNetServer({ allowHalfOpen: true }, (socket) => this.accept(socket, index));
      this.ports.push(server);
      server.once('error', reject);
      server.listen({ port, host: this.options.host, backlog: 4096 }, () => resolve());
    });
  }
}
