import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Random } from './support/fuzz.js';
import { signedIn, startTestServer, type TestServer } from './support/server.js';
import { openSocket, openSse, type Reply } from './support/streams.js';

/** Drops per client: CI's size by default; LINGR_RESUME_DROPS=20 for the figures in RELIABILITY.md. */
const DROPS = Number(process.env.LINGR_RESUME_DROPS ?? 8);
const LINES = Number(process.env.LINGR_RESUME_LINES ?? 300);
const CLIENTS = 4;
const SEED = Number(process.env.LINGR_RESUME_SEED ?? 3);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one client saw: message texts in order, from every connection it made. */
interface Ledger {
  texts: string[];
  counter: number;
  connections: number;
}

function record(ledger: Ledger, reply: Reply): void {
  for (const e of reply.events) if (e.message) ledger.texts.push(e.message.text as string);
  ledger.counter = Math.max(ledger.counter, reply.counter);
}

/** One long poll that the client may abandon (drop) before it is answered. */
function observe(base: string, session: string, counter: number) {
  let abandon: () => void = () => undefined;
  const reply = new Promise<Reply | undefined>((resolve) => {
    const req = request(
      `${base}/api/event/observe?session=${session}&counter=${counter}`,
      { agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(JSON.parse(body) as Reply));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    abandon = () => req.destroy();
    req.end();
  });
  return { reply, abandon: () => abandon() };
}

type Transport = 'longpoll' | 'sse' | 'websocket';

/** Follows the room over `transport` until `done()`, dropping its connection at the times in `drops`. */
async function follow(
  t: TestServer,
  transport: Transport,
  session: string,
  start: number,
  drops: number[],
  done: (ledger: Ledger) => boolean,
): Promise<Ledger> {
  const ledger: Ledger = { texts: [], counter: start, connections: 0 };
  const began = performance.now();
  const nextDrop = () => (drops.length > 0 ? (drops[0] as number) - (performance.now() - began) : Infinity);
  while (!done(ledger)) {
    ledger.connections++;
    const wait = Math.max(0, nextDrop());
    if (transport === 'longpoll') {
      const poll = observe(t.url, session, ledger.counter);
      const timer = setTimeout(poll.abandon, wait === Infinity ? 60_000 : wait);
      const reply = await poll.reply;
      clearTimeout(timer);
      if (reply) record(ledger, reply);
      else drops.shift();
      continue;
    }
    if (transport === 'sse') {
      const url = `${t.url}/api/event/stream?session=${session}`;
      const stream = openSse(url, { 'last-event-id': String(ledger.counter) });
      let seen = 0;
      const until = performance.now() + (wait === Infinity ? 60_000 : wait);
      while (!done(ledger) && performance.now() < until) {
        for (const f of stream.frames.slice(seen)) if (!f.event) record(ledger, JSON.parse(f.data) as Reply);
        seen = stream.frames.length;
        await pause(5);
      }
      stream.close();
      await stream.ended;
      for (const f of stream.frames.slice(seen)) if (!f.event) record(ledger, JSON.parse(f.data) as Reply);
      drops.shift();
      continue;
    }
    const socket = openSocket(
      `${t.url.replace('http', 'ws')}/api/event/ws?session=${session}&counter=${ledger.counter}`,
    );
    // A drop comes after the socket is open: dropping a connection still being made proves nothing.
    await socket.opened;
    const until = performance.now() + (wait === Infinity ? 60_000 : wait);
    let seen = 0;
    while (!done(ledger) && performance.now() < until && socket.ws.readyState <= socket.ws.OPEN) {
      for (const r of socket.replies.slice(seen)) record(ledger, r);
      seen = socket.replies.length;
      await pause(5);
    }
    socket.ws.terminate();
    await socket.closed;
    for (const r of socket.replies.slice(seen)) record(ledger, r);
    drops.shift();
  }
  return ledger;
}

describe('resuming after random drops', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sayPerMinute: '1000000', callsPerMinute: '1000000', observeHold: '1' });
  });
  after(() => t.stop());

  for (const transport of ['longpoll', 'sse', 'websocket'] as const)
    it(`${transport}: ${CLIENTS} clients, ${DROPS} drops each, lose, double and reorder nothing`, async (tc) => {
      const room = `resume_${transport}`;
      const speaker = await signedIn(t, `speaker_${transport}`, [room]);
      const r = new Random(SEED);
      const said: string[] = [];
      let saying = true;
      // Lines go out over about three seconds; drops fall anywhere in that time.
      const span = LINES * 10;
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, async (_, i) => {
          const me = await signedIn(t, `reader_${transport}_${i}`, [room]);
          const { counter } = await t.api('room/subscribe', { session: me.session, room });
          const drops = Array.from({ length: DROPS }, () => r.int(span)).sort((a, b) => a - b);
          return { session: me.session, counter: counter as number, drops };
        }),
      );
      // A client stops once the speaker is done and it holds as many lines as were said, or at a deadline.
      // A failing client must not leave the others running for ever.
      let stopAt = performance.now() + 120_000;
      const done = (l: Ledger) => (!saying && l.texts.length >= said.length) || performance.now() > stopAt;
      const following = clients.map((c) => follow(t, transport, c.session, c.counter, [...c.drops], done));
      let last = 0;
      for (let i = 0; i < LINES; i++) {
        const text = `${transport} ${i}`;
        const reply = await t.api('room/say', { session: speaker.session, room, text });
        assert.equal(reply.status, 'ok');
        said.push(text);
        last = Number((reply.message as { id: string }).id);
        await pause(10);
      }
      assert.ok(last > 0);
      saying = false;
      stopAt = performance.now() + 10_000;
      const results = await Promise.all(following);
      for (const [i, ledger] of results.entries()) {
        const lost = said.filter((s) => !ledger.texts.includes(s));
        assert.deepEqual(lost, [], `client ${i} lost ${lost.length} lines`);
        assert.deepEqual(ledger.texts, said, `client ${i} got lines twice or out of order`);
      }
      tc.diagnostic(
        `${transport}: ${said.length} lines, connections per client ${results.map((l) => l.connections).join(', ')}`,
      );
    });
});
