import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { databaseFile } from '../src/main.js';
import { migrations as postgresMigrations } from '../src/storage/postgres/migrations.js';
import { openPostgresStore } from '../src/storage/postgres/postgres-store.js';
import { SCHEMA_VERSION } from '../src/storage/sqlite/database.js';
import { startPostgres, type PrivatePostgres } from './support/databases.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { LINGR_BIN, prepare, runLingr, spawnServer, type ServerProcess } from './support/process.js';

/** `lingr doctor ARGS` with extra environment variables (as a service manager would set them). */
function doctor(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [LINGR_BIN, 'doctor', ...args], {
    env: { ...process.env, LINGR_UNSAFE_SHORT_TIMEOUTS: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trimEnd().split('\n') };
}

describe('lingr doctor on a SQLite data directory', () => {
  const dataDir = tempDataDir();
  const elsewhere = tempDataDir();
  let server: ServerProcess | undefined;
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('finds nothing to fix in a sound installation, with a server running on it', async () => {
    prepare(dataDir, [
      ['user', 'add', 'alice', '--password', 'password1'],
      ['room', 'add', 'vim', '--name', 'Vim', '--owner', 'alice'],
    ]);
    server = await spawnServer(dataDir);
    const { session } = await getJson(`${server.url}/api/session/create`, {
      user: 'alice',
      password: 'password1',
    });
    await getJson(`${server.url}/api/room/say`, { session: session as string, room: 'vim', text: 'hello' });

    const r = doctor(['--data', dataDir]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(
      r.lines.map((l) => l.split(':')[0]),
      [
        'ok   settings',
        'ok   server',
        'ok   permissions',
        'ok   disk',
        'ok   schema',
        'ok   integrity',
        'ok   wal',
        'ok   retention',
        'all is well',
      ],
    );
    assert.ok(r.lines.includes(`ok   settings: --data ${dataDir} (flag); the rest default`), r.stdout);
    assert.ok(r.lines.includes(`ok   server: running on it (process ${server.child.pid})`), r.stdout);
    assert.ok(r.lines.includes(`ok   schema: ${SCHEMA_VERSION}, this version's`), r.stdout);
    assert.match(r.stdout, /^ok {3}integrity: integrity_check passes \(\d+\.\d MB\)$/m);
    assert.match(
      r.stdout,
      /^ok {3}retention: events are kept 24 h \(--event-retention\); \d+ in the log, the oldest 0 min old$/m,
    );
  });

  it('says the settings in force as serve would load them, from flags and the environment, passwords masked', () => {
    const r = doctor(['--data', dataDir, '--redis', 'redis://:s3cret@127.0.0.1:6379', '--json'], {
      LINGR_EVENT_RETENTION: '7200',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as {
      healthy: boolean;
      findings: Array<{ check: string; status: string; text: string }>;
      settings: Record<string, { value: string; from: string }>;
    };
    assert.equal(report.healthy, true);
    assert.deepEqual(report.settings.data, { value: dataDir, from: 'flag' });
    assert.deepEqual(report.settings.redis, { value: 'redis://:***@127.0.0.1:6379', from: 'flag' });
    assert.deepEqual(report.settings['event-retention'], { value: '7200', from: 'LINGR_EVENT_RETENTION' });
    assert.deepEqual(report.settings.port, { value: '8080', from: 'default' });
    assert.doesNotMatch(r.stdout, /s3cret/);
    const retention = report.findings.find((f) => f.check === 'retention');
    assert.match(retention?.text ?? '', /^events are kept 2 h /);
    assert.ok(report.findings.every((f) => f.status === 'ok'));

    const wrong = doctor(['--data', dataDir], { LINGR_PORT: 'eighty' });
    assert.equal(wrong.status, 1);
    assert.equal(
      wrong.lines[0],
      'fix  settings: --port (LINGR_PORT) must be a number, not "eighty". (lingr serve would not start)',
    );
    assert.equal(wrong.lines.at(-1), '1 thing to fix');
  });

  it('says what to do about a database others may write or read', () => {
    const file = databaseFile(dataDir);
    chmodSync(file, 0o666);
    const writable = doctor(['--data', dataDir]);
    assert.equal(writable.status, 1);
    assert.ok(
      writable.lines.includes(
        `fix  permissions: ${file} is writable by every user of this machine: chmod o-rw ${file}`,
      ),
      writable.stdout,
    );
    assert.equal(writable.lines.at(-1), '1 thing to fix');
    chmodSync(file, 0o644);
    chmodSync(dataDir, 0o755);
    const readable = doctor(['--data', dataDir, '--json']);
    assert.equal(readable.status, 1);
    const report = JSON.parse(readable.stdout) as { healthy: boolean; findings: Json[] };
    assert.equal(report.healthy, false);
    assert.deepEqual(
      report.findings.filter((f) => f.status === 'fix'),
      [
        {
          check: 'permissions',
          status: 'fix',
          text: `${file} can be read by every user of this machine (password hashes, emails): chmod 700 ${dataDir}`,
        },
      ],
    );
    chmodSync(dataDir, 0o700);
    assert.equal(doctor(['--data', dataDir]).status, 0, 'fixed as it said');
  });

  it('finds a damaged database, and a missing one', () => {
    const damaged = join(elsewhere, 'damaged');
    mkdirSync(damaged, { mode: 0o700 });
    assert.equal(runLingr(['backup', databaseFile(damaged), '--data', dataDir]).status, 0);
    const pageSize = 4096;
    const pages = readFileSync(databaseFile(damaged)).length / pageSize;
    const fd = openSync(databaseFile(damaged), 'r+');
    // Garbage over every page past the first few: the tables and indexes there no longer hold together.
    for (let page = 3; page < pages; page += 2)
      writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, page * pageSize);
    closeSync(fd);
    const r = doctor(['--data', damaged]);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /^fix {2}integrity: integrity_check finds damage \(.+\): stop the server and restore the last good backup \(lingr restore FILE\)$/m,
    );
    const empty = join(elsewhere, 'empty');
    mkdirSync(empty, { mode: 0o700 });
    const none = doctor(['--data', empty]);
    assert.equal(none.status, 1);
    assert.ok(
      none.lines.includes(
        `fix  database: there is no lingr.db in ${empty}: is --data right? (a new installation makes it when it first starts)`,
      ),
      none.stdout,
    );
  });

  it('refuses a newer schema with the line serve says, and leaves the file be', async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    server = undefined;
    const file = databaseFile(dataDir);
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const bytes = readFileSync(file);
    const files = readdirSync(dataDir).sort();
    const r = doctor(['--data', dataDir]);
    assert.equal(r.status, 1);
    assert.ok(
      r.lines.includes(
        `fix  schema: this data was written by a newer Lingr (schema ${SCHEMA_VERSION + 1}, this version knows ${SCHEMA_VERSION}): upgrade Lingr or restore a backup`,
      ),
      r.stdout,
    );
    assert.deepEqual(readFileSync(file), bytes);
    assert.deepEqual(readdirSync(dataDir).sort(), files);
  });

  it('says what it does, with an example in its --help', () => {
    const help = doctor(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: lingr doctor /);
    assert.match(help.stdout, /Example:\n {2}.*lingr doctor --data /);
    const extra = doctor(['now']);
    assert.equal(extra.status, 2);
    assert.equal(
      extra.stderr,
      'lingr: doctor takes no arguments, got "now". (lingr doctor --help for usage)\n',
    );
  });
});

describe('lingr doctor and the schema version on PostgreSQL', () => {
  let postgres: PrivatePostgres;
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await postgres?.destroy();
  });

  it('checks the schema and the event log there, and a newer schema stops every command without a write', async () => {
    const url = await postgres.database('doctor');
    const empty = doctor(['--database', url]);
    assert.equal(empty.status, 0, empty.stdout);
    assert.match(empty.stdout, /^note schema: .* has no schema yet: the first server to start creates it$/m);
    await (await openPostgresStore(url)).close();
    const sound = doctor(['--database', url]);
    assert.equal(sound.status, 0, sound.stdout);
    assert.ok(
      sound.lines.includes(`ok   schema: ${postgresMigrations.length}, this version's`),
      sound.stdout,
    );
    assert.match(sound.stdout, /^ok {3}retention: events are kept 24 h /m);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const newer = postgresMigrations.length + 2;
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [newer]);
      const line = `this data was written by a newer Lingr (schema ${newer}, this version knows ${postgresMigrations.length}): upgrade Lingr or restore a backup`;
      const r = doctor(['--database', url]);
      assert.equal(r.status, 1);
      assert.ok(r.lines.includes(`fix  schema: ${line}`), r.stdout);
      const tables = async () =>
        (
          await client.query<{ t: string }>(
            "SELECT table_name || ':' || column_name AS t FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
          )
        ).rows.map((row) => row.t);
      const before = await tables();
      const add = runLingr(['user', 'add', 'bob', '--password', 'password1', '--database', url]);
      assert.equal(add.status, 1);
      assert.equal(add.stderr, `lingr: ${line}\n`);
      await assert.rejects(openPostgresStore(url), { message: line });
      const versions = await client.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      assert.deepEqual(
        versions.rows.map((row) => row.version),
        [...postgresMigrations.map((_, i) => i + 1), newer],
        'no step was run or recorded',
      );
      assert.deepEqual(await tables(), before);
      assert.equal((await client.query('SELECT count(*)::int AS n FROM users')).rows[0].n, 0);
    } finally {
      await client.end();
    }
  });
});
