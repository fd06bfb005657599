import { randomBase62 } from '../core/ids.js';
import type { Bot, ChatEvent, Message } from '../core/model.js';
import type { Logger, Store, Webhooks } from '../core/ports.js';
import { botText } from '../core/text.js';
import type { Clock } from '../core/time.js';
import { webhookSignature } from './bot-credentials.js';
import { isBotOnline } from './bots.js';

/** Lines waiting for one bot in one room (spec 6.2); beyond it the oldest are dropped and counted. */
export const BOT_QUEUE_LIMIT = 100;
/** Failures kept for a bot's page. */
const FAILURES_KEPT = 20;
/** Events read at once when a holder catches up from the store. */
const CATCH_UP_PAGE = 500;

/** What happened to one line for one bot, for metrics. */
export type BotOutcome =
  /** Delivered; `replied` when its answer became the bot's line. */
  | { kind: 'delivered'; replied: boolean; ms: number }
  | { kind: 'failed'; ms: number }
  | { kind: 'dropped'; count: number };

export interface BotDeliveryOptions {
  store: Store;
  webhooks: Webhooks;
  clock: Clock;
  log: Logger;
  /** The webhook body for an event: an observe reply holding that one event (spec 6.2). */
  render: (e: ChatEvent) => string;
  /** Says a bot's reply in the room; undefined when its limit dropped it. */
  reply: (bot: Bot, roomId: string, text: string) => Promise<Message | undefined>;
  /** How long a holder keeps a lease without renewing it: longer than one delivery can take. */
  leaseMs: number;
  /** How long a holder with nothing to deliver keeps its lease before giving it up. */
  idleMs: number;
  /** Called after every delivery, failure and drop. */
  onOutcome?: (botId: string, outcome: BotOutcome) => void;
}

/**
 * Delivers the lines of rooms to their bots (spec 6.2). For each bot and room one process at a time holds
 * a lease in the store and delivers in event order, one request in flight; it moves the bot's cursor by
 * compare-and-set before each request, so every line goes out exactly once however many processes and
 * nodes run (at most once if the holder dies mid-request: there are no retries). The process that stored a
 * line offers it; the holder takes every later line of the room from its own feed; a sweep picks up lines
 * whose holder died.
 */
export class BotDelivery {
  /** This process's name in leases. */
  readonly holder = randomBase62(16);
  private readonly runs = new Map<string, Run>();
  private stopped = false;

  constructor(private readonly o: BotDeliveryOptions) {}

  /** This process stored the event: if it is a line in a room with bots, make sure someone delivers it. */
  stored(e: ChatEvent): void {
    if (e.fact.kind !== 'message' || this.stopped) return;
    void this.offer(e.roomId).catch((err: unknown) => this.o.log.error({ err }, 'offering a line to bots'));
  }

  /** Every event this process's feed hands out, in order: lines for the bots it delivers to. */
  heard(e: ChatEvent): void {
    if (e.fact.kind !== 'message') return;
    for (const run of this.runs.values()) if (run.roomId === e.roomId) run.enqueue(e);
  }

  /** Lines nobody delivers (a holder died): take them over. */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    for (const { botId, roomId } of await this.o.store.bots.behind(this.o.clock.now(), 100))
      this.ensure(botId, roomId);
  }

  /** Stops taking leases; requests in flight finish, and leases are given up. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.runs.values()].map((run) => run.stop()));
  }

  /** Holders running here (for tests and monitoring). */
  get running(): number {
    return this.runs.size;
  }

  private async offer(roomId: string): Promise<void> {
    for (const bot of await this.o.store.bots.inRoom(roomId))
      if (isBotOnline(bot)) this.ensure(bot.id, roomId);
  }

  private ensure(botId: string, roomId: string): void {
    const key = `${botId}\n${roomId}`;
    if (this.stopped || this.runs.has(key)) return;
    const run = new Run(botId, roomId, this.holder, this.o, (again) => {
      if (this.runs.get(key) === run) this.runs.delete(key);
      if (again) this.ensure(botId, roomId);
    });
    this.runs.set(key, run);
    void run.start();
  }
}

