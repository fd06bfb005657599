import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RunningPeer, Subscriber } from '../bench/load/target.js';
import { peerAvailable, peerNames, peerTargets, startPeer } from '../bench/peers/index.js';

const LOCAL = '127.0.0.1';

/** Resolves once `done()` holds, polling; rejects after `ms` with what `state()` says. */
async function until(done: () => boolean, state: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${state()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Each peer server with its Target: three subscribers get every line, in order, and stop cleanly. */
describe('benchmark peers', () => {
  const running = new Set<RunningPeer>();
  after(async () => {
    for (const peer of running) await peer.stop();
  });

  for (const name of peerNames) {
    const skip = peerAvailable(name) ? false : `${name} is not installed here`;
    it(
      `${name}: three subscribers receive every published line in order`,
      { skip, timeout: 60_000 },
      async () => {
        const target = await peerTargets[name]!();
        assert.equal(target.name, name);
        const peer = await startPeer(name);
        running.add(peer);
        const pids = peer.pids();
        assert.ok(pids.length >= 1 && pids.every(alive), `serving processes ${pids.join(', ')}`);

        const room = `room${Date.now()}`;
        const received: string[][] = [[], [], []];
        const errors: Error[] = [];
        const subscribers: Subscriber[] = [];
        try {
          for (const [i, lines] of received.entries()) {
            subscribers.push(
              await target.subscribe({
                url: peer.url,
                localAddress: LOCAL,
                room,
                index: i,
                onLine: (text) => lines.push(text),
                onError: (err) => errors.push(err),
              }),
            );
          }
          const publish = await target.publisher(peer.url, room, LOCAL);
          await publish('first line');
          await publish('second line: ünïcode & {"json"}');
          const expected = ['first line', 'second line: ünïcode & {"json"}'];
          await until(
            () => received.every((lines) => lines.length >= 2),
            () => JSON.stringify(received),
          );
          for (const lines of received) assert.deepEqual(lines, expected);

          // A reconnected subscriber is live again once reconnect() resolves.
          await subscribers[0]!.reconnect();
          await publish('third line');
          await until(
            () => received.every((lines) => lines.length >= 3),
            () => JSON.stringify(received),
          );
          await new Promise((r) => setTimeout(r, 200));
          for (const lines of received) assert.deepEqual(lines, [...expected, 'third line']);
          assert.deepEqual(errors, []);
        } finally {
          for (const s of subscribers) s.close();
        }

        await peer.stop();
        running.delete(peer);
        assert.deepEqual(peer.pids(), []);
        for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} still runs`);
      },
    );
  }
});
