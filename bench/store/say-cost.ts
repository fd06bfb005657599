import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NewMessage, Room } from '../../src/core/model.js';
import type { Logger, Store } from '../../src/core/ports.js';
import { startPostgres } from '../../scripts/databases.js';
import { cpuNanoseconds, processTree } from '../proc-tree.js';

/**
 * What one say costs PostgreSQL and the node, measured exactly: lines stored one after another through a
 * store's own append (with the speaker's membership update, as a say does), on the store whose pool ran the
 * migrations and on one opened afterwards, alternating over rounds. CPU is read from
 * /proc/PID/task/TID/schedstat (nanoseconds) over PostgreSQL's whole process tree, and from this process.
 *
 * Run pinned as the sittings are (PostgreSQL is started on core 1):
 *   taskset -c 1 node dist/bench/store/say-cost.js [says per round] [rounds] [dist of another build] [pause ms]
 * With another build's dist directory ('' for this one), that build's store is measured, so a before/after
 * pair can be taken from two checkouts in one sitting. With a pause, the says are spaced as a room's are (S1:
 * 333 ms), so each one finds PostgreSQL and the node asleep, as in the sittings.
 */
const SAYS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 6);
const BUILD = process.argv[4] || undefined;
const PAUSE_MS = Number(process.argv[5] ?? 0);

interface StoreModule {
  openPostgresStore(url: string, options: { log: Logger }): Promise<Store>;
}

/** The append port as builds have had it: this one's appendAsMember; then (m, spokeBy); first (m, event, spokeBy). */
interface AnyMessages {
  appendAsMember?: (m: NewMessage, memberId: number) => Promise<unknown>;
  append: ((m: NewMessage, spokeBy?: number) => Promise<unknown>) &
    ((m: NewMessage, event: (stored: unknown) => unknown, spokeBy?: number) => Promise<unknown>);
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const room: Room = {
  id: 'bench',
  name: 'Bench',
  blurb: null,
  isPublic: true,
  passwordHash: null,
  ownerId: null,
  tags: [],
  timezone: 'UTC',
  createdAt: 1,
};

const line = (i: number): NewMessage => ({
  roomId: room.id,
  type: 'user',
  speakerId: 'speaker',
  publicSessionId: 'pSpeaker',
  nickname: 'Speaker',
  text: `line ${i}: a sentence of ordinary chat length, give or take.`,
  localId: null,
  createdAt: 1_764_000_000_000 + i,
});

/** A member's say as each build stores it (the speaker's membership updated in the same transaction). */
function say(store: Store, m: NewMessage, memberId: number): Promise<unknown> {
  const messages = store.messages as unknown as AnyMessages;
  if (messages.appendAsMember) return messages.appendAsMember(m, memberId);
  return messages.append.length >= 3
    ? messages.append(
        m,
        (stored) => ({
          roomId: m.roomId,
          createdAt: m.createdAt,
          fact: { kind: 'message', message: stored },
        }),
        memberId,
      )
    : messages.append(m, memberId);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const dist = BUILD ? resolve(BUILD) : fileURLToPath(new URL('../..', import.meta.url));
const { openPostgresStore } = (await import(
  pathToFileURL(`${dist}/src/storage/postgres/postgres-store.js`).href
)) as StoreModule;
const server = await startPostgres({ cpus: '1' });
try {
  const migrated = await openPostgresStore(server.url, { log: quiet });
  await migrated.rooms.create(room);
  const speaker = await migrated.users.create({
    username: 'speaker',
    name: 'Speaker',
    passwordHash: 'not a hash',
    createdAt: 1,
  });
  await migrated.rooms.join(
    { roomId: room.id, userId: speaker.id, isOwner: false, joinedAt: 1, lastActiveAt: null },
    (member) => ({
      roomId: room.id,
      createdAt: 1,
      fact: {
        kind: 'membership',
        membership: { ...member, isOwner: false, online: false, action: 'join', since: 1 },
      },
    }),
  );
  const fresh = await openPostgresStore(server.url, { log: quiet });
  const stores = { migrated, fresh };
  const figures: Record<string, { pg: number[]; node: number[] }> = {};
  console.log(`build ${dist}: ${SAYS} says a round, ${ROUNDS} rounds, ${PAUSE_MS} ms between says`);
  for (let round = 0; round < ROUNDS; round++)
    for (const name of round % 2 ? (['fresh', 'migrated'] as const) : (['migrated', 'fresh'] as const)) {
      const pg0 = cpuNanoseconds(processTree([server.pid() ?? 0]));
      const node0 = process.cpuUsage();
      for (let i = 0; i < SAYS; i++) {
        await say(stores[name], line(round * SAYS + i), speaker.id);
        if (PAUSE_MS > 0) await sleep(PAUSE_MS);
      }
      const pg = (cpuNanoseconds(processTree([server.pid() ?? 0])) - pg0) / 1000 / SAYS;
      const used = process.cpuUsage(node0);
      const node = (used.user + used.system) / SAYS;
      (figures[name] ??= { pg: [], node: [] }).pg.push(pg);
      figures[name].node.push(node);
      console.log(
        `round ${round} ${name.padEnd(8)} PostgreSQL ${pg.toFixed(0)} µs/say, node ${node.toFixed(0)} µs/say`,
      );
    }
  for (const [name, f] of Object.entries(figures))
    console.log(
      `median ${name.padEnd(8)} PostgreSQL ${median(f.pg).toFixed(0)} µs/say, node ${median(f.node).toFixed(0)} µs/say`,
    );
  await migrated.close();
  await fresh.close();
} finally {
  await server.destroy();
}
