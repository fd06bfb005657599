import { loadSettings } from '../src/config/settings.js';
import { openAdministration } from '../src/main.js';

import { BENCH_PASSWORD, benchUser, SPEAKER } from './users.js';

/** A room and the bench users (u{first} .. u{first + count - 1}) who are its members. */
export interface RoomSeed {
  id: string;
  firstUser: number;
  users: number;
}

/** Where the seed goes: a data directory's SQLite file, or the PostgreSQL store several nodes share. */
export interface SeedStore {
  dataDir: string;
  /** postgres://…: seed this store instead of the data directory's. */
  database?: string;
}

/**
 * Writes rooms, their members and the speaker straight into the store. Rooms get disjoint users, so
 * presence in one room never fans out to another room's connections.
 */
export async function seed(store: SeedStore, rooms: readonly RoomSeed[]): Promise<void> {
  // Cheapest allowed scrypt cost: the benchmark measures fan-out, not sign-in.
  const raw = { data: store.dataDir, passwordCost: '10' };
  const { administration: admin, close } = await openAdministration(
    loadSettings(store.database === undefined ? raw : { ...raw, database: store.database }, {}),
  );
  try {
    await admin.addUser({ username: SPEAKER, password: BENCH_PASSWORD });
    const made = new Set<number>();
    for (const room of rooms) {
      await admin.addRoom({ id: room.id, name: `Bench ${room.id}` });
      await admin.join(room.id, SPEAKER);
      for (let n = room.firstUser; n < room.firstUser + room.users; n++) {
        if (!made.has(n)) await admin.addUser({ username: benchUser(n), password: BENCH_PASSWORD });
        made.add(n);
        await admin.join(room.id, benchUser(n));
      }
    }
  } finally {
    await close();
  }
}
