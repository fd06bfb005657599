import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { prettyLine } from '../src/log-pretty.js';
import { LINGR_BIN } from './support/process.js';
import { tempDataDir } from './support/server.js';

describe('readable log lines', () => {
  it('puts time, level and message first, the URL to open beside it, then the fields', () => {
    const line = prettyLine(
      {
        level: 30,
        time: '2026-12-02T05:20:31.123Z',
        pid: 7,
        msg: 'lingr is listening',
        url: 'http://127.0.0.1:8080/',
        port: 8080,
        data: '/srv/my data',
      },
      false,
    );
    assert.equal(
      line,
      '05:20:31 INFO  lingr is listening → open http://127.0.0.1:8080/  port=8080 data="/srv/my data"\n',
    );
  });

  it('follows an error with its stack, indented', () => {
    const line = prettyLine(
      {
        level: 50,
        time: '2026-12-02T05:20:31.123Z',
        msg: 'periodic task failed',
        err: { message: 'boom', stack: 'Error: boom\n    at x' },
      },
      false,
    );
    assert.equal(line, '05:20:31 ERROR periodic task failed\n    Error: boom\n        at x\n');
  });

  it('colours only when asked', () => {
    const escape = String.fromCharCode(27);
    assert.ok(prettyLine({ level: 40, msg: 'careful' }, true).includes(`${escape}[33mWARN`));
    assert.ok(!prettyLine({ level: 40, msg: 'careful' }, false).includes(escape));
  });
});

/** Runs `lingr serve` until it says it listens; returns its first line of output. */
function firstLine(env: Record<string, string>, viaTerminal = false): Promise<string> {
  const dataDir = tempDataDir();
  const args = [LINGR_BIN, 'serve', '--port', '0', '--data', dataDir];
  const child = viaTerminal
    ? // `script` gives the server a pseudo-terminal, as a person's shell would.
      spawn('script', ['-qfec', [process.execPath, ...args].join(' '), '/dev/null'], {
        env: { ...process.env, ...env },
      })
    : spawn(process.execPath, args, { env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no output in 10 s')), 10_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      child.once('exit', () => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve(line);
      });
    });
  });
}

describe('what lingr serve prints', () => {
  it('prints JSON lines when nobody reads them at a terminal (a service manager)', async () => {
    const line = await firstLine({ LINGR_LOG_FORMAT: 'auto' });
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.msg, 'lingr is listening');
    assert.match(record.url as string, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('prints readable lines with the URL to open first with --log-format pretty', async () => {
    const line = await firstLine({ LINGR_LOG_FORMAT: 'pretty' });
    assert.match(line, /^\d\d:\d\d:\d\d INFO {2}lingr is listening → open http:\/\/127\.0\.0\.1:\d+\/ /);
  });

  it('prints readable lines on a terminal by itself', async () => {
    const line = await firstLine({ LINGR_LOG_FORMAT: 'auto' }, true);
    assert.match(line, /lingr is listening.*open http:\/\/127\.0\.0\.1:\d+\//);
    assert.throws(() => JSON.parse(line));
  });
});
