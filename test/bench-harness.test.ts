import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, rotated, spread } from '../bench/compare.js';
import { spawn } from 'node:child_process';
import { defaultPinning, pinningFrom } from '../bench/cpu-pinning.js';
import { cpuSeconds, processesMatching, threadCpu } from '../bench/proc-tree.js';
import { multipartBoundary, multipartParts } from '../bench/peers/nchan.js';
import { wsTextFrame } from '../src/transports/frames.js';
import { StallWatch, STALL_MS } from '../bench/scenarios/room-run.js';
import {
  baselineOf,
  isIrcTarget,
  isLingrTarget,
  isNodesTarget,
  singleNodeOf,
  throughNginx,
} from '../bench/load/lingr/index.js';
import { IRC, ircUrl } from '../bench/load/lingr/irc.js';
import { LineSplitter, missedLines, readServerLine } from '../bench/load/lingr/irc-lines.js';
import { readV1Observe, V1_LONGPOLL, V1_LONGPOLL_NAMED } from '../bench/load/lingr/v1-longpoll.js';
import { subscriberUrl } from '../bench/load/protocol.js';
import { metricValue, metricValues } from '../bench/metrics.js';
import { frontConfig } from '../bench/nginx-front.js';
import { s1 } from '../bench/scenarios/s1.js';
import { s4 } from '../bench/scenarios/s4.js';
import { subscriberUrls } from '../bench/sut.js';

