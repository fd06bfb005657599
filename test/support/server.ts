import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type RawSettings } from '../../src/config/settings.js';
import type { Store } from '../../src/core/ports.js';
import type { Administration } from '../../src/engine/administration.js';
import { createLogger } from '../../src/log.js';
import { openAdministration, startServer, type RunningServer } from '../../src/main.js';

export type Json = Record<string, unknown>;

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  /** Administration through a second connection to the same file, exactly as the command line does it. */
  admin: Administration;
  adminStore: Store;
  /** Calls an API method with GET and a query string; returns the parsed body. */
  api(method: string, params?: Record<string, string | number | boolean>): Promise<Json>;
  /** Stops the server gracefully and starts it again on the same port and data, after `downMs` away. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'lingr-test-'));
}

/**
 * Settings for tests: a random port, short holds, cheap password hashing, sign-ins limited only where a test
 * sets the limits; all overridable.
 */
export function testSettings(dataDir: string, overrides: RawSettings = {}) {
  return loadSettings(
    {
      port: '0',
      data: dataDir,
      logLevel: 'silent',
      observeHold: '2',
      passwordCost: '10',
      loginAttempts: '100000',
      hashQueue: '10000',
      ...overrides,
    },
    { LINGR_UNSAFE_SHORT_TIMEOUTS: '1' },
  );
}

export async function startTestServer(
  overrides: RawSettings = {},
  dataDir = tempDataDir(),
): Promise<TestServer> {
  const settings = testSettings(dataDir, overrides);
  let server = await startServer(settings, createLogger('silent'));
  // Administration through a second connection to the same file, exactly as the command line does it.
  const adminSide = await openAdministration(settings);
  const adminStore = adminSide.store;
  const admin = adminSide.administration;
  const url = server.url;
  return {
    get server() {
      return server;
    },
    url,
    dataDir,
    admin,
    adminStore,
    api: (method, params = {}) => getJson(`${url}/api/${method}`, params),
    async restart(downMs = 0) {
      await server.close();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      server = await startServer(
        testSettings(dataDir, { ...overrides, port: String(server.port) }),
        createLogger('silent'),
      );
    },
    async stop() {
      await server.close();
      await adminSide.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function getJson(
  url: string,
  params: Record<string, string | number | boolean> = {},
): Promise<Json> {
  const query = new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const res = await fetch(query ? `${url}?${query}` : url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as Json;
}

/** Waits until `check` passes or the time is up (then throws the last failure). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A user with a room membership and a signed-in session, the usual starting point of a test. */
export async function signedIn(
  t: TestServer,
  username: string,
  rooms: string[] = [],
): Promise<{ session: string; publicId: string }> {
  if (!(await t.adminStore.users.byUsername(username)))
    await t.admin.addUser({
      username,
      password: 'password1',
      name: username[0]?.toUpperCase() + username.slice(1),
    });
  for (const room of rooms) {
    if (!(await t.adminStore.rooms.byId(room))) await t.admin.addRoom({ id: room, name: room.toUpperCase() });
    await t.admin.join(room, username);
  }
  const created = await t.api('session/create', { user: username, password: 'password1' });
  if (created.status !== 'ok') throw new Error(`sign-in failed: ${JSON.stringify(created)}`);
  return { session: created.session as string, publicId: created.public_id as string };
}

/** Stores a line as `say` would, but at a chosen time (through the administration side's store). */
export async function seedLine(
  t: TestServer,
  roomId: string,
  text: string,
  createdAt: number,
): Promise<number> {
  const { message } = await t.adminStore.messages.append({
    roomId,
    type: 'user',
    speakerId: 'alice',
    publicSessionId: 'p',
    nickname: 'Alice',
    text,
    localId: null,
    createdAt,
  });
  return message.id;
}
