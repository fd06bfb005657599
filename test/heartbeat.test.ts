import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Heartbeat } from '../src/core/heartbeat.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the heartbeat', () => {
  it('runs tasks due together on one beat, each period rounded to whole beats', async () => {
    const beat = new Heartbeat(10);
    let fast = 0;
    const slowSaw: number[] = [];
    const stopFast = beat.every(10, () => fast++);
    // 26 ms rounds to three beats; it comes on every third beat of the fast task.
    const stopSlow = beat.every(26, () => slowSaw.push(fast));
    while (slowSaw.length < 3) await sleep(10);
    stopFast();
    stopSlow();
    assert.ok(
      slowSaw.every((n) => n > 0 && n % 3 === 0),
      `the slow task came on beats ${slowSaw.join(', ')}`,
    );
  });

  it('stops its timer once no task is left, and starts it again for the next', async () => {
    const beat = new Heartbeat(5);
    assert.equal(beat.ticking, false, 'no task, no timer');
    let runs = 0;
    const cancel = beat.every(1, () => runs++);
    assert.equal(beat.ticking, true);
    while (runs < 2) await sleep(5);
    cancel();
    assert.equal(beat.ticking, false);
    const after = runs;
    await sleep(30);
    assert.equal(runs, after, 'a cancelled task never runs again');
    const again = beat.every(5, () => runs++);
    assert.equal(beat.ticking, true);
    again();
  });

  it('refuses a period that is not positive', () => {
    assert.throws(() => new Heartbeat(0), /positive period/);
  });
});
