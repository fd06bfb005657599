import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Store } from '../src/core/ports.js';
import { SessionRegistry } from '../src/engine/session-registry.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { tempDataDir } from './support/server.js';

/** Counts the registry's session reads, to see when it goes to the store. */
function countingExists(store: Store): { reads: number } {
  const counted = { reads: 0 };
  const exists = store.sessions.exists.bind(store.sessions);
  store.sessions.exists = (id: string) => {
    counted.reads++;
    return exists(id);
  };
  return counted;
}

describe('the session registry against a store shared with another process', () => {
  const file = join(tempDataDir(), 'lingr.db');
  const here = openSqliteStore(file);
  // A second connection to the same file commits as another process (the command line) would.
  const elsewhere = openSqliteStore(file);
  after(async () => {
    await here.close();
    await elsewhere.close();
  });
  const counted = countingExists(here);
  const registry = new SessionRegistry(here, 3_600_000, () => undefined);

  it('reads the store only after another process committed, and then once per session', async () => {
    const user = await here.users.create({
      username: 'alice',
      name: 'Alice',
      passwordHash: 'x',
      createdAt: 0,
    });
    const { secret } = await registry.create(user, null, 0);
    assert.ok(await registry.get(secret, 1));
    assert.ok(await registry.get(secret, 2));
    assert.equal(counted.reads, 0, 'nothing changed elsewhere: the session is taken as held');

    await elsewhere.users.create({ username: 'bob', name: 'Bob', passwordHash: 'x', createdAt: 3 });
    assert.ok(await registry.get(secret, 4));
    assert.ok(await registry.get(secret, 5));
    assert.equal(counted.reads, 1, 'one look after the other commit, none after that');
  });

  it('refuses a session that another process ended, on the very next call', async () => {
    const user = await here.users.create({
      username: 'carol',
      name: 'Carol',
      passwordHash: 'x',
      createdAt: 0,
    });
    const { secret, session } = await registry.create(user, null, 10);
    assert.ok(await registry.get(secret, 11));
    await elsewhere.sessions.delete(session.id);
    assert.equal(await registry.get(secret, 12), undefined);
    assert.equal(registry.size, 1, 'forgotten here too (only the first test session is left)');
  });
});