/** How long stopping waits for a request in flight before giving the lease up regardless. */
const STOP_WAIT_MS = 1000;

/** One bot in one room while this process holds its lease: a queue, drained one request at a time. */
class Run {
  private queue: ChatEvent[] = [];
  /** Lines the feed handed out while the catch-up read ran. */
  private early: ChatEvent[] | undefined = [];
  /** The highest event id queued or passed over: the feed's later events only are queued. */
  private seen = 0;
  private cursor = 0;
  private draining = false;
  private stopping = false;
  /** The cursor moved under it (the bot left the room and came back, another process took over). */
  private lost = false;
  private idle: NodeJS.Timeout | undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(
    readonly botId: string,
    readonly roomId: string,
    private readonly holder: string,
    private readonly o: BotDeliveryOptions,
    /**
     * Called once when the run ends; `again` when lines came just as it gave its lease up, or it lost the
     * lease (a fresh claim then finds out who delivers now: if nobody, this process).
     */
    private readonly ended: (again: boolean) => void,
  ) {}

  async start(): Promise<void> {
    try {
      const now = this.o.clock.now();
      const cursor = await this.o.store.bots.claim(
        this.botId,
        this.roomId,
        this.holder,
        now,
        now + this.o.leaseMs,
      );
      if (cursor === undefined) return this.end(false);
      this.cursor = cursor;
      this.seen = cursor;
      await this.load();
      const bot = await this.o.store.bots.byId(this.botId);
      // Offline (a sweep found its cursor behind): the lines pass it by, and it hears what comes once back.
      if (!bot || !isBotOnline(bot)) this.queue = [];
    } catch (err) {
      this.o.log.error({ err, bot: this.botId, room: this.roomId }, 'taking over a bot’s lines');
      return this.end(false);
    }
    this.drain();
  }

  /** A line from the feed: queued unless the catch-up read had it already. */
  enqueue(e: ChatEvent): void {
    if (this.stopping) return;
    if (this.early) {
      this.early.push(e);
      return;
    }
    this.push(e);
    this.drain();
  }

  /** Ends the run soon: a request in flight may finish, briefly; the lease is given up either way. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.idle);
    await Promise.race([this.done, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    await this.o.store.bots.release(this.botId, this.roomId, this.holder).catch(() => undefined);
    this.end(false);
  }

  /**
   * Reads the lines after the cursor from the store, then takes what the feed handed out meanwhile: an
   * event the read missed came out of the feed after the run listened, so nothing falls between.
   */
  private async load(): Promise<void> {
    for (;;) {
      const page = await this.o.store.events.inRoom(this.roomId, this.seen, CATCH_UP_PAGE);
      for (const e of page) this.push(e);
      if (page.length < CATCH_UP_PAGE) break;
    }
    const early = this.early ?? [];
    this.early = undefined;
    for (const e of early) this.push(e);
  }

  /** Queues a line for the bot (not its own, nothing but lines), dropping the oldest beyond the limit. */
  private push(e: ChatEvent): void {
    if (e.id <= this.seen) return;
    this.seen = e.id;
    if (e.fact.kind !== 'message') return;
    const m = e.fact.message;
    if (m.type === 'bot' && m.speakerId === this.botId) return;
    this.queue.push(e);
    if (this.queue.length > BOT_QUEUE_LIMIT) {
      const dropped = this.queue.splice(0, this.queue.length - BOT_QUEUE_LIMIT);
      this.o.onOutcome?.(this.botId, { kind: 'dropped', count: dropped.length });
    }
  }

