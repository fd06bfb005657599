import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { apiV1 } from './api/v1/endpoints.js';
import { apiV2 } from './api/v2/endpoints.js';
import { V2Codec } from './api/v2/codec.js';
import type { WorkerBus } from './bus/cluster-worker-bus.js';
import { LocalBus } from './bus/local-bus.js';
import { openRedisBus } from './bus/redis-bus.js';
import { RedisLimitCounters } from './bus/redis-limits.js';
import { addressMatcher } from './config/address-list.js';
import { clientAddress } from './http/client-address.js';
import type { Settings } from './config/settings.js';
import { Heartbeat } from './core/heartbeat.js';
import type { Bus, Logger, Store } from './core/ports.js';
import { systemClock } from './core/time.js';
import { Administration } from './engine/administration.js';
import { Bots } from './engine/bots.js';
import { Chat } from './engine/chat.js';
import { Memberships } from './engine/memberships.js';
import { Operator } from './engine/operator.js';
import { RoomChanges } from './engine/room-changes.js';
import { holdSlotMs } from './engine/timer-wheel.js';
import { plainHasher } from './engine/password.js';
import { ApiDispatcher } from './http/api-dispatch.js';
import { sessionFromCookie } from './http/csrf.js';
import { HttpListener } from './http/listener.js';
import { createMetrics, type MetricsSource } from './http/metrics.js';
import { registerMonitoring } from './http/monitoring.js';
import { IrcListener } from './irc/irc-listener.js';
import { RouteTable } from './http/routes.js';
import { openPostgresStore } from './storage/postgres/postgres-store.js';
import { openSqliteStore } from './storage/sqlite/sqlite-store.js';
import { LongPollTransport } from './transports/longpoll.js';
import { SseTransport } from './transports/sse.js';
import { WebSocketTransport } from './transports/websocket.js';
import { WebPages } from './web/pages.js';
import { lingrVersion } from './webhooks/user-agent.js';
import { createWebhooks } from './webhooks/webhook-client.js';
import { registerWeb } from './web/routes.js';

/*
 * The composition root: the only place that picks concrete adapters (the store, the bus, the listeners) from
 * the settings. The server, its workers, the cluster's primary, the command line and the tests all start
 * here.
 */

/** The primary's listener index for the IRC port (0 and 1 are HTTP's main and second ports). */
export const IRC_LISTENER = 2;

export const databaseFile = (dataDir: string): string => join(dataDir, 'lingr.db');

/** The store the settings name: PostgreSQL with `--database`, else SQLite in `--data` (migrated on open). */
export async function openStore(settings: Settings, log?: Logger): Promise<Store> {
  if (settings.databaseUrl) return openPostgresStore(settings.databaseUrl, log ? { log } : {});
  return openSqliteStore(databaseFile(settings.dataDir), { synchronous: settings.synchronous });
}

/** What the command line works with: the store, and accounts and rooms made through the use cases. */
export interface AdminSide {
  administration: Administration;
  operator: Operator;
  bots: Bots;
  store: Store;
  close(): Promise<void>;
}

/**
 * Administration without a running server: changes go to the store, and a server on the same store hears
 * of them through `Store.watch` within a tenth of a second.
 */
export async function openAdministration(settings: Settings): Promise<AdminSide> {
  const store = await openStore(settings);
  const quiet = { published: () => undefined };
  const nobodyOnline = { isUserOnline: () => false };
  const memberships = new Memberships(store, quiet, nobodyOnline, systemClock);
  const hasher = plainHasher(settings.engine.passwordCost);
  // The operator may name any callback; servers still refuse private ones when calling, unless allowed.
  const webhooks = createWebhooks({ allowPrivate: true });
  return {
    administration: new Administration(store, memberships, hasher, systemClock),
    operator: new Operator({
      store,
      memberships,
      rooms: new RoomChanges(store, quiet, systemClock, hasher),
      events: quiet,
      hasher,
      clock: systemClock,
    }),
    bots: new Bots(store, webhooks, quiet, systemClock),
    store,
    close: () => store.close(),
  };
}

/**
 * What a worker of `--workers N` gets from its primary: the bus, its slot, the port the primary listens on
 * for all of them, and the connections it accepted for this one.
 */
export interface WorkerRole {
  bus: WorkerBus;
  slot: number;
  port: number;
  /** Calls `accept` with each connection the primary hands this process (listener 0: the main port; IRC_LISTENER). */
  takeConnections(accept: (socket: Socket, listener: number) => void): void;
  /** Tells the primary this process serves now. */
  ready(): void;
}

