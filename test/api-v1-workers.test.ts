import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fresh } from './support/http.js';
import { prepare, spawnServer, stopServer, type ServerProcess } from './support/process.js';
import { eventually, tempDataDir } from './support/server.js';

type Json = Record<string, unknown>;
const KEY = 'k';

describe('API 1.0 across worker processes (--workers 2): its state is in the store', () => {
  let server: ServerProcess;
  let base: string;
  const data = tempDataDir();

  before(async () => {
    prepare(data, [['room', 'add', 'hall', '--name', 'Hall']]);
    server = await spawnServer(data, ['--workers', '2', '--observe-hold', '20', '--v1-ticket-life', '5']);
    base = server.url;
  });
  after(() => stopServer(server, data));

  /** Each call on a connection of its own, so calls go to one worker and the next. */
  const call = (method: string, params: Record<string, string | number>) =>
    fresh(base, `/api/${method}`, { ...params, format: 'json' });
  const ok = async (method: string, params: Record<string, string | number>): Promise<Json> => {
    const r = await call(method, params);
    assert.equal(r.status, 'ok', `${method}: ${JSON.stringify(r)}`);
    return r;
  };
  const enter = async (nickname: string) => {
    const { session } = await ok('session/create', { api_key: KEY });
    const r = await ok('room/enter', { session: session as string, id: 'hall', nickname });
    return {
      session: session as string,
      ticket: r.ticket as string,
      counter: (r.room as Json).counter as number,
    };
  };

  it('answers every call on either worker, and a newer observe ends an older one held on the other', async () => {
    const speaker = await enter('Speaker');
    const listener = await enter('Listener');
    for (let i = 0; i < 4; i++) await ok('session/verify', { session: listener.session });
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add((await fresh(base, '/healthz')).pid as number);
    assert.equal(pids.size, 2, 'two workers answer');
    // Each observe, on a connection of its own, replaces the one held before it; with calls spread over
    // both workers, some of them replace one held on the other worker (told through the bus).
    const observe = () =>
      call('room/observe', { session: listener.session, ticket: listener.ticket, counter: listener.counter });
    let held = observe();
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const newer = observe();
      const began = Date.now();
      assert.deepEqual(await held, { status: 'ok' });
      assert.ok(Date.now() - began < 10_000, 'answered at once, not at the end of its 20-second hold');
      held = newer;
    }
    const newer = held;
    await ok('room/say', { session: speaker.session, ticket: speaker.ticket, message: 'across workers' });
    const heard = await newer;
    assert.deepEqual(
      (heard.messages as Json[]).map((m) => m.text),
      ['across workers'],
    );
  });

  it('sweeps an expired ticket once, whichever worker removes it', async () => {
    const watcher = await enter('Watcher');
    await enter('Gone');
    const leaves: Json[] = [];
    await eventually(async () => {
      const r = await ok('room/get_messages', {
        session: watcher.session,
        ticket: watcher.ticket,
        counter: watcher.counter,
      });
      leaves.splice(0, leaves.length, ...(r.messages as Json[]).filter((m) => m.type === 'system:leave'));
      assert.ok(leaves.some((m) => m.nickname === 'Gone'));
    }, 15_000);
    // Both workers sweep; only one of them found the row to remove and said so.
    await new Promise((r) => setTimeout(r, 1000));
    const r = await ok('room/get_messages', {
      session: watcher.session,
      ticket: watcher.ticket,
      counter: watcher.counter,
    });
    assert.equal(
      (r.messages as Json[]).filter((m) => m.type === 'system:leave' && m.nickname === 'Gone').length,
      1,
    );
  });
});
