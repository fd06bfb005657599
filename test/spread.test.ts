import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spreadEvery } from '../src/transports/spread.js';

/** A scheduler run by hand: each task runs when the test says, and the delays are recorded. */
function manualClock() {
  const queue: Array<() => void> = [];
  const delays: number[] = [];
  return {
    after: (ms: number, task: () => void) => {
      delays.push(ms);
      queue.push(task);
    },
    delays,
    step(): void {
      const task = queue.shift();
      assert.ok(task, 'a next slice is always scheduled');
      task();
    },
  };
}

describe('heartbeats spread over their period', () => {
  it('visits many members once per period, a slice at a time, newcomers included', () => {
    const members = new Set(Array.from({ length: 1000 }, (_, i) => i));
    const visits = new Map<number, number>();
    const clock = manualClock();
    spreadEvery(clock.after, members, 25_000, (m) => visits.set(m, (visits.get(m) ?? 0) + 1));
    const total = () => [...visits.values()].reduce((a, b) => a + b, 0);
    clock.step();
    // 1,000 members make five slices of 200, five seconds apart.
    assert.equal(total(), 200);
    assert.equal(clock.delays.at(-1), 5_000);
    members.add(1000);
    let most = 200;
    for (let t = 1; t < 5; t++) {
      const before = total();
      clock.step();
      most = Math.max(most, total() - before);
    }
    assert.ok(most <= 201, `at most a fifth per slice, saw ${most}`);
    for (let m = 0; m < 1000; m++) assert.equal(visits.get(m), 1, `member ${m}`);
    assert.equal(visits.get(1000), 1, 'a newcomer is reached in the same round');
    clock.step();
    assert.equal(visits.get(0), 2, 'the next period starts a new round');
  });

  it('wakes once per period when there are few members or none', () => {
    const members = new Set<string>();
    const visits: string[] = [];
    const clock = manualClock();
    spreadEvery(clock.after, members, 1000, (m) => visits.push(m));
    clock.step();
    assert.equal(clock.delays.at(-1), 1000, 'an empty set is looked at once a period');
    members.add('a').add('b');
    for (let t = 0; t < 2; t++) clock.step();
    assert.deepEqual(visits, ['a', 'b', 'a', 'b']);
    assert.deepEqual(clock.delays.slice(1), [1000, 1000, 1000]);
  });

  it('never slices finer than a quarter second, however many members', () => {
    const members = new Set(Array.from({ length: 100_000 }, (_, i) => i));
    let visited = 0;
    const clock = manualClock();
    spreadEvery(clock.after, members, 25_000, () => visited++);
    clock.step();
    assert.equal(clock.delays.at(-1), 250);
    assert.equal(visited, 1000);
  });
});