export interface RunningServer {
  /** Base URL of the main port. */
  url: string;
  port: number;
  /** The IRC port as bound, when IRC is served (0 for a worker, whose primary listens). */
  ircPort: number | undefined;
  /** The use cases, for tests that act beside the HTTP API. */
  chat: Chat;
  /** Every route, for requests without a socket (`routes.inject`). */
  routes: RouteTable;
  /** Graceful stop: stop accepting, answer held observes, flush, close the store. */
  close(): Promise<void>;
}

/** One server process: HTTP on its port(s), the chat service on the store and the bus the settings name. */
export async function startServer(
  settings: Settings,
  log: Logger,
  worker?: WorkerRole,
): Promise<RunningServer> {
  const clientAddressOf = clientAddress(addressMatcher(settings.trustProxy));
  const listenOptions = {
    clientAddress: clientAddressOf,
    host: settings.host,
    ports: settings.secondPort > 0 ? [settings.port, settings.secondPort] : [settings.port],
    headerTimeoutMs: settings.headerTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    bodyLimit: settings.bodyLimit,
    log,
  };
  const listener = worker ? HttpListener.handedOver(listenOptions) : await HttpListener.listen(listenOptions);
  const port = worker?.port ?? listener.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const publicUrl = settings.publicUrlGiven ? settings.engine.publicUrl : `http://${host}:${port}`;

  let store: Store;
  try {
    store = await openStore(settings, log);
  } catch (err) {
    // A store that cannot be opened (a newer schema, say) stops the start; the port must not keep it alive.
    listener.stopAccepting();
    throw err;
  }
  // One periodic timer for the bus and the engine: an idle process then wakes once a beat for all of them.
  const heartbeat = new Heartbeat(holdSlotMs(settings.engine.observeHoldMs));
  // With --redis every process, worker or not, talks to the others (on this node and the rest) there.
  let lost: (userIds: number[]) => void = () => undefined;
  const redisBus = settings.redisUrl
    ? await openRedisBus(settings.redisUrl, { log, heartbeat, onLost: (userIds) => lost(userIds) })
    : undefined;
  const bus: Bus = redisBus ?? worker?.bus ?? new LocalBus();
  // Rate limits and sign-in counts are the same whichever node answers.
  const sharedLimits = settings.redisUrl
    ? await RedisLimitCounters.open(settings.redisUrl, { log })
    : undefined;
  const codec = new V2Codec(publicUrl);
  let chat: Chat;
  try {
    chat = await Chat.start(store, bus, { ...settings.engine, publicUrl }, systemClock, log, {
      ...(sharedLimits ? { sharedLimits } : {}),
      heartbeat,
      bots: {
        webhooks: createWebhooks({
          allowPrivate: settings.allowPrivateCallbacks,
          timeoutMs: settings.botTimeoutMs,
        }),
        render: (e) => codec.reply([e], e.id).toString(),
      },
    });
  } catch (err) {
    listener.stopAccepting();
    await sharedLimits?.close();
    await redisBus?.close();
    await store.close();
    throw err;
  }
  lost = (userIds) => chat.usersLost(userIds);
  let closing = false;
  const isClosing = () => closing;
  const streams = {
    heartbeatMs: settings.streamHeartbeatMs,
    outboxLimit: settings.outboxLimit,
    after: (ms: number, task: () => void) => chat.after(ms, task),
  };
  const sse = new SseTransport(chat.accounts, chat.subscriptions, codec, streams);
  const websocket = new WebSocketTransport(chat.accounts, chat.subscriptions, codec, {
    ...streams,
    allowedOrigins: settings.allowedOrigins,
  });
  let irc: IrcListener | undefined;
  const longPoll = new LongPollTransport(chat.subscriptions, codec, isClosing);
  const api = new ApiDispatcher({
    bodyLimit: settings.bodyLimit,
    clientAddress: clientAddressOf,
    log,
    isClosing,
    sessionFromCookie: sessionFromCookie((secret) =>
      chat.accounts.session(secret, false).catch(() => undefined),
    ),
  })
    .register(apiV2(chat, codec, longPoll))
    .register(apiV1(chat, publicUrl, isClosing));

  const routes = new RouteTable(log, settings.hostnames);
  sse.register(routes);
  websocket.register(routes);
  routes.under('/api/', api.handle).lane('/api/', api.dispatch);
  const startedAt = Date.now();
  registerMonitoring(routes, {
    monitor: chat.monitor,
    metrics: metricsSource(
      createMetrics(
        chat.monitor,
        {
          sse: () => sse.size,
          websocket: () => websocket.size,
          ...(settings.ircPort === undefined ? {} : { irc: () => irc?.size ?? 0 }),
        },
        redisBus,
      ),
      worker?.bus,
    ),
    mayMonitor: addressMatcher(settings.metricsAllow),
    clientAddress: clientAddressOf,
    isClosing,
    startedAt,
  });
  registerWeb(routes, {
    pages: new WebPages(chat.queries, publicUrl),
    chat,
    bodyLimit: settings.bodyLimit,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    clientAddress: clientAddressOf,
    admin: {
      operator: chat.operator,
      signIns: () => chat.signInLog.recent(),
      lines: (roomId) => chat.queries.countBetween(roomId, 0, Number.MAX_SAFE_INTEGER),
      // The figures /healthz gives monitoring, read the same way.
      figures: () => {
        const monitor = chat.monitor.read();
        return {
          counter: monitor.counter,
          sessions: monitor.sessions,
          heldObserves: monitor.heldObserves,
          streams: monitor.streams,
          onlineUsers: monitor.onlineUsers,
          pid: process.pid,
          uptimeS: Math.round((Date.now() - startedAt) / 1000),
          version: lingrVersion() ?? 'unknown',
          rssMb: Math.round(process.memoryUsage.rss() / 1e5) / 10,
        };
      },
    },
  });
  try {
    irc = await startIrc(settings, chat, publicUrl, log, worker !== undefined);
  } catch (err) {
    listener.stopAccepting();
    await chat.stop();
    await sharedLimits?.close();
    await redisBus?.close();
    await store.close();
    throw err;
  }
  listener.serve(routes);
  if (worker) {
    worker.takeConnections((socket, index) =>
      index === IRC_LISTENER ? (irc ? irc.accept(socket) : socket.destroy()) : listener.accept(socket, index),
    );
    worker.ready();
  }
  log.info(
    {
      // The address to open comes first on a terminal; workers leave it to the primary.
      ...(worker ? {} : { url: `${publicUrl}/` }),
      port,
      host: settings.host,
      data: settings.dataDir,
      counter: chat.monitor.read().counter,
      ...(irc ? { ircPort: irc.port } : {}),
    },
    // The cluster's primary says "lingr is listening" once every worker is.
    worker ? 'worker is listening' : 'lingr is listening',
  );

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      listener.stopAccepting();
      await irc?.close(settings.shutdownGraceMs);
      await chat.stop();
      await listener.drain(settings.shutdownGraceMs);
      await redisBus?.close();
      await sharedLimits?.close();
      await store.close();
      log.info({}, worker ? 'worker stopped' : 'lingr stopped');
    })());

  return { url: `http://${host}:${port}`, port, ircPort: irc?.port, chat, routes, close };
}

