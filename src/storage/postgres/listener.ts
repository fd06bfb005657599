import pg from 'pg';
import type { Logger } from '../../core/ports.js';
import { connectionConfig } from './database.js';

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * LISTENs for the channel on a connection of its own (a pooled connection would be handed to queries and
 * released), and calls the watchers when another writer's transaction notified it. If the connection
 * drops, it connects again with backoff and then calls every watcher once: something may have been stored
 * while nobody listened.
 */
export class Listener {
  private readonly watchers = new Set<(upTo?: number) => void>();
  private client: pg.Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    /** Notifications from this writer are this store's own and are ignored. */
    private readonly self: string,
    private readonly log: Logger,
  ) {}

  /** Connects and listens; rejects if the first connection fails. */
  start(): Promise<void> {
    return this.connect();
  }

  watch(changed: (upTo?: number) => void): () => void {
    // A function of its own per call, so the same callback watched twice is stopped twice.
    const watcher = (upTo?: number) => changed(upTo);
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(connectionConfig(this.url));
    let listening = false;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      // Before it listened, the failure reaches whoever is connecting.
      if (!listening) return;
      if (this.client === client) this.client = undefined;
      if (this.closed) return;
      this.log.warn({ err }, 'lost the PostgreSQL connection listening for events; connecting again');
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (n.channel !== this.channel) return;
      // "<writer> <last id>": our own writes are ignored; the id tells how far the store now reaches.
      const [writer, last] = (n.payload ?? '').split(' ');
      if (writer === this.self) return;
      const upTo = Number(last);
      this.notify(Number.isSafeInteger(upTo) && upTo > 0 ? upTo : undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      lost = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed || lost) {
      await client.end().catch(() => undefined);
      if (this.closed) return;
      throw new Error('the connection closed as it started listening');
    }
    listening = true;
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.closed) return;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.log.info({}, 'listening for events again');
          this.notify();
        },
        (err: unknown) => {
          if (this.closed) return;
          this.log.debug({ err }, 'could not reconnect to PostgreSQL yet');
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.retry.unref();
  }

  private notify(upTo?: number): void {
    for (const watcher of [...this.watchers]) {
      try {
        watcher(upTo);
      } catch (err) {
        this.log.error({ err }, 'an event watcher failed');
      }
    }
  }
}
