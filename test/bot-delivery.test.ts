import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Bot, ChatEvent } from '../src/core/model.js';
import type { Store, WebhookOutcome, Webhooks } from '../src/core/ports.js';
import { systemClock } from '../src/core/time.js';
import { BotDelivery, type BotOutcome } from '../src/engine/bot-delivery.js';
import { botMessage } from '../src/engine/bots.js';
import { createLogger } from '../src/log.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { eventually, tempDataDir } from './support/server.js';

const bot: Bot = {
  id: 'tally',
  name: 'Tally',
  ownerId: null,
  secret: 'secret-of-tally-0123456789a',
  callbackUrl: 'http://bot.test/',
  enabled: true,
  createdAt: 0,
};

/** Webhooks that answer after a moment and note what was in flight when each call came. */
class RecordingWebhooks implements Webhooks {
  private inFlight = 0;
  constructor(
    private readonly by: string,
    private readonly shared: RecordingWebhooks[],
    /** Every call to any of them, in the order they came. */
    readonly posted: Array<{ eventId: number; by: string; inFlight: number }>,
  ) {}
  async check(): Promise<void> {}
  async post(
    _url: string,
    _body: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<WebhookOutcome> {
    const inFlight = this.shared.reduce((n, w) => n + w.inFlight, 0);
    this.inFlight++;
    this.posted.push({ eventId: Number(headers['X-Lingr-Event-Id']), by: this.by, inFlight });
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    return { ok: true, status: 200, body: '', cut: false, ms: 2 };
  }
}

describe('bot delivery across processes sharing one store', () => {
  const dir = tempDataDir();
  const file = join(dir, 'lingr.db');
  const stores: Store[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });

  it('delivers each line once, in order, one at a time, however the two processes race', async () => {
    const a = openSqliteStore(file);
    const b = openSqliteStore(file);
    stores.push(a, b);
    await a.rooms.create({
      id: 'race',
      name: 'Race',
      blurb: null,
      isPublic: true,
      passwordHash: null,
      ownerId: null,
      tags: [],
      timezone: 'UTC',
      createdAt: 0,
    });
    await a.bots.create(bot);
    await a.bots.addToRoom('race', bot.id, await a.events.current(), 0);
    const hooks: RecordingWebhooks[] = [];
    const calls: RecordingWebhooks['posted'] = [];
    const hookA = new RecordingWebhooks('a', hooks, calls);
    const hookB = new RecordingWebhooks('b', hooks, calls);
    hooks.push(hookA, hookB);
    const drops: BotOutcome[] = [];
    const delivery = (store: Store, webhooks: Webhooks) =>
      new BotDelivery({
        store,
        webhooks,
        clock: systemClock,
        log: createLogger('silent'),
        render: (e) => JSON.stringify({ counter: e.id }),
        reply: async () => undefined,
        leaseMs: 60_000,
        // Short, so leases change hands between the bursts.
        idleMs: 5,
        onOutcome: (_bot, o) => o.kind === 'dropped' && drops.push(o),
      });
    const deliveries = [delivery(a, hookA), delivery(b, hookB)];
    const stored: ChatEvent[] = [];
    for (let burst = 0; burst < 8; burst++) {
      for (let i = 0; i < 10; i++) {
        const writer = (burst + i) % 2;
        const { event } = await [a, b][writer]!.messages.append({
          ...botMessage({ ...bot, id: 'someone' }, 'race', `line ${burst}.${i}`, 0),
          type: 'user',
        });
        stored.push(event);
        // Each process's feed hands out every event; the writer also offers it.
        deliveries[writer]!.stored(event);
        for (const d of deliveries) d.heard(event);
      }
      await new Promise((r) => setTimeout(r, burst % 2 === 0 ? 100 : 0));
    }
    await eventually(() => assert.equal(calls.length, stored.length), 10_000);
    assert.deepEqual(
      calls.map((p) => p.eventId),
      stored.map((e) => e.id),
      'every line once, in order',
    );
    assert.ok(
      calls.every((p) => p.inFlight === 0),
      'never two requests at once',
    );
    assert.deepEqual(drops, []);
    assert.equal(new Set(calls.map((p) => p.by)).size, 2, 'both processes delivered some');
    await Promise.all(deliveries.map((d) => d.stop()));
  });
  it('hands over at once when the bot leaves the room and comes back while a holder still has it', async () => {
    const store = openSqliteStore(file);
    stores.push(store);
    await store.rooms.create({
      id: 'again',
      name: 'Again',
      blurb: null,
      isPublic: true,
      passwordHash: null,
      ownerId: null,
      tags: [],
      timezone: 'UTC',
      createdAt: 0,
    });
    await store.bots.addToRoom('again', bot.id, await store.events.current(), 0);
    const calls: RecordingWebhooks['posted'] = [];
    const hooks: RecordingWebhooks[] = [];
    const webhooks = new RecordingWebhooks('one', hooks, calls);
    hooks.push(webhooks);
    // No sweep runs here: only the hand-over itself can deliver the last line.
    const delivery = new BotDelivery({
      store,
      webhooks,
      clock: systemClock,
      log: createLogger('silent'),
      render: (e) => JSON.stringify({ counter: e.id }),
      reply: async () => undefined,
      leaseMs: 60_000,
      idleMs: 60_000,
    });
    const say = async (text: string) => {
      const { event } = await store.messages.append({
        ...botMessage({ ...bot, id: 'someone' }, 'again', text, 0),
        type: 'user',
      });
      delivery.stored(event);
      delivery.heard(event);
      return event;
    };
    const first = await say('before');
    await eventually(() =>
      assert.deepEqual(
        calls.map((c) => c.eventId),
        [first.id],
      ),
    );
    assert.equal(await store.bots.removeFromRoom('again', bot.id), true);
    assert.equal(await store.bots.addToRoom('again', bot.id, await store.events.current(), 1), true);
    const second = await say('after coming back');
    await eventually(() =>
      assert.deepEqual(
        calls.map((c) => c.eventId),
        [first.id, second.id],
      ),
    );
    await delivery.stop();
  });
});
