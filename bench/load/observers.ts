import type { Agent } from 'node:http';
import { agentFor, call, callJson } from '../http.js';
import { nowMs } from '../stats.js';
import {
  parseBenchLine,
  type FromLoad,
  type LoadReport,
  type ObserverConfig,
  type ToLoad,
} from './protocol.js';

/**
 * A load-generator process: signs in its users, subscribes, then runs observe loops (long polls) and
 * records say-to-delivery latency of bench lines. Every loop ends by the deadline.
 */
const send = (m: FromLoad): void => void process.send?.(m);

const report: LoadReport = {
  latencies: [],
  deliveries: 0,
  duplicates: 0,
  distinctPerLoop: [],
  errors: 0,
  inFlight: 0,
  loops: 0,
};
let config: ObserverConfig;
let agent: Agent;
const sessions: Array<{ session: string; counter: number }> = [];
let stopped = false;
/** Bench lines seen by each observe loop, to count missing and duplicate deliveries. */
const seenByLoop: Array<Set<number>> = [];

function fail(err: unknown): void {
  report.errors++;
  report.firstError ??= err instanceof Error ? err.message : String(err);
}

async function signIn(): Promise<void> {
  const queue = [...config.users];
  const worker = async () => {
    for (let user = queue.shift(); user !== undefined; user = queue.shift()) {
      const created = await callJson(agent, config.url, '/api/session/create', {
        user,
        password: config.password,
      });
      const session = created.session as string;
      const { counter } = await callJson(agent, config.url, '/api/room/subscribe', {
        session,
        room: config.room,
      });
      sessions.push({ session, counter: counter as number });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function observeLoop(session: string, start: number, index: number): Promise<void> {
  const seen = new Set<number>();
  seenByLoop[index] = seen;
  let counter = start;
  report.loops++;
  while (!stopped && Date.now() < config.deadline) {
    report.inFlight++;
    try {
      const r = await call(agent, config.url, '/api/event/observe', { session, counter });
      const received = nowMs();
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      const body = JSON.parse(r.body) as {
        status: string;
        counter: number;
        events: Array<{ message?: { text: string } }>;
      };
      if (body.status !== 'ok') throw new Error(r.body);
      counter = body.counter;
      for (const e of body.events) {
        const line = e.message && parseBenchLine(e.message.text);
        if (!line) continue;
        report.deliveries++;
        if (seen.has(line.seq)) report.duplicates++;
        else {
          seen.add(line.seq);
          report.latencies.push(received - line.sentAt);
        }
      }
    } catch (err) {
      if (stopped) break;
      fail(err);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      report.inFlight--;
    }
  }
}

async function go(): Promise<void> {
  const total = sessions.length * config.observesPerSession;
  const gapMs = 1000 / config.rampPerSecond;
  const started = Date.now();
  for (let i = 0; i < total && Date.now() < config.deadline; i++) {
    const { session, counter } = sessions[i % sessions.length] as { session: string; counter: number };
    void observeLoop(session, counter, i);
    const due = started + (i + 1) * gapMs;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  send({ type: 'ramped' });
}

process.on('message', (m: ToLoad) => {
  if (m.type === 'start') {
    config = m.config;
    agent = agentFor(config.localAddress);
    signIn().then(
      () => send({ type: 'ready' }),
      (err: unknown) => send({ type: 'failed', error: String(err) }),
    );
  } else if (m.type === 'go') void go();
  else if (m.type === 'report') {
    stopped = true;
    report.distinctPerLoop = seenByLoop.map((seen) => seen.size);
    send({ type: 'report', report });
  }
});

// Never outlive the scenario: the parent going away, or the deadline passing, ends this process.
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  if (config && Date.now() > config.deadline + 120_000) process.exit(0);
}, 5000).unref();
