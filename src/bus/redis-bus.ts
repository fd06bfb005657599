import type { Heartbeat } from '../core/heartbeat.js';
import { Outbox } from './outbox.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Bus, BusHealth, BusMessage, Logger } from '../core/ports.js';
import { LuaScript, PRESENCE, REFRESH, REGISTER, SWEEP } from './redis-scripts.js';

export interface RedisBusOptions {
  /** This node's name in Redis, unique among running processes (default: host, pid and a random tag). */
  nodeId?: string;
  /** How long a node counts as alive after its last refresh (default 10 s); refreshed every third of it. */
  leaseMs?: number;
  /** Prefix of every key and of the channel (default `lingr:`), for deployments that share one Redis. */
  prefix?: string;
  /** The process's periodic timer, so the lease and the sweeps wake it together with its other tasks. */
  heartbeat?: Heartbeat;
  log?: Logger;
  /**
   * Users who are now online nowhere because a node holding them went away (its lease ran out) or because
   * Redis never heard this node let them go. Called on exactly one node for each such change: that node
   * announces them offline. The other nodes hear `{ kind: 'online', online: false }` on the bus.
   */
  onLost?: (userIds: number[]) => void;
}

export interface RedisBusStats {
  /** Messages this node sent to Redis (including `online` messages its presence changes published). */
  published: number;
  /** Messages from other nodes handed to the subscribers. */
  received: number;
  /** Messages not sent because Redis was out of reach (the bus is at most once; the store is the truth). */
  dropped: number;
  /** Delay from publication to receipt of the last message received (clocks of different hosts may differ). */
  lastLagMs: number;
  maxLagMs: number;
  /** Both connections are up and the node is registered. */
  connected: boolean;
}

/** What travels on the channel: the sender, when it sent, and its messages in order. */
interface Envelope {
  n: string;
  t: number;
  m: BusMessage[];
}

const DEFAULT_LEASE_MS = 10_000;
/** Longest wait for one command before it counts as failed (a reply lost to a broken connection). */
const COMMAND_TIMEOUT_MS = 5_000;

const NO_LOG: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const scripts = {
  presence: new LuaScript(PRESENCE),
  register: new LuaScript(REGISTER),
  refresh: new LuaScript(REFRESH),
  sweep: new LuaScript(SWEEP),
};

/** Reconnects at once and then at most every 2 s, for as long as it takes. */
const retryStrategy = (times: number) => Math.min(times * 100, 2_000);

/**
 * Opens a bus over Redis: pub/sub for messages, keys for the presence ledger, a lease per node so that the
 * users of a node that died go offline. Resolves once the node is connected and registered.
 */
export async function openRedisBus(url: string, options: RedisBusOptions = {}): Promise<RedisBus> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isInteger(leaseMs) || leaseMs < 30)
    throw new Error(`leaseMs must be a whole number of milliseconds, at least 30 (got ${leaseMs})`);
  // Publishing: never queued while disconnected, never sent twice after a reconnect (at most once).
  const pub = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy,
  });
  // Subscribing takes a connection of its own; the bus subscribes again after each reconnect.
  const sub = new Redis(url, { lazyConnect: true, autoResubscribe: false, retryStrategy });
  const bus = new RedisBus(pub, sub, {
    nodeId: options.nodeId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    leaseMs,
    prefix: options.prefix ?? 'lingr:',
    log: options.log ?? NO_LOG,
    onLost: options.onLost ?? (() => undefined),
    ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
  });
  try {
    await bus.start();
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw err;
  }
  return bus;
}

/**
 * The Redis bus: at most once, per-publisher order (one connection publishes, in order, and the presence
 * scripts publish on it too), never to oneself (a node skips messages that carry its own id).
 *
 * A user is online anywhere while some node holds them. Each node keeps what it holds in memory as well as
 * in Redis, and writes it back whenever Redis may have lost it (a restart, a sweep after a long pause).
 */
export class RedisBus implements Bus {
  readonly reachesEveryProcess = true;
  readonly nodeId: string;
  private readonly leaseMs: number;
  private readonly log: Logger;
  private readonly onLost: (userIds: number[]) => void;
  private readonly handlers: Array<(m: BusMessage) => void> = [];
  private readonly healthWatchers: Array<(h: BusHealth) => void> = [];
  private readonly dropWatchers: Array<(messages: readonly BusMessage[]) => void> = [];
  /** Subscribed: what the others publish reaches this node. */
  private hearing = false;
  /** The health last told to the watchers. */
  private told: BusHealth = { sending: false, hearing: false };
  private readonly outbox = new Outbox((messages) => this.sendBatch(messages));
  /** The users this node holds online: the truth Redis is made to match. */
  private readonly online = new Set<number>();
  private readonly heartbeat: Heartbeat | undefined;
  private readonly cancels: Array<() => void> = [];
  /** Connected and registered: the node's registration is written before anything else it says. */
  private live = false;
  /** A presence change may not have reached Redis: register again at the next refresh. */
  private resync = false;
  private sweeping = false;
  private closed = false;
  private readonly counts = { published: 0, received: 0, dropped: 0, lastLagMs: 0, maxLagMs: 0 };
  private readonly prefix: string;
  private readonly channel: string;
  private readonly ownHead: string;
  private readonly key: {
    nodes: string;
    lease: string;
    held: string;
    holders: (userId: number) => string;
  };

