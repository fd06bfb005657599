import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spreadEvery } from '../src/transports/spread.js';

describe('heartbeats spread over their period', () => {
  it('visits every member once per period, a slice per tick, newcomers included', () => {
    const members = new Set(Array.from({ length: 1000 }, (_, i) => i));
    let tick: (() => void) | undefined;
    let tickMs = 0;
    spreadEvery(
      (ms, task) => {
        tickMs = ms;
        tick = task;
      },
      members,
      25_000,
      (m) => visits.set(m, (visits.get(m) ?? 0) + 1),
    );
    const visits = new Map<number, number>();
    assert.equal(tickMs, 250);
    let mostInOneTick = 0;
    // One period is 100 slices of 250 ms.
    for (let t = 0; t < 100; t++) {
      const before = [...visits.values()].reduce((a, b) => a + b, 0);
      if (t === 50) members.add(1000);
      tick?.();
      mostInOneTick = Math.max(mostInOneTick, [...visits.values()].reduce((a, b) => a + b, 0) - before);
    }
    assert.ok(mostInOneTick <= 11, `at most a hundredth per tick, saw ${mostInOneTick}`);
    for (let m = 0; m < 1000; m++) assert.equal(visits.get(m), 1, `member ${m}`);
    assert.equal(visits.get(1000), 1, 'a newcomer is reached in the same round');
    tick?.();
    assert.equal(visits.get(0), 2, 'the next period starts a new round');
  });

  it('visits a few members once per period, not once per slice', () => {
    const members = new Set(['a', 'b']);
    const visits: string[] = [];
    let tick: (() => void) | undefined;
    spreadEvery(
      (_ms, task) => (tick = task),
      members,
      1000,
      (m) => visits.push(m),
    );
    for (let t = 0; t < 8; t++) tick?.();
    assert.deepEqual(visits, ['a', 'b', 'a', 'b']);
  });
});
