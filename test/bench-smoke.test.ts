import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const RUN = fileURLToPath(new URL('../bench/run.js', import.meta.url));

/** The benchmarks at tiny size, so the suite keeps working; their figures are not judged here. */
describe('benchmark smoke runs', () => {
  for (const scenario of ['room2007', 'idle']) {
    it(`${scenario} runs to the end with every line delivered and no error`, () => {
      const r = spawnSync(process.execPath, [RUN, scenario, '--smoke'], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, scenario === 'room2007' ? /missing 0, duplicates 0/ : /held observes/);
      assert.match(r.stdout, /errors 0/);
    });
  }
});