  /** Use `openRedisBus`. */
  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    options: {
      nodeId: string;
      leaseMs: number;
      prefix: string;
      log: Logger;
      onLost: (userIds: number[]) => void;
      heartbeat?: Heartbeat;
    },
  ) {
    this.heartbeat = options.heartbeat;
    this.nodeId = options.nodeId;
    this.leaseMs = options.leaseMs;
    this.log = options.log;
    this.onLost = options.onLost;
    const p = options.prefix;
    this.prefix = p;
    this.channel = `${p}bus`;
    this.key = {
      nodes: `${p}nodes`,
      lease: `${p}lease:${this.nodeId}`,
      held: `${p}node:${this.nodeId}:users`,
      holders: (userId) => `${p}user:${userId}:nodes`,
    };
    this.ownHead = `{"n":${JSON.stringify(this.nodeId)},`;
    for (const [name, r] of [
      ['publisher', pub],
      ['subscriber', sub],
    ] as const) {
      r.on('error', (err: unknown) => this.log.debug({ err, node: this.nodeId }, `redis bus ${name}`));
    }
    sub.on('message', (_channel: string, text: string) => this.receive(text));
  }

  /** Connects, subscribes and registers; then keeps the lease and sweeps for nodes that died. */
  async start(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    await this.sub.subscribe(this.channel);
    this.hearing = true;
    await this.register();
    this.sub.on('close', () => {
      this.hearing = false;
      this.healthChanged();
    });
    this.sub.on('ready', () => {
      // Heard from only once Redis has answered the subscription: a catch-up then misses nothing.
      this.sub.subscribe(this.channel).then(
        () => {
          this.hearing = !this.closed && this.sub.status === 'ready';
          this.healthChanged();
        },
        (err: unknown) => this.failed(err, 'subscribing again'),
      );
    });
    this.pub.on('close', () => {
      if (this.live && !this.closed) this.log.warn({ node: this.nodeId }, 'redis bus: lost the connection');
      this.live = false;
      this.healthChanged();
    });
    this.pub.on('ready', () => {
      if (this.closed) return;
      this.log.info({ node: this.nodeId }, 'redis bus: connected again, registering');
      this.register().catch((err: unknown) => this.failed(err, 'registering'));
    });
    this.every(this.leaseMs / 3, () => this.refresh());
    this.every(this.leaseMs / 2, () => this.sweep());
    void this.sweep();
  }

  publish(message: BusMessage): void {
    if (!this.closed) this.outbox.push(message);
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  watchHealth(changed: (health: BusHealth) => void): void {
    this.healthWatchers.push(changed);
    changed(this.health());
  }

  onDropped(dropped: (messages: readonly BusMessage[]) => void): void {
    this.dropWatchers.push(dropped);
  }

  health(): BusHealth {
    return { sending: this.writable(), hearing: this.hearing && this.sub.status === 'ready' };
  }

  /**
   * Rejects while Redis is out of reach (the change is kept here and written to Redis when it is back, so
   * the ledger heals; the announcement is not made).
   */
  async presence(userId: number, online: boolean): Promise<boolean> {
    if (online) this.online.add(userId);
    else this.online.delete(userId);
    // Ours go first: the others must hear what we published before the change of presence.
    this.outbox.flush();
    if (!this.writable()) {
      this.resync = true;
      throw new Error('the Redis bus is not connected');
    }
    const message: BusMessage = { kind: 'online', userId, online };
    try {
      const changed = await scripts.presence.run(
        this.pub,
        [this.key.holders(userId), this.key.held, this.key.nodes],
        [this.nodeId, userId, online ? '1' : '0', this.channel, this.envelope([message])],
      );
      if (changed === 1) this.counts.published++;
      return changed === 1;
    } catch (err) {
      this.resync = true;
      throw err;
    }
  }

  stats(): RedisBusStats {
    return { ...this.counts, connected: this.writable() && this.sub.status === 'ready' };
  }

  /**
   * Leaves: sends what is pending, gives up its lease so that the next sweep of another node takes its
   * users (announcing those held nowhere else, unless a node holds them by then), and disconnects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.outbox.flush();
    const connected = this.writable();
    this.stop();
    if (connected) await this.pub.del(this.key.lease).catch(() => undefined);
    await Promise.all([quit(this.pub), quit(this.sub)]);
  }

  /** For tests: stops as a killed process would, leaving its lease to run out and its users in Redis. */
  crash(): void {
    if (this.closed) return;
    this.stop();
    this.pub.disconnect();
    this.sub.disconnect();
  }

  private stop(): void {
    this.closed = true;
    this.live = false;
    this.outbox.clear();
    for (const cancel of this.cancels) cancel();
  }

  private writable(): boolean {
    return this.live && this.pub.status === 'ready';
  }

  /**
   * Registers this node and writes back what it holds. The commands are written before this returns its
   * promise, so whatever the node sends afterwards comes after them.
   */
  private async register(): Promise<void> {
    for (const s of Object.values(scripts))
      s.load(this.pub).catch((err: unknown) => this.failed(err, 'loading a script'));
    this.resync = false;
    const done = scripts.register.run(
      this.pub,
      [this.key.held, this.key.nodes, this.key.lease],
      [this.nodeId, this.leaseMs, this.prefix, this.channel, this.head(), ...this.online],
    );
    this.live = true;
    this.healthChanged();
    try {
      this.lost(await done);
    } catch (err) {
      this.resync = true;
      throw err;
    }
  }

  private async refresh(): Promise<void> {
    if (!this.writable()) return;
    try {
      const again = await scripts.refresh.run(
        this.pub,
        [this.key.nodes, this.key.lease],
        [this.nodeId, this.leaseMs],
      );
      if ((again === 1 || this.resync) && this.writable()) await this.register();
    } catch (err) {
      this.failed(err, 'refreshing the lease');
    }
  }

  private async sweep(): Promise<void> {
    if (!this.writable() || this.sweeping) return;
    this.sweeping = true;
    this.outbox.flush();
    try {
      this.lost(
        await scripts.sweep.run(
          this.pub,
          [this.key.nodes],
          [this.prefix, this.nodeId, this.channel, this.head()],
        ),
      );
    } catch (err) {
      this.failed(err, 'sweeping');
    } finally {
      this.sweeping = false;
    }
  }

  /** Users a script left online nowhere: it published that to the others, and this node announces it. */
  private lost(reply: unknown): void {
    if (!Array.isArray(reply) || reply.length === 0) return;
    const userIds = reply.map(Number);
    this.counts.published += userIds.length;
    this.log.info({ node: this.nodeId, userIds }, 'redis bus: users online nowhere now');
    try {
      this.onLost(userIds);
    } catch (err) {
      this.log.error({ err }, 'redis bus: handling users lost');
    }
  }

  private sendBatch(messages: BusMessage[]): void {
    if (!this.writable()) {
      this.log.debug({ node: this.nodeId, count: messages.length }, 'redis bus: not connected, dropped');
      this.dropped(messages);
      return;
    }
    this.counts.published += messages.length;
    this.pub.publish(this.channel, this.envelope(messages)).catch((err: unknown) => {
      this.log.debug({ err, node: this.nodeId, count: messages.length }, 'redis bus: publishing failed');
      this.dropped(messages);
    });
  }

  private dropped(messages: BusMessage[]): void {
    this.counts.dropped += messages.length;
    if (this.closed) return;
    this.callEach(this.dropWatchers, messages, 'handling dropped messages');
  }

  /** Tells the watchers of a change of health (each change once). */
  private healthChanged(): void {
    const now = this.health();
    if (now.sending === this.told.sending && now.hearing === this.told.hearing) return;
    this.told = now;
    this.callEach(this.healthWatchers, now, 'a health watcher failed');
  }

  /** Calls each function with `value`; one that throws is logged and the others still run. */
  private callEach<T>(fns: ReadonlyArray<(value: T) => void>, value: T, what: string): void {
    for (const fn of fns)
      try {
        fn(value);
      } catch (err) {
        this.log.error({ err }, `redis bus: ${what}`);
      }
  }

  private receive(text: string): void {
    if (text.startsWith(this.ownHead)) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch (err) {
      this.log.warn({ err }, 'redis bus: a message that is not JSON');
      return;
    }
    const lag = Math.max(0, Date.now() - envelope.t);
    this.counts.lastLagMs = lag;
    if (lag > this.counts.maxLagMs) this.counts.maxLagMs = lag;
    for (const message of envelope.m) {
      this.counts.received++;
      this.callEach(this.handlers, message, 'a subscriber failed');
    }
  }

  /** `{"n":node,"t":now,"m":` — the scripts complete it with the messages and `}`. */
  private head(): string {
    return `${this.ownHead}"t":${Date.now()},"m":`;
  }

  private envelope(messages: BusMessage[]): string {
    return `${this.head()}${JSON.stringify(messages)}}`;
  }

  private every(ms: number, task: () => Promise<void>): void {
    if (this.heartbeat) {
      this.cancels.push(this.heartbeat.every(ms, () => void task()));
      return;
    }
    const timer = setInterval(() => void task(), Math.max(1, Math.floor(ms)));
    timer.unref();
    this.cancels.push(() => clearInterval(timer));
  }

  private failed(err: unknown, what: string): void {
    if (!this.closed) this.log.debug({ err, node: this.nodeId }, `redis bus: ${what} failed`);
  }
}

/** Waits for the replies still due, unless the connection is down (then there is nothing to wait for). */
async function quit(r: Redis): Promise<void> {
  if (r.status === 'ready') await r.quit().catch(() => r.disconnect());
  else r.disconnect();
}
