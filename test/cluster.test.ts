import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';
import { fresh } from './support/http.js';
import { eventually, tempDataDir } from './support/server.js';

const ROOM = 'cluster';
const PASSWORD = 'secret-pw-1';

const workerPids = (primary: number): number[] =>
  readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);

async function pidsAnswering(base: string, tries = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) pids.add((await fresh(base, '/healthz')).pid as number);
  return pids;
}

interface Reply {
  counter: number;
  events: Array<{ event_id: number; message?: { text: string } }>;
}

/** A WebSocket client that reconnects by itself, resuming from its last counter, and records every line. */
class ResumingClient {
  readonly lines: string[] = [];
  readonly ids: number[] = [];
  counter: number;
  reconnects = 0;
  private ws: WebSocket | undefined;
  private stopped = false;

  constructor(
    private readonly base: string,
    private readonly session: string,
    counter: number,
  ) {
    this.counter = counter;
  }

  open(): Promise<void> {
    const url = `${this.base.replace('http', 'ws')}/api/event/ws?session=${this.session}&counter=${this.counter}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    ws.on('message', (data) => {
      const r = JSON.parse(String(data)) as Reply;
      for (const e of r.events) {
        this.ids.push(e.event_id);
        if (e.message) this.lines.push(e.message.text);
      }
      this.counter = r.counter;
    });
    ws.on('close', () => {
      if (this.stopped) return;
      this.reconnects++;
      setTimeout(() => void this.open().catch(() => undefined), 50);
    });
    ws.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }
}

describe('several worker processes (--workers 2)', () => {
  let server: ServerProcess;
  let base: string;
  const users = ['ann', 'bob', 'cat', 'dan'];

  before(async () => {
    const data = tempDataDir();
    for (const u of users)
      assert.equal(runLingr(['user', 'add', u, '--password', PASSWORD, '--data', data]).status, 0);
    assert.equal(runLingr(['room', 'add', ROOM, '--name', 'Cluster', '--data', data]).status, 0);
    for (const u of users) assert.equal(runLingr(['room', 'join', ROOM, u, '--data', data]).status, 0);
    server = await spawnServer(data, ['--workers', '2']);
    base = server.url;
  });

  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  const signIn = async (user: string): Promise<{ session: string; counter: number }> => {
    const { session } = await fresh(base, '/api/session/create', { user, password: PASSWORD });
    const { counter } = await fresh(base, '/api/room/subscribe', { session: session as string, room: ROOM });
    return { session: session as string, counter: counter as number };
  };

  it('runs two workers that share the port', async () => {
    assert.equal(workerPids(server.child.pid as number).length, 2);
    assert.equal((await pidsAnswering(base)).size, 2);
  });

  it('delivers a line said on one worker to long polls held on every worker', async () => {
    const speaker = await signIn('ann');
    const listeners = await Promise.all(['bob', 'cat', 'dan', 'bob', 'cat', 'dan'].map(signIn));
    // Each listener polls until the line comes (presence events of the others may answer a poll first).
    const heard = listeners.map(async ({ session, counter }) => {
      for (let c = counter; ;) {
        const reply = (await fresh(base, '/api/event/observe', { session, counter: c })) as unknown as Reply;
        c = reply.counter;
        const texts = reply.events.flatMap((e) => (e.message ? [e.message.text] : []));
        if (texts.length > 0) return texts;
      }
    });
    await eventually(async () => {
      const text = await (await fetch(`${base}/metrics?per=worker`)).text();
      const held = [...text.matchAll(/^lingr_connections\{transport="longpoll",worker="(\d)"\} (\d+)/gm)];
      assert.equal(held.length, 2, text.slice(0, 300));
      assert.ok(
        held.every((m) => Number(m[2]) > 0),
        `held per worker: ${held.map((m) => m[2]).join(', ')}`,
      );
      assert.equal(
        held.reduce((n, m) => n + Number(m[2]), 0),
        listeners.length,
      );
    }, 10_000);
    await fresh(base, '/api/room/say', { session: speaker.session, room: ROOM, text: 'to every worker' });
    for (const texts of await Promise.all(heard)) assert.deepEqual(texts, ['to every worker']);
  });

  it('resumes on either worker with every event after the counter, once, in order', async () => {
    const speaker = await signIn('ann');
    const reader = await signIn('bob');
    const said: string[] = [];
    for (let i = 0; i < 8; i++) {
      // Each say on a new connection: they alternate between the workers.
      await fresh(base, '/api/room/say', { session: speaker.session, room: ROOM, text: `line ${i}` });
      said.push(`line ${i}`);
    }
    // Connections go to the workers in turn: three per round moves each round's observe to the other one.
    const answeredNext = new Set<number>();
    for (let i = 0; i < 6; i++) {
      // A worker may not have every line yet: the rest come with the next poll, never twice or out of order.
      const ids: number[] = [];
      const texts: string[] = [];
      for (let counter = reader.counter; texts.length < said.length;) {
        const reply = (await fresh(base, '/api/event/observe', { ...reader, counter })) as unknown as Reply;
        counter = reply.counter;
        ids.push(...reply.events.map((e) => e.event_id));
        texts.push(...reply.events.flatMap((e) => (e.message ? [e.message.text] : [])));
      }
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'in counter order',
      );
      assert.equal(new Set(ids).size, ids.length, 'no duplicates');
      assert.deepEqual(texts, said);
      answeredNext.add((await fresh(base, '/healthz')).pid as number);
      await fresh(base, '/healthz');
    }
    assert.equal(answeredNext.size, 2);
  });

  it('never hands back an event at or before the counter, whichever worker answers', async () => {
    const speaker = await signIn('ann');
    const reader = await signIn('cat');
    let counter = reader.counter;
    for (let i = 0; i < 10; i++) {
      await fresh(base, '/api/room/say', { session: speaker.session, room: ROOM, text: `quick ${i}` });
      let reply: Reply;
      do {
        reply = (await fresh(base, '/api/event/observe', {
          session: reader.session,
          counter,
        })) as unknown as Reply;
        counter = reply.counter;
      } while (!reply.events.some((e) => e.message?.text === `quick ${i}`));
      // Straight away, on the next connection (the other worker): only what comes after.
      const next = fresh(base, '/api/event/observe', { session: reader.session, counter });
      await fresh(base, '/api/room/say', { session: speaker.session, room: ROOM, text: `after ${i}` });
      reply = (await next) as unknown as Reply;
      assert.ok(
        reply.events.every((e) => e.event_id > counter),
        `got ${JSON.stringify(reply.events)}`,
      );
      assert.deepEqual(
        reply.events.flatMap((e) => (e.message ? [e.message.text] : [])),
        [`after ${i}`],
      );
      counter = reply.counter;
    }
  });

  it('restarts a killed worker; its stream clients resume on the others without loss', async () => {
    const speaker = await signIn('ann');
    const clients: ResumingClient[] = [];
    for (const u of ['bob', 'cat', 'dan', 'bob', 'cat', 'dan']) {
      const { session, counter } = await signIn(u);
      const c = new ResumingClient(base, session, counter);
      await c.open();
      clients.push(c);
    }
    const primary = server.child.pid as number;
    const [victim] = workerPids(primary);
    const said: string[] = [];
    const say = async (text: string) => {
      // A connection the primary handed to the worker just as it died is lost with it: retry, as clients do.
      for (let attempt = 1; ; attempt++) {
        try {
          await fresh(base, '/api/room/say', { session: speaker.session, room: ROOM, text }, 3000);
          break;
        } catch (err) {
          if (attempt === 3) throw err;
        }
      }
      said.push(text);
    };
    await say('before the kill');
    process.kill(victim as number, 'SIGKILL');
    for (let i = 0; i < 5; i++) await say(`during ${i}`);
    await eventually(() => {
      const pids = workerPids(primary);
      assert.equal(pids.length, 2);
      assert.ok(!pids.includes(victim as number));
    }, 15_000);
    await say('after the restart');
    await eventually(() => {
      for (const c of clients) assert.deepEqual(c.lines, said);
    }, 15_000);
    assert.ok(
      clients.some((c) => c.reconnects > 0),
      'some clients were on the killed worker',
    );
    for (const c of clients) {
      assert.equal(new Set(c.ids).size, c.ids.length, 'no event twice');
      assert.deepEqual(
        c.ids,
        [...c.ids].sort((a, b) => a - b),
        'in counter order',
      );
      c.close();
    }
    // The new worker takes connections once it listens.
    await eventually(async () => assert.equal((await pidsAnswering(base)).size, 2), 15_000);
  });
});
