import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { tempDataDir } from '../support/server.js';
import { storeContract } from './store.contract.js';

storeContract('SQLite (two connections to one file)', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'lingr.db');
  const store = openSqliteStore(file);
  const other = openSqliteStore(file);
  return {
    store,
    other,
    async close() {
      await store.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