  private drain(): void {
    if (this.draining || this.stopping) return;
    clearTimeout(this.idle);
    this.draining = true;
    this.done = this.deliverAll()
      .catch((err: unknown) => {
        this.o.log.error({ err, bot: this.botId, room: this.roomId }, 'delivering to a bot');
        this.stopping = true;
      })
      .finally(() => {
        this.draining = false;
        if (this.stopping) this.end(this.lost);
        else if (this.queue.length > 0) this.drain();
        else this.rest();
      });
  }

  private async deliverAll(): Promise<void> {
    while (this.queue.length > 0 && !this.stopping) {
      const e = this.queue.shift() as ChatEvent;
      if (!(await this.take(e.id))) return;
      await this.deliver(e);
    }
  }

  /** Moves the cursor to the line: only then is it this holder's to send. False: the lease is lost. */
  private async take(id: number): Promise<boolean> {
    const until = this.o.clock.now() + this.o.leaseMs;
    if (await this.o.store.bots.advance(this.botId, this.roomId, this.holder, this.cursor, id, until)) {
      this.cursor = id;
      return true;
    }
    this.stopping = true;
    this.lost = true;
    this.queue = [];
    return false;
  }

  private async deliver(e: ChatEvent): Promise<void> {
    const bot = await this.o.store.bots.byId(this.botId);
    // Switched off or without a callback: the line passes it by, as it would a bot not in the room.
    if (!bot || !isBotOnline(bot) || bot.callbackUrl === null) return;
    const body = this.o.render(e);
    const outcome = await this.o.webhooks.post(bot.callbackUrl, body, {
      'X-Lingr-Event-Id': String(e.id),
      'X-Lingr-Signature': webhookSignature(bot.secret, Math.floor(this.o.clock.now() / 1000), body),
    });
    if (!outcome.ok) {
      this.o.onOutcome?.(bot.id, { kind: 'failed', ms: outcome.ms });
      await this.fail(bot, e, outcome.reason);
      return;
    }
    const text = botText(outcome.body);
    let replied = false;
    if (text !== undefined) {
      replied = (await this.o.reply(bot, this.roomId, text)) !== undefined;
      if (!replied) await this.fail(bot, e, 'reply dropped: more than 60 lines a minute in this room');
    }
    this.o.onOutcome?.(bot.id, { kind: 'delivered', replied, ms: outcome.ms });
  }

  private async fail(bot: Bot, e: ChatEvent, reason: string): Promise<void> {
    const failure = { at: this.o.clock.now(), roomId: this.roomId, eventId: e.id, reason };
    await this.o.store.bots.noteFailure(bot.id, failure, FAILURES_KEPT);
  }

  /** Nothing to deliver: keep the lease a while for lines to come, then give it up. */
  private rest(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.retire(), this.o.idleMs);
    this.idle.unref();
  }

  /**
   * Gives the lease up. A line stored just before, by a process that found the lease taken, may not have
   * reached this feed yet: the store is read once more, and the lines found there are taken up again.
   */
  private async retire(): Promise<void> {
    if (this.draining || this.queue.length > 0 || this.stopping) return;
    this.stopping = true;
    let again = false;
    try {
      // Lines passed over (its own, dropped) move the cursor too, so the sweep does not find them again.
      if (this.seen > this.cursor && !(await this.take(this.seen))) return this.end(true);
      await this.o.store.bots.release(this.botId, this.roomId, this.holder);
      const later = await this.o.store.events.inRoom(this.roomId, this.cursor, CATCH_UP_PAGE);
      again = later.some(
        (e) =>
          e.fact.kind === 'message' &&
          !(e.fact.message.type === 'bot' && e.fact.message.speakerId === this.botId),
      );
    } catch (err) {
      this.o.log.error({ err, bot: this.botId, room: this.roomId }, 'giving up a bot’s lease');
    }
    this.end(again);
  }

  private endedOnce = false;

  private end(again: boolean): void {
    this.stopping = true;
    if (this.endedOnce) return;
    this.endedOnce = true;
    this.ended(again);
  }
}
