import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatEvent } from '../../src/core/model.js';
import type { Bus, BusMessage } from '../../src/core/ports.js';

/** Buses of several processes joined into one network (one, for a bus that only ever has one). */
export interface BusNetwork {
  buses: Bus[];
  close(): Promise<void>;
}

const event = (id: number): ChatEvent => ({
  id,
  roomId: 'r',
  createdAt: 0,
  fact: { kind: 'access', access: { isPublic: true, deleted: false, members: [] } },
});

const settle = () => new Promise((r) => setTimeout(r, 20));

/** What every bus adapter guarantees (core/ports.ts, `Bus`): the same suite runs against each. */
export function busContract(name: string, open: () => Promise<BusNetwork>): void {
  describe(`bus contract: ${name}`, () => {
    let network: BusNetwork;
    const heard: BusMessage[][] = [];
    before(async () => {
      network = await open();
      network.buses.forEach((bus, i) => {
        heard[i] = [];
        bus.subscribe((m) => heard[i]!.push(m));
      });
    });
    after(() => network.close());

    it('hands what one process publishes to every other, in its order, never back to itself', async () => {
      const [first] = network.buses;
      for (let i = 1; i <= 20; i++) first!.publish({ kind: 'events', events: [event(i)] });
      first!.publish({ kind: 'session', id: 'key' });
      await settle();
      assert.deepEqual(heard[0], []);
      for (let i = 1; i < network.buses.length; i++) {
        const ids = heard[i]!.flatMap((m) => (m.kind === 'events' ? m.events.map((e) => e.id) : []));
        assert.deepEqual(
          ids,
          Array.from({ length: 20 }, (_, k) => k + 1),
        );
        assert.deepEqual(heard[i]!.at(-1), { kind: 'session', id: 'key' });
        assert.deepEqual((heard[i]![0] as { events: ChatEvent[] }).events[0], event(1));
      }
    });

    it('lets exactly one process announce each change of whether a user is online anywhere', async () => {
      const { buses } = network;
      const first = await Promise.all(buses.map((b) => b.presence(7, true)));
      assert.equal(first.filter(Boolean).length, 1, 'the first process online announces');
      const offline = await Promise.all(buses.map((b) => b.presence(7, false)));
      assert.equal(offline.filter(Boolean).length, 1, 'the last process offline announces');
      assert.equal(await buses[0]!.presence(8, true), true);
      assert.equal(await buses[0]!.presence(8, true), false, 'no change, nothing to announce');
      assert.equal(await buses[0]!.presence(8, false), true);
    });

    it('tells the other processes when a user goes online or offline anywhere', async () => {
      if (network.buses.length < 2) return;
      await settle(); // what the last test published may still be on its way over a network
      for (const h of heard) h!.length = 0;
      await network.buses[0]!.presence(9, true);
      await settle();
      for (let i = 1; i < network.buses.length; i++)
        assert.deepEqual(heard[i], [{ kind: 'online', userId: 9, online: true }]);
      await network.buses[0]!.presence(9, false);
    });
  });
}
