import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CheckpointThread } from '../../src/store/sqlite/sqlite-checkpoints.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { numberedSession } from '../helpers/numbered-session.ts';

/**
 * A serving SQLite store checkpoints its WAL from a thread of its own as well, so the commit that
 * reaches SQLite's own checkpoint finds little left to copy. The thread must really copy pages,
 * must not keep the WAL from starting over, must let the file close cleanly, and must say so
 * when it fails.
 */
describe('sqlite checkpoint thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-checkpoints-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const session = numberedSession;
  const fileBytes = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Waits up to 5 s for `done`, checking every 10 ms. */
  const eventually = async (done: () => boolean, what: string) => {
    for (let waited = 0; !done(); waited += 10) {
      if (waited >= 5000) assert.fail(`not within 5 s: ${what}`);
      await pause(10);
    }
  };
  /** A file in WAL mode whose commits never checkpoint themselves, so only the thread can. */
  const uncheckpointedFile = (name: string) => {
    const path = join(dir, name);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const framesInWal = db.prepare<[], { log: number }>('PRAGMA wal_checkpoint(PASSIVE)');
    return { path, db, commit: (n: number) => insert.run(`row ${n} `.repeat(300)), framesInWal: () => framesInWal.get()!.log };
  };

  test('the thread copies committed pages into the database file, and the WAL then starts over', async () => {
    const { path, db, commit, framesInWal } = uncheckpointedFile('copied.db');
    const thread = new CheckpointThread(path);
    try {
      assert.equal(await thread.ready, true);
      const before = fileBytes(path);
      for (let n = 0; n < 500; n++) commit(n);
      assert.ok(fileBytes(`${path}-wal`) > 1024 * 1024, 'the commits went to the WAL');
      // 500 rows of ~2.7 KB: about 1.3 MB that only the thread can have moved into the file.
      await eventually(() => fileBytes(path) > before + 1024 * 1024, 'the database file holds the committed rows');
      // A write that finds the WAL fully copied starts it over: a few frames, not ~700.
      await pause(100);
      commit(500);
      assert.ok(framesInWal() < 10, `${framesInWal()} frames in the WAL after it started over`);
    } finally {
      await thread.stop();
      db.close();
    }
    assert.equal(existsSync(`${path}-wal`), false, 'the last connection to close removed the WAL');
    const reopened = new Database(path, { readonly: true });
    try {
      assert.equal((reopened.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 501);
    } finally {
      reopened.close();
    }
  });

  test('a thread that cannot open the file says why, and is not reported running', async () => {
    // The thread is unref'd (a server's socket keeps its process alive); this test keeps its own.
    const alive = setInterval(() => {}, 1000);
    try {
      let reported: (error: Error) => void = () => {};
      const failure = new Promise<Error>((resolve) => (reported = resolve));
      const thread = new CheckpointThread(join(dir, 'no-such-dir', 'missing.db'), { onFailure: (error) => reported(error) });
      const [error, running] = await Promise.all([failure, thread.ready]);
      assert.match(error.message, /unable to open|does not exist/i);
      assert.equal(running, false);
      await thread.stop();
    } finally {
      clearInterval(alive);
    }
  });

  test('a serving store with the thread keeps every commit and closes clean: no WAL left', async () => {
    const path = join(dir, 'serving.db');
    const store = openSqliteStore(path, { checkpoints: 'thread' });
    try {
      for (let n = 0; n < 500; n++) await store.sessions.insert(session(n));
      assert.equal((await store.sessions.findByHash('hash-499'))?.handle, session(499).handle);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(`${path}-wal`), false);
    const reopened = new Database(path, { readonly: true });
    try {
      assert.equal((reopened.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n, 500);
    } finally {
      reopened.close();
    }
  });
});
