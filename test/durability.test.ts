import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { runLingr, spawnServer, type ServerProcess } from './support/process.js';

describe('a server process that dies or restarts', () => {
  const dataDir = tempDataDir();
  let server: ServerProcess | undefined;
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps an acknowledged line, the session and its subscriptions across kill -9', async () => {
    assert.equal(runLingr(['user', 'add', 'alice', '--password', 'password1', '--data', dataDir]).status, 0);
    assert.equal(
      runLingr(['room', 'add', 'vim', '--name', 'Vim', '--owner', 'alice', '--data', dataDir]).status,
      0,
    );
    server = await spawnServer(dataDir);
    const api = (m: string, p: Record<string, string | number>) => getJson(`${server!.url}/api/${m}`, p);
    const { session } = await api('session/create', { user: 'alice', password: 'password1' });
    const { counter } = await api('room/subscribe', { session: session as string, room: 'vim' });
    const said = await api('room/say', { session: session as string, room: 'vim', text: 'survive this' });
    assert.equal(said.status, 'ok');
    const id = (said.message as Json).id;

    server.child.kill('SIGKILL');
    assert.equal(await server.exited, 'SIGKILL');
    server = await spawnServer(dataDir);

    const verify = await api('session/verify', { session: session as string });
    assert.equal(verify.status, 'ok', 'the session survived');
    const shown = await api('room/show', { session: session as string, room: 'vim' });
    const messages = ((shown.rooms as Json[])[0] as Json).messages as Json[];
    assert.ok(messages.some((m) => m.id === id && m.text === 'survive this'));
    const archived = await api('room/get_archives', { session: session as string, room: 'vim' });
    assert.ok((archived.messages as Json[]).some((m) => m.id === id));
    // Observing with the old counter and no new subscribe: the subscription survived too.
    const observed = await api('event/observe', { session: session as string, counter: counter as number });
    const lines = (observed.events as Array<{ message?: Json }>).flatMap((e) =>
      e.message ? [e.message] : [],
    );
    assert.deepEqual(
      lines.map((m) => m.id),
      [id],
    );
    // The counter keeps growing after a restart: never reused.
    const next = await api('room/say', { session: session as string, room: 'vim', text: 'after' });
    assert.ok(Number((next.message as Json).id) > Number(id));
  });

  it('answers held observes and exits 0 on SIGTERM', async () => {
    server ??= await spawnServer(dataDir);
    const api = (m: string, p: Record<string, string | number>) => getJson(`${server!.url}/api/${m}`, p);
    const { session } = await api('session/create', { user: 'alice', password: 'password1' });
    const { counter } = await api('room/subscribe', { session: session as string, room: 'vim' });
    const first = await api('event/observe', { session: session as string, counter: counter as number });
    const held = api('event/observe', { session: session as string, counter: first.counter as number });
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill('SIGTERM');
    const reply = await held;
    assert.equal(reply.status, 'ok');
    assert.ok(Array.isArray(reply.events));
    assert.equal(await server.exited, 0);
    server = undefined;
  });
});
