import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNginx } from '../bench/nginx-process.js';
import {
  freePort,
  startPostgres,
  startRedis,
  type PrivatePostgres,
  type PrivateRedis,
} from './support/databases.js';
import { apiFrom } from './support/http.js';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { openSocket, openSse, texts, until, type Reply, type SseStream } from './support/streams.js';

/**
 * deploy/nginx.conf as shipped, run by a private nginx in front of three `lingr serve` nodes on one
 * PostgreSQL and one Redis: long poll, Server-Sent Events and WebSocket work through it, requests are
 * spread over the nodes, and a node killed outright costs clients nothing but the node.
 */

const NGINX = '/usr/sbin/nginx';
/** The build compiles only TypeScript: the file is read from the source tree. */
const DEPLOY_CONF = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));
/** Short, so an idle long poll comes back within the test; nginx must wait for any hold up to 50 s. */
const OBSERVE_HOLD_S = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Replaces `pattern` (which must match exactly `times` times) in `text`. */
function substitute(text: string, pattern: RegExp, replace: (n: number) => string, times: number): string {
  let n = 0;
  const out = text.replace(pattern, () => replace(n++));
  assert.equal(n, times, `deploy/nginx.conf: ${pattern} matched ${n} times, not ${times}`);
  return out;
}

/**
 * deploy/nginx.conf with the nodes' addresses, a loopback port and a private access log, inside the main
 * context it expects (events, temp paths under `prefix`). `-g` adds the pid file and the error log.
 */
