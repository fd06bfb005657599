import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { databaseFile } from '../src/main.js';
import { SCHEMA_VERSION } from '../src/storage/sqlite/database.js';
import { getJson, tempDataDir, type Json } from './support/server.js';
import { LINGR_BIN, prepare, runLingr, spawnServer, type ServerProcess } from './support/process.js';

/** `lingr ARGS` as a process of its own, awaited without blocking this one (a server here keeps serving). */
function lingrAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [LINGR_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

/** The texts of a room's lines in a database file, read directly; and SQLite's verdict on the file. */
function readBack(file: string, room: string): { integrity: string; texts: Set<string> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((r) => r.integrity_check)
      .join('; ');
    const rows = db.prepare('SELECT text FROM messages WHERE room_id = ?').all(room) as Array<{
      text: string;
    }>;
    return { integrity, texts: new Set(rows.map((r) => r.text)) };
  } finally {
    db.close();
  }
}

const api = (server: ServerProcess, method: string, params: Record<string, string | number>) =>
  getJson(`${server.url}/api/${method}`, params);

async function signIn(server: ServerProcess, user: string): Promise<string> {
  const created = await api(server, 'session/create', { user, password: 'password1' });
  assert.equal(created.status, 'ok', JSON.stringify(created));
  return created.session as string;
}

describe('lingr backup', () => {
  const dataDir = tempDataDir();
  const elsewhere = tempDataDir();
  let server: ServerProcess | undefined;
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('copies a database under a write load into a whole one that holds every line acknowledged before it began', async () => {
    prepare(dataDir, [
      ['user', 'add', 'alice', '--password', 'password1'],
      ['room', 'add', 'busy', '--name', 'Busy', '--owner', 'alice'],
    ]);
    server = await spawnServer(dataDir, ['--say-limit', '1000000', '--call-limit', '1000000']);
    const session = await signIn(server, 'alice');
    const acknowledged: Array<{ text: string; at: number }> = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const said = await api(server!, 'room/say', { session, room: 'busy', text: `line ${n}` });
        if (said.status === 'ok') acknowledged.push({ text: `line ${n}`, at: Date.now() });
      }
    })();
    while (acknowledged.length < 50) await new Promise((r) => setTimeout(r, 10));
    const file = join(elsewhere, 'busy.db');
    const began = Date.now();
    const taken = await lingrAsync(['backup', file, '--data', dataDir]);
    const ended = Date.now();
    writing = false;
    await writer;

    assert.equal(taken.status, 0, taken.stderr);
    assert.match(
      taken.stdout,
      new RegExp(`^backed up .*lingr\\.db to ${file}: .*schema ${SCHEMA_VERSION}.*\\n$`),
    );
    assert.equal(taken.stderr, '', 'no progress when stderr is not a terminal');
    const during = acknowledged.filter((a) => a.at > began && a.at < ended);
    assert.ok(during.length > 0, 'the server went on acknowledging lines while the backup ran');

    const restoredDir = join(elsewhere, 'restored');
    const restored = runLingr(['restore', file, '--data', restoredDir]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stdout, /^restored .*lingr\.db from .*busy\.db: .*1 user, 1 room, counter \d+\n$/);
    const back = readBack(databaseFile(restoredDir), 'busy');
    assert.equal(back.integrity, 'ok');
    const before = acknowledged.filter((a) => a.at <= began);
    assert.ok(before.length >= 50);
    const lost = before.filter((a) => !back.texts.has(a.text)).map((a) => a.text);
    assert.deepEqual(lost, [], 'every line acknowledged before the backup began is in it');
    // No half-written copies are left beside either file.
    assert.deepEqual(readdirSync(elsewhere).sort(), ['busy.db', 'restored']);
    assert.deepEqual(readdirSync(restoredDir), ['lingr.db']);
  });

  it('refuses an existing file without --force and replaces it with --force', () => {
    const file = join(elsewhere, 'taken.db');
    writeFileSync(file, 'keep me');
    const refused = runLingr(['backup', file, '--data', dataDir]);
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      `lingr: ${file} exists: name another file, or give --force to replace it.\n`,
    );
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
    const forced = runLingr(['backup', file, '--data', dataDir, '--force', '--json']);
    assert.equal(forced.status, 0, forced.stderr);
    const said = JSON.parse(forced.stdout) as Json;
    assert.equal(said.file, file);
    assert.equal(said.schema, SCHEMA_VERSION);
    assert.equal(said.users, 1);
    assert.equal(readBack(file, 'busy').integrity, 'ok');
    const itself = runLingr(['backup', databaseFile(dataDir), '--data', dataDir, '--force']);
    assert.equal(itself.status, 1);
    assert.match(itself.stderr, /is the database itself/);
  });

  it('says how to use pg_dump for a PostgreSQL store, without its password', () => {
    const r = runLingr(['backup', 'x.dump', '--database', 'postgres://lingr:s3cret@db.example:5432/lingr']);
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^lingr: the store is PostgreSQL/);
    assert.ok(
      r.stderr.includes(
        "pg_dump --format=custom --file=lingr-$(date +%F).dump 'postgres://lingr@db.example:5432/lingr'",
      ),
      r.stderr,
    );
    assert.doesNotMatch(r.stderr, /s3cret/);
    const back = runLingr(['restore', 'x.dump', '--database', 'postgres://lingr:s3cret@db.example/lingr']);
    assert.notEqual(back.status, 0);
    assert.match(
      back.stderr,
      /pg_restore --clean --if-exists --no-owner --dbname='postgres:\/\/lingr@db\.example\/lingr'/,
    );
    assert.doesNotMatch(back.stderr, /s3cret/);
  });

  it('says what it needs, with an example in its --help', () => {
    for (const command of ['backup', 'restore']) {
      const help = runLingr([command, '--help']);
      assert.equal(help.status, 0);
      assert.match(help.stdout, new RegExp(`^Usage: lingr ${command} FILE`));
      assert.match(help.stdout, new RegExp(`Example:\\n(.*\\n)*  lingr ${command} /var/backups/`));
      const none = runLingr([command, '--data', dataDir]);
      assert.equal(none.status, 2);
      assert.equal(
        none.stderr,
        `lingr: ${command} needs exactly one FILE, got 0. (lingr ${command} --help for usage)\n`,
      );
      const unknown = runLingr([command, 'x.db', '--frobnicate']);
      assert.equal(unknown.status, 2);
      assert.equal(unknown.stderr.split('\n').length, 2, 'one line');
    }
    const missing = runLingr(['backup', join(elsewhere, 'x.db'), '--data', join(elsewhere, 'nothing')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^lingr: there is no lingr\.db in .*nothing/);
  });
});