/** The IRC listener when `--irc-port` is set: listening itself, or (a worker) served by the primary. */
async function startIrc(
  settings: Settings,
  chat: Chat,
  publicUrl: string,
  log: Logger,
  handedOver: boolean,
): Promise<IrcListener | undefined> {
  if (settings.ircPort === undefined) return undefined;
  const tls = settings.ircTls && {
    cert: await readFile(settings.ircTls.certFile),
    key: await readFile(settings.ircTls.keyFile),
  };
  const options = {
    chat,
    host: settings.host,
    port: settings.ircPort,
    server: {
      name: new URL(publicUrl).hostname.replace(/^\[|\]$/g, ''),
      version: lingrVersion() ?? 'unknown',
      publicUrl,
      startedAt: Date.now(),
    },
    ...(tls ? { tls } : {}),
    pingMs: settings.ircPingMs,
    outboxLimit: settings.outboxLimit,
    after: (ms: number, task: () => void) => chat.after(ms, task),
    log,
  };
  return handedOver ? IrcListener.handedOver(options) : IrcListener.listen(options);
}

/** /metrics: this process's registry alone, or every worker's through the primary. */
function metricsSource(registry: Registry, bus: WorkerBus | undefined): MetricsSource {
  if (!bus) return { contentType: registry.contentType, text: () => registry.metrics() };
  bus.provideMetrics(() => registry.getMetricsAsJSON());
  return { contentType: registry.contentType, text: (perWorker) => bus.clusterMetrics(perWorker) };
}
