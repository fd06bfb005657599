import { Admin } from '../src/engine/admin.js';
import { Shapes } from '../src/engine/shapes.js';
import { systemClock } from '../src/core/time.js';
import { databaseFile } from '../src/main.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';

export const BENCH_PASSWORD = 'bench-password';

/** Creates `count` users (u0, u1, ...) who are all members of `room`, straight into the data directory. */
export async function seed(dataDir: string, room: string, count: number): Promise<string[]> {
  const store = openSqliteStore(databaseFile(dataDir));
  try {
    // Cheapest allowed scrypt cost: the benchmark measures fan-out, not sign-in.
    const admin = new Admin(store, new Shapes('http://127.0.0.1'), systemClock, 10);
    await admin.addRoom({ id: room, name: `Bench ${room}` });
    const users: string[] = [];
    for (let i = 0; i < count; i++) {
      const username = `u${i}`;
      await admin.addUser({ username, password: BENCH_PASSWORD });
      await admin.join(room, username);
      users.push(username);
    }
    return users;
  } finally {
    store.close();
  }
}