describe('benchmark harness', () => {
  it('reads every part of an Nchan multipart/mixed long-poll reply, and knows a single message', () => {
    const type = 'multipart/mixed; boundary=rapnK8USfBJL/2Tz5p99GdAZbsLiEbN5';
    const b = multipartBoundary(type);
    assert.equal(b, 'rapnK8USfBJL/2Tz5p99GdAZbsLiEbN5');
    assert.equal(multipartBoundary('text/plain'), undefined);
    const body =
      `--${b}\r\nContent-Type: text/plain\r\n\r\ntwo\r\n` +
      `--${b}\r\nContent-Type: text/plain\r\n\r\nthree\nwith line\r\n` +
      `--${b}\r\n\r\n--not a delimiter\r\n` +
      `--${b}--\r\n`;
    assert.deepEqual(multipartParts(body, b as string), ['two', 'three\nwith line', '--not a delimiter']);
  });

  it('frames a text message once, as a server sends it, at each length encoding', () => {
    for (const n of [0, 125, 126, 65_535, 65_536]) {
      const frame = wsTextFrame(Buffer.alloc(n, 0x61));
      assert.equal(frame[0], 0x81, 'final text frame');
      const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
      assert.equal(frame.length, head + n);
      const len = n < 126 ? frame[1] : n < 65_536 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2));
      assert.equal(len, n);
      assert.equal((frame[1] as number) & 0x80, 0, 'unmasked');
    }
  });

  it('counts a gap with a line out and nothing arriving as a stall, and a slow crowd as none', () => {
    const w = new StallWatch(0);
    w.sample(0, 1, 0, 10); // a line is out
    w.sample(1, 1, 300, 40); // everyone has it
    w.sample(1, 1, 300, 2000); // nothing said for a while: not a stall
    w.sample(1, 2, 300, 2001); // the next line is out
    // The crowd is slow (the slowest lacks a line for 1.5 s), but lines keep arriving: not a stall.
    for (let t = 2200; t <= 2000 + 1.5 * STALL_MS; t += 200) w.sample(1, 2, 300 + t / 10, t);
    assert.equal(w.stalledMs, 0);
    const quiet = 2000 + Math.floor((1.5 * STALL_MS) / 200) * 200; // the last time a line arrived
    w.sample(1, 3, 300 + quiet / 10, quiet + 100);
    w.sample(3, 3, 900, quiet + 3 * STALL_MS); // nothing arrived for 3 STALL_MS: a stall
    assert.equal(w.stalledMs, 3 * STALL_MS);
    w.sample(3, 4, 900, quiet + 4 * STALL_MS);
    // Still out when the run ends, nothing arriving since: a stall to the end.
    assert.equal(w.finish(3, 4, quiet + 6 * STALL_MS), 3 * STALL_MS + 3 * STALL_MS);
  });

  it('summarizes rounds as median and spread, and rotates the order each round', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.deepEqual(spread([90, 100, 110]), { median: 100, min: 90, max: 110, spreadPercent: 10 });
    assert.deepEqual(rotated(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
    assert.deepEqual(rotated(['a', 'b', 'c'], 3), ['a', 'b', 'c']);
  });

  it('finds a process by its command line and reads its threads, the busy main thread apart', async () => {
    const marker = `thread-cpu-probe-${process.pid}`;
    // A child that spins its main thread for a while, named by an argument no other process has.
    const child = spawn(process.execPath, [
      '-e',
      'const t = Date.now() + 400; while (Date.now() < t);',
      marker,
    ]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const pids = processesMatching(new RegExp(marker));
      assert.deepEqual(pids, [child.pid]);
      const threads = threadCpu(pids);
      const main = threads.find((t) => t.tid === child.pid);
      assert.ok(main, 'the main thread is listed');
      assert.ok(threads.length > 1, 'V8 and libuv threads are listed too');
      assert.ok(main.user + main.system > 0, 'the spinning main thread has used CPU');
    } finally {
      child.kill();
    }
  });

  it('counts in a process tree the CPU of children that ended, as PostgreSQL backends do', async () => {
    // The child runs a grandchild that uses 300 ms of CPU and ends, then says so and waits.
    const burn = 'while (process.cpuUsage().user < 300000);';
    const child = spawn(process.execPath, [
      '-e',
      `require('node:child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(burn)}]);` +
        `process.stdout.write('done'); setTimeout(() => {}, 10000);`,
    ]);
    try {
      await new Promise((resolve, reject) => {
        child.stdout.once('data', resolve);
        child.once('exit', reject);
      });
      assert.ok(cpuSeconds([child.pid as number]) >= 0.29, 'the ended grandchild’s 300 ms are counted');
    } finally {
      child.kill();
    }
  });

  it('pins the server to the last core and the load to the others, or as told', () => {
    const two = defaultPinning(2);
    if (two.server !== undefined) {
      assert.deepEqual(two, { server: '1', load: '0' });
      assert.deepEqual(defaultPinning(4), { server: '3', load: '0-2' });
    }
    assert.deepEqual(defaultPinning(1), { server: undefined, load: undefined });
    assert.deepEqual(pinningFrom('none', 'none'), { server: undefined, load: undefined });
    assert.deepEqual(pinningFrom('2-3', '0,1'), { server: '2-3', load: '0,1' });
    assert.throws(() => pinningFrom('core one', undefined), /--server-cpus takes a core list/);
  });

  it('names the several-node targets, runs them by name only, and spreads subscribers over the nodes', () => {
    for (const t of ['lingr-nodes-ws', 'lingr-nodes-sse', 'lingr-nodes-longpoll', 'lingr-nodes-nginx-ws'])
      assert.ok(isLingrTarget(t) && isNodesTarget(t), t);
    assert.equal(isNodesTarget('lingr-ws'), false);
    assert.equal(singleNodeOf('lingr-nodes-nginx-ws'), 'lingr-ws');
    assert.equal(singleNodeOf('lingr-nodes-longpoll'), 'lingr-longpoll');
    assert.equal(throughNginx('lingr-nodes-nginx-sse'), true);
    assert.equal(throughNginx('lingr-nodes-sse'), false);
    // --target lingr and all must not grow: the nodes are started only when named.
    for (const scenario of [s1, s4]) assert.deepEqual(scenario.ours.filter(isNodesTarget), []);
    const urls = ['http://a', 'http://b', 'http://c'];
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => subscriberUrl({ url: 'http://a', urls }, i)),
      ['http://a', 'http://b', 'http://c', 'http://a', 'http://b'],
    );
    assert.equal(subscriberUrl({ url: 'http://one' }, 7), 'http://one');
  });

  it('runs API 1.0 long poll by name only, against API 2.0 long poll, counting user lines alone', () => {
    assert.ok(isLingrTarget(V1_LONGPOLL));
    assert.equal(isNodesTarget(V1_LONGPOLL), false);
    assert.equal(baselineOf(V1_LONGPOLL), 'lingr-longpoll');
    assert.ok(isLingrTarget(V1_LONGPOLL_NAMED));
    assert.equal(baselineOf(V1_LONGPOLL_NAMED), 'lingr-longpoll');
    assert.equal(baselineOf('lingr-nodes-nginx-ws'), 'lingr-ws');
    assert.equal(baselineOf('lingr-longpoll'), undefined);
    for (const scenario of [s1, s4]) assert.ok(!scenario.ours.includes(V1_LONGPOLL));
    assert.deepEqual(readV1Observe({ status: 'ok' }), { ok: true, counter: undefined, lines: [] });
    const reply = {
      status: 'ok',
      counter: 9,
      messages: [
        { type: 'system:enter', text: 'u1 has entered' },
        { type: 'user', text: 'bench:1:2.000' },
        { type: 'private', text: 'bench:2:2.000' },
      ],
    };
    assert.deepEqual(readV1Observe(reply), { ok: true, counter: 9, lines: ['bench:1:2.000'] });
    assert.equal(
      readV1Observe({ status: 'fail', error: { code: 109, message: 'invalid ticket' } }).ok,
      false,
    );
  });

  it('runs IRC by name only, against WebSocket, its subscribers on the IRC port and the idle crowd on HTTP', () => {
    assert.ok(isLingrTarget(IRC) && isIrcTarget(IRC));
    assert.equal(isNodesTarget(IRC), false);
    assert.equal(isIrcTarget('lingr-ws'), false);
    assert.equal(baselineOf(IRC), 'lingr-ws');
    for (const scenario of [s1, s4]) assert.ok(!scenario.ours.includes(IRC));
    const sut = { urls: ['http://127.0.0.1:4000'], ircUrl: ircUrl('127.0.0.1', 6697) };
    assert.deepEqual(subscriberUrls(sut, IRC), ['irc://127.0.0.1:6697']);
    // s2 and the sweep hold their idle connections over HTTP beside an IRC room.
    assert.deepEqual(subscriberUrls(sut, 'lingr-mixed'), ['http://127.0.0.1:4000']);
    assert.throws(() => subscriberUrls({ urls: sut.urls }, IRC), /needs a server that serves IRC/);
  });

  it('reads IRC lines as a bare client: tags and host skipped, the last parameter whole, lines cut at CR LF', () => {
    assert.deepEqual(readServerLine(':speaker!speaker@lingr PRIVMSG #lingr2007 :bench:3:17.250'), {
      from: 'speaker',
      command: 'PRIVMSG',
      params: ['#lingr2007', 'bench:3:17.250'],
    });
    assert.deepEqual(readServerLine('@time=2026-01-01T00:00:00.000Z :u1!u1@lingr privmsg #r :a  b :c'), {
      from: 'u1',
      command: 'PRIVMSG',
      params: ['#r', 'a  b :c'],
    });
    assert.deepEqual(readServerLine('PING :lingr.example'), {
      from: undefined,
      command: 'PING',
      params: ['lingr.example'],
    });
    assert.deepEqual(readServerLine(':lingr PONG lingr joined'), {
      from: 'lingr',
      command: 'PONG',
      params: ['lingr', 'joined'],
    });
    assert.equal(readServerLine(''), undefined);
    const split = new LineSplitter();
    assert.deepEqual(split.push(':a PRIVMSG #r :one\r\n:a PRIVMSG #r :t'), [':a PRIVMSG #r :one']);
    assert.deepEqual(split.push('wo\r'), []);
    assert.deepEqual(split.push('\nPING x\n'), [':a PRIVMSG #r :two', 'PING x']);
  });

  it('takes from the replay on a reconnect only the lines after the last one the client had', () => {
    const replayed = ['bench:1:1', 'bench:2:1', 'bench:3:1', 'bench:4:1'];
    assert.deepEqual(missedLines(replayed, 'bench:2:1'), ['bench:3:1', 'bench:4:1']);
    assert.deepEqual(missedLines(replayed, 'bench:4:1'), []);
    // More were missed than are replayed, or none was had yet: all of them.
    assert.deepEqual(missedLines(replayed, 'bench:0:1'), replayed);
    assert.deepEqual(missedLines(replayed, undefined), replayed);
  });

  it('reads one label set of a metric, each worker apart', () => {
    const text = [
      '# HELP lingr_bus_lag_seconds From a bus message being published to this node receiving it.',
      'lingr_bus_lag_seconds{which="last",worker="1"} 0.01',
      'lingr_bus_lag_seconds{which="max",worker="1"} 0.04',
      'lingr_bus_lag_seconds{worker="2",which="max"} 0.02',
      'lingr_bus_lag_seconds_total 5',
    ].join('\n');
    assert.deepEqual(metricValues(text, 'lingr_bus_lag_seconds', { which: 'max' }), [0.04, 0.02]);
    assert.equal(metricValue(text, 'lingr_bus_lag_seconds'), 0.07);
    assert.equal(metricValue(text, 'lingr_nothing'), undefined);
  });

  it('puts deploy/nginx.conf in front of the bench nodes with only addresses, port, paths and limits changed', () => {
    const nodes = ['127.0.0.1:41001', '127.0.0.1:41002', '127.0.0.1:41003'];
    const conf = frontConfig(nodes, 42000, '/tmp/front', 2);
    for (const node of nodes) assert.match(conf, new RegExp(`server ${node} max_fails=1 fail_timeout=10s;`));
    assert.match(conf, /listen 127\.0\.0\.1:42000 reuseport;/);
    assert.match(conf, /access_log off;/);
    assert.match(conf, /worker_processes 2;/);
    assert.match(conf, /least_conn;/);
    assert.doesNotMatch(conf, /127\.0\.0\.1:808[123]|listen 80;|\/var\/log/);
    assert.throws(() => frontConfig(nodes.slice(0, 2), 42000, '/tmp/front', 2), /matched 3 times, not 2/);
  });
});
