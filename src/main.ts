import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { Bus, Logger } from './core/ports.js';
import { LocalBus } from './bus/local-bus.js';
import type { WorkerBus } from './bus/cluster-worker-bus.js';
import { systemClock } from './core/time.js';
import { addressMatcher } from './config/address-list.js';
import type { Settings } from './config/settings.js';
import { ChatService } from './engine/chat-service.js';
import { Engine } from './engine/engine.js';
import type { Registry } from 'prom-client';
import { createMetrics, type MetricsSource } from './http/metrics.js';
import { createRouter, WEBSOCKET_PATH } from './http/router.js';
import { parseTarget } from './http/request-target.js';
import { SseTransport } from './transports/sse.js';
import { WebPages } from './web/pages.js';
import { createWebRoutes } from './web/routes.js';
import { WebSocketTransport } from './transports/websocket.js';
import { openSqliteStore } from './storage/sqlite/sqlite-store.js';

export interface RunningServer {
  /** Base URL of the main port. */
  url: string;
  port: number;
  engine: Engine;
  /** Graceful stop: stop accepting, answer held observes, flush, close the store. */
  close(): Promise<void>;
}

export const databaseFile = (dataDir: string): string => join(dataDir, 'lingr.db');

/**
 * What a worker of `--workers N` gets from its primary: the bus, its slot, the port the primary listens on
 * for all of them, and the connections it accepted for this one.
 */
export interface WorkerRole {
  bus: WorkerBus;
  slot: number;
  port: number;
  /** Calls `accept` with each connection the primary hands this process (listener 0: the main port). */
  takeConnections(accept: (socket: Socket, listener: number) => void): void;
  /** Tells the primary this process serves now. */
  ready(): void;
}

/**
 * The composition root: the only place that picks concrete adapters. `worker` is given when this process
 * is one of several (`--workers`): its connections come from the primary, its bus reaches the others
 * through it.
 */
export async function startServer(
  settings: Settings,
  log: Logger,
  worker?: WorkerRole,
): Promise<RunningServer> {
  // Listening comes first, so the public URL can name the port really bound (port 0 picks one); what
  // arrives before the rest is ready waits for it.
  const early: Array<() => void> = [];
  let onRequest: RequestListener = (req, res) => void early.push(() => onRequest(req, res));
  let onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    void early.push(() => onUpgrade(req, socket, head));
  const servers: Server[] = [];
  const connections = new Set<Duplex>();
  /** Connections that have sent a request: those that never did are closed at once on shutdown. */
  const asked = new WeakSet<Duplex>();
  const serve = (): Server => {
    const server = createServer(
      {
        // Idle keep-alive connections are not held to the request timeouts: only requests under way are.
        keepAliveTimeout: 65_000,
        headersTimeout: settings.headerTimeoutMs,
        requestTimeout: settings.requestTimeoutMs,
        // Slow clients are looked for this often (node's default of 30 s lets them linger far past the limit).
        connectionsCheckingInterval: Math.min(5_000, Math.max(250, settings.headerTimeoutMs / 4)),
      },
      (req, res) => onRequest(req, res),
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      asked.add(socket);
      onUpgrade(req, socket, head);
    });
    server.on('request', (req: IncomingMessage) => asked.add(req.socket));
    server.on('connection', (socket: Duplex) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    servers.push(server);
    return server;
  };
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const server = serve();
      server.once('error', reject);
      server.listen({ port, host: settings.host, backlog: 4096 }, () => resolve());
    });
  if (worker) {
    // node:http starts tracking connections (for its timeouts and for closing idle ones) when it listens;
    // a worker's servers never listen, their connections come from the primary.
    serve().emit('listening');
    if (settings.secondPort > 0) serve().emit('listening');
  } else
    try {
      await listen(settings.port);
      if (settings.secondPort > 0) await listen(settings.secondPort);
    } catch (err) {
      for (const s of servers) s.close();
      throw err;
    }
  const port = worker?.port ?? (servers[0]?.address() as AddressInfo).port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const engineSettings = settings.publicUrlGiven
    ? settings.engine
    : { ...settings.engine, publicUrl: `http://${host}:${port}` };

  const store = openSqliteStore(databaseFile(settings.dataDir), { synchronous: settings.synchronous });
  const bus: Bus = worker?.bus ?? new LocalBus();
  let engine: Engine;
  try {
    engine = await Engine.start(store, engineSettings, systemClock, log, bus);
  } catch (err) {
    for (const s of servers) s.close();
    store.close();
    throw err;
  }
  const chat = new ChatService(engine);
  const streamOptions = { heartbeatMs: settings.streamHeartbeatMs, outboxLimit: settings.outboxLimit };
  const sse = new SseTransport(chat, engine, streamOptions);
  const websocket = new WebSocketTransport(chat, engine, {
    ...streamOptions,
    allowedOrigins: settings.allowedOrigins,
  });
  let closing = false;
  onRequest = createRouter({
    chat,
    engine,
    log,
    bodyLimit: settings.bodyLimit,
    hostnames: settings.hostnames,
    startedAt: Date.now(),
    isClosing: () => closing,
    sse,
    mayMonitor: addressMatcher(settings.metricsAllow),
    metrics: metricsSource(
      createMetrics(engine, {
        sse: () => sse.size,
        websocket: () => websocket.size,
        passwordHashes: () => chat.hashing,
      }),
      worker?.bus,
    ),
    web: createWebRoutes({
      pages: new WebPages(engine),
      chat,
      bodyLimit: settings.bodyLimit,
      secureCookies: engineSettings.publicUrl.startsWith('https:'),
      engine,
    }),
  });
  onUpgrade = (req, socket, head) => {
    const target = parseTarget(req.url ?? '/');
    if (target?.path === WEBSOCKET_PATH && !closing) websocket.upgrade(req, socket, head, target.query);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };
  for (const waiting of early.splice(0)) waiting();
  if (worker) {
    worker.takeConnections((socket, listener) => {
      const server = servers[listener];
      if (server && !closing) server.emit('connection', socket);
      else socket.destroy();
    });
    worker.ready();
  }
  log.info(
    { port, host: settings.host, data: settings.dataDir, counter: engine.feed.lastId },
    // The cluster's primary says "lingr is listening" once every worker is.
    worker ? 'worker is listening' : 'lingr is listening',
  );

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      for (const s of servers) if (s.listening) s.close();
      await engine.stop();
      for (const s of servers) s.closeIdleConnections();
      // Browsers open spare connections they may never use; nothing on them is waiting for us.
      for (const socket of connections) if (!asked.has(socket)) socket.destroy();
      // Answers in flight (held observes were just answered) get the grace period to finish.
      const drained = new Promise<void>((resolve) => {
        const check = () => (connections.size === 0 ? resolve() : setTimeout(check, 20));
        check();
      });
      const grace = new Promise<void>((resolve) => setTimeout(resolve, settings.shutdownGraceMs).unref());
      await Promise.race([drained, grace]);
      for (const s of servers) s.closeAllConnections();
      store.close();
      log.info({}, worker ? 'worker stopped' : 'lingr stopped');
    })());

  return { url: `http://${host}:${port}`, port, engine, close };
}

/** /metrics: this process's registry alone, or every worker's through the primary. */
function metricsSource(registry: Registry, bus: WorkerBus | undefined): MetricsSource {
  if (!bus) return { contentType: registry.contentType, text: () => registry.metrics() };
  bus.provideMetrics(() => registry.getMetricsAsJSON());
  return { contentType: registry.contentType, text: (perWorker) => bus.clusterMetrics(perWorker) };
}