describe('lingr restore', () => {
  const dataDir = tempDataDir();
  const elsewhere = tempDataDir();
  const file = join(elsewhere, 'before.db');
  let server: ServerProcess | undefined;
  after(() => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  const rooms = (dir: string): string[] => {
    const db = new Database(databaseFile(dir), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT id FROM rooms ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
    } finally {
      db.close();
    }
  };

  it('refuses a database a server runs on, and replaces it with --force', async () => {
    prepare(dataDir, [
      ['user', 'add', 'alice', '--password', 'password1'],
      ['room', 'add', 'kept', '--name', 'Kept', '--owner', 'alice'],
    ]);
    server = await spawnServer(dataDir);
    assert.equal(runLingr(['backup', file, '--data', dataDir]).status, 0);
    prepare(dataDir, [['room', 'add', 'later', '--name', 'Later', '--owner', 'alice']]);

    const refused = runLingr(['restore', file, '--data', dataDir]);
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      `lingr: a server (process ${server.child.pid}) is running on ${dataDir}: stop it, then restore ` +
        '(or give --force to replace it anyway).\n',
    );
    const session = await signIn(server, 'alice');
    const later = await api(server, 'room/show', { session, room: 'later' });
    assert.equal(later.status, 'ok', 'the running server still serves what it had');

    const forced = runLingr(['restore', file, '--data', dataDir, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(
      forced.stderr,
      /^lingr: replaced anyway \(--force\): a server \(process \d+\) is running on .*: restart it now\.\n$/,
    );
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    server = await spawnServer(dataDir);
    const again = await signIn(server, 'alice');
    assert.equal((await api(server, 'room/show', { session: again, room: 'kept' })).status, 'ok');
    assert.equal(
      (await api(server, 'room/show', { session: again, room: 'later' })).code,
      'not_found',
      'the restarted server serves the backup, from before "later" was made',
    );
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    server = undefined;
    assert.equal(existsSync(join(dataDir, 'lingr.pid')), false, 'a stopped server leaves no pid behind');
  });

  it('replaces the database of a stopped server, whatever a killed one left behind', () => {
    prepare(dataDir, [['room', 'add', 'after', '--name', 'After', '--owner', 'alice']]);
    assert.deepEqual(rooms(dataDir), ['after', 'kept']);
    // What a server killed with SIGKILL leaves: its pid, of a process long gone.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dataDir, 'lingr.pid'), `${gone}\n`);
    const r = runLingr(['restore', file, '--data', dataDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(rooms(dataDir), ['kept']);
  });

  it('refuses while any other process has the database open, a pid file or not', () => {
    const db = new Database(databaseFile(dataDir), { fileMustExist: true });
    try {
      // As every Lingr process opens it: in WAL mode, where an idle connection is still seen.
      db.pragma('journal_mode = WAL');
      db.prepare('SELECT count(*) FROM rooms').get();
      const r = runLingr(['restore', file, '--data', dataDir]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^lingr: .*lingr\.db is open in another process .*--force.*\n$/);
    } finally {
      db.close();
    }
  });

  it('refuses a file that is not a whole Lingr database of a schema it knows, and leaves the database be', () => {
    const target = databaseFile(dataDir);
    const before = readFileSync(target);
    const text = join(elsewhere, 'notes.txt');
    writeFileSync(
      text,
      'not a database at all, but long enough to have a header of a hundred bytes or so.'.repeat(3),
    );
    const other = join(elsewhere, 'other.db');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    const newer = join(elsewhere, 'newer.db');
    assert.equal(runLingr(['backup', newer, '--data', dataDir]).status, 0);
    const bump = new Database(newer);
    bump.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    bump.close();
    const torn = join(elsewhere, 'torn.db');
    writeFileSync(torn, readFileSync(file).subarray(0, 8192));
    const cases: Array<[string, RegExp]> = [
      [text, /is not a SQLite database\.$/],
      [other, /is a SQLite database but not Lingr's \(it has no meta\)\.$/],
      [
        newer,
        /was written by a newer Lingr \(schema \d+, this version knows \d+\): upgrade Lingr to restore it\.$/,
      ],
      [torn, /fails SQLite's integrity check .*: it cannot be restored\.$|is not a SQLite database/],
      [join(elsewhere, 'absent.db'), /there is no file .*absent\.db to restore\.$/],
    ];
    for (const [bad, reason] of cases) {
      const r = runLingr(['restore', bad, '--data', dataDir]);
      assert.equal(r.status, 1, bad);
      assert.match(r.stderr.trimEnd(), new RegExp(`^lingr: .*${reason.source}`), bad);
      assert.equal(r.stderr.split('\n').length, 2, 'one line');
    }
    assert.deepEqual(readFileSync(target), before);
  });
});

describe('a database written by a newer Lingr', () => {
  const dataDir = tempDataDir();
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the server and every command with one clear line, and is never written to', async () => {
    prepare(dataDir, [
      ['user', 'add', 'alice', '--password', 'password1'],
      ['room', 'add', 'vim', '--name', 'Vim', '--owner', 'alice'],
    ]);
    const file = databaseFile(dataDir);
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
    db.close();
    const bytes = readFileSync(file);
    const files = readdirSync(dataDir).sort();
    const line = new RegExp(
      `^lingr: this data was written by a newer Lingr \\(schema ${SCHEMA_VERSION + 3}, this version knows ${SCHEMA_VERSION}\\): upgrade Lingr or restore a backup\\n$`,
    );

    await assert.rejects(spawnServer(dataDir), (err: Error) => {
      assert.match(err.message, /^server exited with 1: /);
      assert.match(err.message.replace(/^server exited with 1: /, ''), line);
      return true;
    });
    const commands = [
      ['user', 'add', 'bob', '--password', 'password1'],
      ['room', 'add', 'emacs', '--name', 'Emacs'],
      ['room', 'join', 'vim', 'alice'],
      ['backup', join(dataDir, '..', `newer-${process.pid}.db`)],
    ];
    for (const args of commands) {
      const r = runLingr([...args, '--data', dataDir]);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, line, args.join(' '));
    }
    const copy = runLingr(['copy', '--from', dataDir, '--to', 'postgres://nobody:x@127.0.0.1:1/none']);
    assert.equal(copy.status, 1);
    assert.match(copy.stderr, line);
    assert.deepEqual(readFileSync(file), bytes, 'the file is byte for byte as it was');
    assert.deepEqual(readdirSync(dataDir).sort(), files, 'and nothing was made beside it');
  });
});