function nginxConfig(upstreams: readonly string[], port: number, prefix: string): string {
  let site = readFileSync(DEPLOY_CONF, 'utf8');
  site = substitute(
    site,
    /^[ \t]*server 127\.0\.0\.1:808[123]\b/gm,
    (i) => `  server ${upstreams[i] as string}`,
    3,
  );
  site = substitute(site, /^[ \t]*listen 80;$/gm, () => `  listen 127.0.0.1:${port};`, 1);
  site = substitute(site, /\/var\/log\/nginx\/lingr\.access\.log/g, () => join(prefix, 'access.log'), 1);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`)
    .join('\n');
  return `worker_processes 2;\nevents {\n  worker_connections 1024;\n}\nhttp {\n${temp}\n${site}\n}\n`;
}

interface RunningNginx {
  url: string;
  port: number;
  /** The access log so far, one parsed line per request. */
  log(): Array<{ request: string; status: number; upstreams: string[]; upstreamStatuses: string[] }>;
  stop(): Promise<void>;
}

/**
 * Starts nginx on a free loopback port. nginx cannot report a port it picked, so one is chosen here first;
 * if another process takes it in between, a fresh one is tried.
 */
async function startNginx(upstreams: readonly string[]): Promise<RunningNginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOn(upstreams, await freePort());
    } catch (err) {
      if (attempt === 3 || !String(err).includes('in use')) throw err;
    }
  }
}

async function startNginxOn(upstreams: readonly string[], port: number): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'lingr-nginx-'));
  // Started as root, nginx's workers run as an unprivileged user: let them reach their temp dirs.
  chmodSync(prefix, 0o755);
  const conf = join(prefix, 'nginx.conf');
  const errorLog = join(prefix, 'error.log');
  writeFileSync(conf, nginxConfig(upstreams, port, prefix));
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await runNginx({
    command: NGINX,
    args: [
      '-p',
      `${prefix}/`,
      '-e',
      errorLog,
      '-c',
      conf,
      '-g',
      `daemon off; pid ${prefix}/nginx.pid; error_log ${errorLog};`,
    ],
    prefix,
    errorLog,
    name: 'nginx',
    port,
    ready: () =>
      fetch(`${url}/healthz`).then(
        (res) => res.status === 200,
        () => false,
      ),
  });

  return {
    url,
    port,
    log() {
      const file = join(prefix, 'access.log');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const m = /"([^"]*)" (\d+) .* upstream=(.*) upstream_status=(.*)$/.exec(line);
          assert.ok(m, `unexpected access log line: ${line}`);
          return {
            request: m[1] as string,
            status: Number(m[2]),
            upstreams: (m[3] as string).split(/, | : /),
            upstreamStatuses: (m[4] as string).split(/, | : /),
          };
        });
    },
    stop,
  };
}

/** The counter to resume from after these replies, or `from` when there were none. */
const lastCounter = (replies: readonly Reply[], from: number) => replies.at(-1)?.counter ?? from;

/** An SSE client that reconnects from its counter when the server ends the stream with `resubscribe`. */
function resumingSse(url: (counter: number) => string, from: number) {
  const repliesOf = (stream: SseStream) =>
    stream.frames.filter((f) => f.event === undefined).map((f) => JSON.parse(f.data) as Reply);
  /** Replies of the streams that ended. */
  const earlier: Reply[] = [];
  let closed = false;
  let current: SseStream;
  let currentEnded = false;
  const open = (at: number) => {
    const stream = openSse(url(at));
    current = stream;
    currentEnded = false;
    void stream.ended.then(() => {
      currentEnded = true;
      earlier.push(...repliesOf(stream));
      if (!closed && stream.endReason() === 'resubscribe') open(lastCounter(earlier, from));
    });
  };
  open(from);
  return {
    opened: () => current.opened,
    texts: () => texts(currentEnded ? earlier : [...earlier, ...repliesOf(current)]),
    open: () => !closed && !currentEnded,
    async close() {
      closed = true;
      current.close();
      await current.ended;
    },
  };
}

/** A WebSocket client that reconnects from its counter on close code 4100 (reconnect and resume). */
function resumingSocket(url: (counter: number) => string, from: number, origin: string) {
  const replies: Reply[] = [];
  let closed = false;
  let current: ReturnType<typeof openSocket>;
  const open = (at: number) => {
    const socket = openSocket(url(at), origin);
    current = socket;
    socket.ws.on('message', (data) => replies.push(JSON.parse(String(data)) as Reply));
    void socket.closed.then(({ code }) => {
      if (!closed && code === 4100) open(lastCounter(replies, from));
    });
  };
  open(from);
  return {
    opened: () => current.opened,
    texts: () => texts(replies),
    open: () => !closed && current.ws.readyState === current.ws.OPEN,
    async close() {
      closed = true;
      current.ws.close();
      await current.closed;
    },
  };
}

describe('three nodes behind nginx (deploy/nginx.conf)', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let nginx: RunningNginx | undefined;
  const nodes: ServerProcess[] = [];
  const dataDirs: string[] = [];
  const shared = () => ['--database', pg.url, '--redis', redis.url];
  const nodeAddress = (node: ServerProcess) => node.url.replace('http://', '');
  const api = (method: string, params: Record<string, string | number> = {}) =>
    getJson(`${(nginx as RunningNginx).url}/api/${method}`, params);
  const signIn = async (user: string) => {
    const created = await api('session/create', { user, password: 'password1' });
    assert.equal(created.status, 'ok', JSON.stringify(created));
    return created.session as string;
  };
  const subscribe = async (session: string) => {
    const sub = await api('room/subscribe', { session, room: 'vim' });
    assert.equal(sub.status, 'ok', JSON.stringify(sub));
    return sub.counter as number;
  };

  before(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    for (const args of [
      ['user', 'add', 'alice', '--password', 'password1', '--name', 'Alice'],
      ['user', 'add', 'bob', '--password', 'password1'],
      ['user', 'add', 'carol', '--password', 'password1'],
      ['room', 'add', 'vim', '--name', 'Vim', '--owner', 'alice'],
      ['room', 'join', 'vim', 'bob'],
      ['room', 'join', 'vim', 'carol'],
    ]) {
      const r = runLingr([...args, ...shared()]);
      assert.equal(r.status, 0, `lingr ${args.join(' ')}: ${r.stderr}`);
    }
    dataDirs.push(tempDataDir(), tempDataDir(), tempDataDir());
    nodes.push(
      ...(await Promise.all(
        dataDirs.map((dir) =>
          spawnServer(dir, [
            ...shared(),
            '--observe-hold',
            String(OBSERVE_HOLD_S),
            // nginx on loopback: its X-Forwarded-For names the client; two failed sign-ins per client.
            '--trust-proxy',
            '127.0.0.1',
            '--login-failures-address',
            '2',
          ]),
        ),
      )),
    );
    nginx = await startNginx(nodes.map(nodeAddress));
  });
  after(async () => {
    await nginx?.stop();
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await Promise.all([pg?.destroy(), redis?.destroy()]);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('waits for a long poll longer than the longest hold a node may be given (50 s)', () => {
    const conf = readFileSync(DEPLOY_CONF, 'utf8');
    const observe = /location ~ \^\/api\/event\/observe[^{]*\{([^}]*)\}/.exec(conf)?.[1] ?? '';
    const timeout = /proxy_read_timeout (\d+)s;/.exec(observe)?.[1];
    assert.ok(timeout !== undefined, 'the observe location sets proxy_read_timeout in seconds');
    assert.ok(Number(timeout) > 50, `proxy_read_timeout ${timeout}s is not above 50 s`);
  });

  it('spreads requests over the three nodes', async () => {
    const { url } = nginx as RunningNginx;
    const pids = new Set<number>();
    for (let i = 0; i < 12; i++) {
      // Through nginx on loopback, the node counts as monitoring: /healthz names the process.
      const health = (await getJson(`${url}/healthz`)) as Json & { pid: number };
      assert.equal(health.status, 'ok');
      pids.add(health.pid);
    }
    assert.deepEqual(
      [...pids].sort(),
      nodes.map((n) => n.child.pid).sort(),
      'every node answered some of the requests',
    );
    const answered = new Set(
      (nginx as RunningNginx)
        .log()
        .filter((l) => l.request.startsWith('GET /healthz'))
        .flatMap((l) => l.upstreams),
    );
    assert.deepEqual([...answered].sort(), nodes.map(nodeAddress).sort());
  });

  it('limits failed sign-ins per client behind nginx, not for everyone at once', async () => {
    const { url } = nginx as RunningNginx;
    const wrong = (from: string) =>
      apiFrom(url, from, 'session/create', { user: 'carol', password: 'wrong' });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await wrong('127.0.0.2')).code);
    assert.deepEqual(codes, ['invalid_user_credentials', 'invalid_user_credentials', 'rate_limited']);
    // nginx's own address is every client's peer address: only X-Forwarded-For tells them apart.
    assert.equal(
      (await wrong('127.0.0.3')).code,
      'invalid_user_credentials',
      'another client is not refused',
    );
  });

  it('holds an idle long poll through nginx for the whole hold', async () => {
    const bob = await signIn('bob');
    const counter = await subscribe(bob);
    // Bob's own presence may come first; an observe after it has nothing to wait for but the hold.
    let at = counter;
    let idle: (Reply & Json) | undefined;
    let held = 0;
    for (let i = 0; i < 5 && !idle; i++) {
      const started = Date.now();
      const reply = (await api('event/observe', { session: bob, counter: at })) as unknown as Reply & Json;
      held = Date.now() - started;
      if (reply.events.length === 0) idle = reply;
      at = reply.counter;
    }
    assert.ok(idle, 'an observe came back empty');
    assert.equal(idle.status, 'ok', JSON.stringify(idle));
    assert.deepEqual(idle.events, []);
    assert.ok(held >= OBSERVE_HOLD_S * 1000 - 500, `held ${held} ms, not the ${OBSERVE_HOLD_S} s hold`);
  });

  it('delivers a line said through nginx to a held long poll, an SSE stream and a WebSocket, all through nginx', async () => {
    const { url } = nginx as RunningNginx;
    const wsUrl = url.replace('http', 'ws');
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const carol = await signIn('carol');
    const bobAt = await subscribe(bob);
    const carolAt = await subscribe(carol);

    // Like any client, the streams reconnect from their last counter when told to: a session's change made
    // on one node (the subscriptions) reaches the others a moment later and restarts streams held there.
    const sse = resumingSse((at) => `${url}/api/event/stream?session=${carol}&counter=${at}`, carolAt);
    // A browser's Origin names nginx's address: the node accepts it only if nginx passed the client's Host.
    const ws = resumingSocket((at) => `${wsUrl}/api/event/ws?session=${carol}&counter=${at}`, carolAt, url);
    await Promise.all([sse.opened(), ws.opened()]);

    // Long poll, observe after observe (presence lines come first), until the line arrives.
    const polled: Array<{ reply: Reply; sentAt: number }> = [];
    let pendingSince: number | undefined;
    const polling = (async () => {
      let at = bobAt;
      while (!texts(polled.map((p) => p.reply)).includes('through nginx')) {
        const sentAt = Date.now();
        pendingSince = sentAt;
        const reply = (await api('event/observe', { session: bob, counter: at })) as unknown as Reply;
        pendingSince = undefined;
        polled.push({ reply, sentAt });
        at = reply.counter;
        if (polled.length > 20) throw new Error('the line never reached the long poll');
      }
    })();
    // Say once an observe has been held by nginx and a node for a while, well within the hold.
    await until(() => pendingSince !== undefined && Date.now() - pendingSince > 500, 15_000);
    const saidAt = Date.now();
    const said = await api('room/say', { session: alice, room: 'vim', text: 'through nginx' });
    assert.equal(said.status, 'ok', JSON.stringify(said));

    // SSE: the frame arrives promptly while the stream stays open (nginx does not buffer it).
    await until(() => sse.texts().includes('through nginx'), 2000);
    assert.ok(Date.now() - saidAt < 2000, 'the SSE frame came within 2 s');
    await sleep(200);
    assert.equal(sse.open(), true, 'the stream that brought the line is still open');

    await until(() => ws.texts().includes('through nginx'), 2000);
    assert.equal(ws.open(), true, 'the WebSocket that brought the line is still open');

    await polling;
    const last = polled.at(-1) as { reply: Reply; sentAt: number };
    assert.deepEqual(texts([last.reply]), ['through nginx']);
    assert.ok(last.sentAt < saidAt, 'the long poll that got the line was held before it was said');
    assert.deepEqual(texts(polled.map((p) => p.reply)), ['through nginx']);

    await Promise.all([sse.close(), ws.close()]);
  });

  it('keeps observing and saying through the two nodes left when one is killed', async () => {
    const running = nginx as RunningNginx;
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const from = await subscribe(bob);
    const victim = nodes[2] as ServerProcess;
    const dead = nodeAddress(victim);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const logged = running.log().length;

    // Idempotent requests that reach the dead node go on to a live one: none fails.
    for (let i = 0; i < 6; i++) {
      const health = await getJson(`${running.url}/healthz`);
      assert.equal(health.status, 'ok');
      assert.notEqual(health.pid, victim.child.pid);
    }
    const probes = running.log().slice(logged);
    assert.ok(
      probes.some((l) => l.upstreams[0] === dead && l.upstreams.length === 2 && l.status === 200),
      `nginx tried the dead node and went on to another: ${JSON.stringify(probes)}`,
    );

    // Nginx now knows the node is down: every line said goes to the two nodes left.
    const lines = Array.from({ length: 6 }, (_, i) => `after the kill ${i}`);
    for (const text of lines) {
      const said = await api('room/say', { session: alice, room: 'vim', text });
      assert.equal(said.status, 'ok', JSON.stringify(said));
    }
    const seen: string[] = [];
    let at = from;
    for (let i = 0; i < 20 && seen.length < lines.length; i++) {
      const reply = (await api('event/observe', { session: bob, counter: at })) as unknown as Reply;
      seen.push(...texts([reply]));
      at = reply.counter;
    }
    assert.deepEqual(seen, lines);

    const says = running.log().filter((l) => l.request.includes('/api/room/say'));
    assert.ok(says.length >= lines.length + 1);
    for (const say of says) {
      assert.equal(say.upstreams.length, 1, `a say was never sent to a second node: ${JSON.stringify(say)}`);
      assert.equal(say.status, 200);
    }
  });
});
