import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.ts';
import { END_KEPT_MS } from '../../src/store/sqlite/sqlite-session-records.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { numberedSession } from '../helpers/numbered-session.ts';

const OPENER = new URL('../helpers/open-sqlite-store-worker.ts', import.meta.url).href;
/** A worker thread running OPENER: a thread's module loader does not get tsx from `--import`, so it registers tsx first. */
const openerThread = (workerData: { dir: string; gate: Int32Array; rounds: number }) =>
  new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(OPENER)}); });`, {
    eval: true,
    workerData,
  });

/** The SQLite file itself: WAL mode, migrations run once, and two processes' worth of connections sharing it. */

describe('sqlite store file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-sqlite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A store on a new file, with a read-only connection beside it that counts rows as another reader of the file would. */
  const storeAndCounter = (file: string) => {
    const path = join(dir, file);
    const store = openSqliteStore(path);
    const raw = new Database(path, { readonly: true });
    return { path, store, raw, count: (sql: string) => (raw.prepare(sql).get() as { n: number }).n };
  };
  /** A new file as a version of sessiond that knew migrations up to `version` left it, open for the test to fill. */
  const fileAtSchema = (path: string, version: number): Database.Database => {
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= version)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, 1);
    }
    return old;
  };
  /** Ends in the end log: session.ended events past the purge mark, made by an end (not by the sweep's expiry, whose rows go at once). */
  const LOGGED_ENDS =
    "SELECT count(*) AS n FROM session_events WHERE type = 'session.ended' AND reason <> 'expired' AND seq > (SELECT upto FROM session_ends_purged)";

  const session = numberedSession;

  test('creates its directory, uses WAL, and records each migration once across reopenings', async () => {
    const path = join(dir, 'nested', 'deeper', 'sessiond.db');
    for (let i = 0; i < 3; i++) {
      const store = openSqliteStore(path);
      await store.ping();
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      const versions = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
      assert.deepEqual(versions.map((v) => v.version), SQLITE_MIGRATIONS.map((m) => m.version));
    } finally {
      raw.close();
    }
  });

  test('four connections opening one new file at the same instant, as processes starting together do, all open it (switching to WAL waits for the others)', async () => {
    const rounds = 30;
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const threads = Array.from({ length: 4 }, () => openerThread({ dir, gate, rounds }));
    const answers: string[] = [];
    let ready = 0;
    const released = new Promise<void>((resolve, reject) => {
      for (const thread of threads) {
        thread.on('error', reject);
        // A thread that ends before answering every round would otherwise leave the test waiting for
        // ever. Its last messages can arrive just after its 'exit', so the count is read a moment later.
        thread.on('exit', () =>
          setTimeout(() => answers.length < rounds * threads.length && reject(new Error(`an opener thread ended after ${answers.length} answers`)), 200),
        );
        thread.on('message', (message: string) => {
          if (message !== 'ready') answers.push(message);
          else if (++ready % threads.length === 0) {
            // Every thread waits at the gate: open the next round all at once.
            Atomics.store(gate, 0, ready / threads.length);
            Atomics.notify(gate, 0);
          }
          if (answers.length === rounds * threads.length) resolve();
        });
      }
    });
    try {
      await released;
    } finally {
      await Promise.all(threads.map((t) => t.terminate()));
    }
    assert.deepEqual(answers.filter((answer) => answer !== 'opened'), []);
  });

  test('two connections on one file (server and CLI) see each other’s changes at once', async () => {
    const path = join(dir, 'shared.db');
    const server = openSqliteStore(path);
    const cli = openSqliteStore(path);
    try {
      await server.sessions.insert(session(1));
      await server.sessions.insert(session(2));
      const ended = await cli.sessions.endByHandle([session(1).handle, 'h_missing'], { reason: 'admin', now: 5000, actor: 'cli' });
      assert.deepEqual(ended.map((s) => s?.handle ?? null), [session(1).handle, null]);
      assert.equal(await server.sessions.findByHash('hash-1'), null);
      assert.equal((await server.sessions.findByHash('hash-2'))?.handle, session(2).handle);
      const audit = await server.audit.list({ limit: 5, handle: session(1).handle });
      assert.deepEqual(audit.map((r) => [r.event, r.reason, r.actor]), [
        ['session.ended', 'admin', 'cli'],
        ['session.created', null, null],
      ]);
    } finally {
      await server.close();
      await cli.close();
    }
  });
  test('an end is logged; no read sees it again, and the sweep deletes the row from the file', async () => {
    const path = join(dir, 'purge.db');
    const store = openSqliteStore(path);
    try {
      for (let n = 1; n <= 450; n++) await store.sessions.insert(session(n));
      const ctx = { reason: 'invalidated' as const, now: 5000, actor: 'test' };
      const hashes = Array.from({ length: 200 }, (_, i) => `hash-${i + 1}`);
      assert.equal((await store.sessions.endByHash(hashes, ctx)).filter(Boolean).length, 200);
      assert.equal((await store.sessions.endByHandle([session(201).handle, session(1).handle], ctx)).filter(Boolean).length, 1);
      assert.equal((await store.sessions.endOfUser('005000000000000AAA', ctx)).length, 249, 'only the sessions still live');

      const raw = new Database(path, { readonly: true });
      const rows = () => (raw.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
      try {
        assert.equal(rows(), 450, 'ended rows stay until the sweep');
        assert.equal(await store.sessions.findByHash('hash-7'), null);
        assert.deepEqual((await store.sessions.list({ limit: 10 }, 5000)).sessions, []);
        assert.deepEqual(await store.sessions.sweepExpired(30_000_000, 100), [], 'ended sessions are not swept again as expired');
        assert.equal(rows(), 0, 'the sweep deleted every ended row');
      } finally {
        raw.close();
      }
      const audit = await store.audit.list({ limit: 1000 });
      assert.equal(audit.filter((r) => r.event === 'session.ended').length, 450, 'each end audited once');
    } finally {
      await store.close();
    }
  });

  test('ends another process logged are honoured at once: by hash, in listings and counts, and by a store opened later', async () => {
    const path = join(dir, 'end-log.db');
    const server = openSqliteStore(path);
    const cli = openSqliteStore(path);
    try {
      for (let n = 1; n <= 4; n++) await server.sessions.insert(session(n));
      // The server reads nothing in between: its own view must not be stale.
      await cli.sessions.endByHash(['hash-1', 'hash-2'], { reason: 'invalidated', now: 5000, actor: 'cli' });
      assert.equal(await server.sessions.findByHash('hash-1'), null);
      assert.deepEqual((await server.sessions.list({ limit: 10 }, 5000)).sessions.map((s) => s.idHash), ['hash-3', 'hash-4']);
      assert.equal(await server.sessions.count({}, 5000), 2);
      assert.deepEqual(await server.sessions.endByHash(['hash-2', 'hash-3'], { reason: 'invalidated', now: 5000, actor: 'server' }).then((r) => r.map((s) => s?.idHash ?? null)), [null, 'hash-3'], 'an end is made once, whichever process made it');
      const later = openSqliteStore(path);
      try {
        assert.equal(await later.sessions.findByHash('hash-2'), null);
        assert.equal((await later.sessions.findByHash('hash-4'))?.handle, session(4).handle);
      } finally {
        await later.close();
      }
      const ended = await server.audit.page({ limit: 10, event: 'session.ended' });
      assert.equal(ended.records.length, 3, 'each end audited once');
    } finally {
      await server.close();
      await cli.close();
    }
  });

  test('an end writes its audit record and event only (the event is the end log) until the session expires; then the sweep deletes the row and the purge mark passes the end; audit lookups answer the same once indexed', async () => {
    const { store, raw, count } = storeAndCounter('end-log-expiry.db');
    try {
      for (let n = 1; n <= 300; n++) await store.sessions.insert(session(n));
      const hashes = Array.from({ length: 250 }, (_, i) => `hash-${i + 1}`);
      const rowsBefore = count('SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM audit_keys) AS n');
      await store.sessions.endByHash(hashes, { reason: 'invalidated', now: 5000, actor: 'test' });
      assert.equal(count(LOGGED_ENDS), 250);
      assert.equal(count("SELECT count(*) AS n FROM audit WHERE event = 'session.ended'"), 250);
      assert.equal(count('SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM audit_keys) AS n'), rowsBefore, 'no other row written');
      assert.equal(count('SELECT count(*) AS n FROM sessions WHERE ended_at IS NOT NULL'), 0, 'no row is marked');
      assert.equal(count('SELECT count(*) AS n FROM audit_keys'), 0, 'nothing is indexed by handle or user before a lookup asks');
      const lookups = async () => ({
        byHandle: (await store.audit.page({ limit: 10, handle: session(7).handle })).records.map((r) => r.event),
        byUser: (await store.audit.page({ limit: 1000, userId: '005000000000000AAA' })).records.length,
        live: await store.sessions.count({}, 5000),
        listed: (await store.sessions.list({ limit: 100 }, 5000)).sessions.length,
      });
      const first = await lookups();
      assert.deepEqual(first, { byHandle: ['session.ended', 'session.created'], byUser: 550, live: 50, listed: 50 });
      assert.equal(count('SELECT count(*) AS n FROM audit_keys'), 1100, 'the lookup indexed every record under its handle and its user');
      assert.deepEqual(await lookups(), first);
      // Nothing expired yet: the sweep leaves every row.
      assert.equal((await store.sessions.sweepExpired(5000, 500)).length, 0);
      assert.equal(count('SELECT count(*) AS n FROM sessions'), 300);
      // Past every expiry: the 50 live sessions are swept as expired, the 250 ended rows go with their ends, unannounced.
      const swept = await store.sessions.sweepExpired(30_000_000, 500);
      assert.equal(swept.length, 50);
      assert.equal(count('SELECT count(*) AS n FROM sessions'), 0);
      assert.equal(count(LOGGED_ENDS), 0);
      assert.equal((await store.audit.page({ limit: 1000, event: 'session.ended' })).records.length, 300, 'each session audited as ended once');
      // Pruning takes the lookup keys with the records.
      assert.equal(await store.audit.prune(Number.MAX_SAFE_INTEGER, 1000), 600);
      assert.equal(count('SELECT count(*) AS n FROM audit_keys'), 0);
    } finally {
      raw.close();
      await store.close();
    }
  });

  test('a minute after an end, the sweep deletes the ended row and the purge mark passes its end while the session is far from expiry; it stays ended, also after a reopen', async () => {
    const opened = storeAndCounter('end-log-bounded.db');
    const { path, raw, count } = opened;
    let store = opened.store;
    try {
      for (let n = 1; n <= 300; n++) await store.sessions.insert(session(n));
      await store.sessions.endByHash(Array.from({ length: 250 }, (_, i) => `hash-${i + 1}`), { reason: 'invalidated', now: 5000, actor: 'test' });
      // Within the minute: the ends stay in the log and the rows stay in the file.
      assert.equal((await store.sessions.sweepExpired(5000 + END_KEPT_MS - 1, 500)).length, 0);
      assert.equal(count(LOGGED_ENDS), 250);
      assert.equal(count('SELECT count(*) AS n FROM sessions'), 300);
      // A minute on: the rows go and the mark passes their ends; nothing is announced as expired again.
      assert.equal((await store.sessions.sweepExpired(5000 + END_KEPT_MS, 500)).length, 0);
      assert.equal(count(LOGGED_ENDS), 0);
      assert.equal(count('SELECT count(*) AS n FROM sessions'), 50);
      const answers = async () => ({
        ended: await store.sessions.findByHash('hash-7'),
        live: (await store.sessions.findByHash('hash-277'))?.handle,
        count: await store.sessions.count({}, 6000),
      });
      assert.deepEqual(await answers(), { ended: null, live: session(277).handle, count: 50 });
      await store.close();
      store = openSqliteStore(path);
      assert.deepEqual(await answers(), { ended: null, live: session(277).handle, count: 50 }, 'the same after a reopen');
      assert.equal((await store.audit.page({ limit: 1000, event: 'session.ended' })).records.length, 250, 'each end audited once, the purge writes none');
    } finally {
      raw.close();
      await store.close();
    }
  });

  test('one sweep purges every end older than a minute, however many (ten batches here), also when two sweeps meet', async () => {
    const { store, raw, count } = storeAndCounter('end-log-catch-up.db');
    try {
      const sessions = 2100;
      for (let n = 1; n <= sessions; n++) await store.sessions.insert(session(n));
      for (let from = 1; from <= 2000; from += 200) {
        const hashes = Array.from({ length: 200 }, (_, i) => `hash-${from + i}`);
        await store.sessions.endByHash(hashes, { reason: 'invalidated', now: 5000, actor: 'test' });
      }
      assert.equal(count(LOGGED_ENDS), 2000);
      // Two sweeps at once (two timers, or a slow sweep and the next): one purge runs, both wait for it.
      const sweeps = await Promise.all([store.sessions.sweepExpired(5000 + END_KEPT_MS, 500), store.sessions.sweepExpired(5000 + END_KEPT_MS, 500)]);
      assert.deepEqual(sweeps.map((s) => s.length), [0, 0], 'nothing announced as expired');
      assert.equal(count(LOGGED_ENDS), 0, 'every end older than a minute purged by the first sweep');
      assert.equal(count('SELECT count(*) AS n FROM sessions'), 100, 'with their rows; the 100 live sessions stay');
      assert.equal(await store.sessions.findByHash('hash-1999'), null, 'a purged session stays ended');
      assert.equal((await store.sessions.findByHash('hash-2001'))?.handle, session(2001).handle);
      assert.equal(await store.sessions.count({}, 6000), 100);
    } finally {
      raw.close();
      await store.close();
    }
  });

  test('a sweep on one process purges ends another process still holds; that one lets them go and answers the same', async () => {
    const path = join(dir, 'end-log-two.db');
    const a = openSqliteStore(path);
    const b = openSqliteStore(path);
    try {
      for (let n = 1; n <= 4; n++) await a.sessions.insert(session(n));
      await b.sessions.endByHash(['hash-1', 'hash-2'], { reason: 'invalidated', now: 5000, actor: 'b' });
      assert.equal((await a.sessions.sweepExpired(30_000_000, 10)).length, 2, 'the two live sessions expire');
      assert.equal((await b.sessions.sweepExpired(30_000_000, 10)).length, 0);
      await a.sessions.insert(session(5));
      assert.equal(await b.sessions.count({}, 5000), 1);
      assert.equal((await b.sessions.findByHash('hash-5'))?.handle, session(5).handle);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a file made by schema 2 upgrades to the newest: its users keep everything and have no permissions', async () => {
    const path = join(dir, 'schema-2.db');
    const old = fileAtSchema(path, 2);
    old.prepare('INSERT INTO users (user_id, username, password_hash, admin, active, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run('005000000000000OLD', 'olga', 'scrypt$old-hash', 1, 1, 1234);
    const before = session(99);
    old.prepare(
      'INSERT INTO sessions (id_hash, handle, user_id, username, project, created_at, last_seen_at, idle_expires_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(before.idHash, before.handle, before.userId, before.username, before.project, before.createdAt, before.lastSeenAt, before.idleExpiresAt, before.absoluteExpiresAt);
    const audit = old.prepare('INSERT INTO audit (at, event, handle, user_id, project, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)');
    audit.run(1234, 'user.created', null, '005000000000000OLD', null, null, 'cli');
    audit.run(1235, 'session.created', before.handle, before.userId, 'default', null, null);
    old.close();

    const store = openSqliteStore(path);
    try {
      assert.deepEqual(await store.users.find('olga'), {
        userId: '005000000000000OLD',
        username: 'olga',
        passwordHash: 'scrypt$old-hash',
        admin: true,
        active: true,
        createdAt: 1234,
        permissions: [],
      });
      // A session from before migration 6 reads back whole, not knowing where it came from.
      assert.deepEqual(await store.sessions.findByHash(before.idHash), before);
      // Audit records from before migration 9 are found by user and by event.
      assert.deepEqual((await store.audit.page({ limit: 5, userId: '005000000000000OLD' })).records.map((r) => r.event), ['user.created']);
      assert.deepEqual((await store.audit.page({ limit: 5, event: 'session.created' })).records.map((r) => r.handle), [before.handle]);
    } finally {
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      const versions = raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
      assert.deepEqual(versions.map((v) => v.version), SQLITE_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    } finally {
      raw.close();
    }
  });

  test('a file made by schema 10 with ends in its end log table upgrades: those sessions stay ended, after the sweep too, and the others stay live', async () => {
    const path = join(dir, 'schema-10.db');
    const old = fileAtSchema(path, 10);
    const insert = old.prepare(
      'INSERT INTO sessions (id_hash, handle, user_id, username, project, created_at, last_seen_at, idle_expires_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (let n = 1; n <= 4; n++) {
      const s = session(n);
      insert.run(s.idHash, s.handle, s.userId, s.username, s.project, s.createdAt, s.lastSeenAt, s.idleExpiresAt, s.absoluteExpiresAt);
    }
    // Ended the old way: a row in session_ends each, the session's own row untouched.
    old.prepare('INSERT INTO session_ends (id_hash, ended_at) VALUES (?, ?), (?, ?)').run('hash-1', 5000, 'hash-3', 5000);
    old.close();
    let store = openSqliteStore(path);
    try {
      const answers = async () => ({
        found: await Promise.all([1, 2, 3, 4].map(async (n) => (await store.sessions.findByHash(`hash-${n}`))?.handle ?? null)),
        count: await store.sessions.count({}, 6000),
        listed: (await store.sessions.list({ limit: 10 }, 6000)).sessions.map((s) => s.handle),
      });
      const expected = { found: [null, session(2).handle, null, session(4).handle], count: 2, listed: [session(2).handle, session(4).handle] };
      assert.deepEqual(await answers(), expected);
      assert.equal((await store.sessions.sweepExpired(5000 + END_KEPT_MS, 500)).length, 0, 'nothing has expired');
      await store.close();
      store = openSqliteStore(path);
      assert.deepEqual(await answers(), expected, 'the same after a sweep and a reopen');
      assert.equal((await store.sessions.endByHash(['hash-2'], { reason: 'invalidated', now: 7000, actor: 'test' }))[0]?.handle, session(2).handle);
      assert.equal(await store.sessions.count({}, 7000), 1, 'a new end is made the new way beside them');
    } finally {
      await store.close();
    }
  });

  test('with the event log kept for less than a minute, an ended row is purged once its end is that old, so the end\'s event can be pruned on time', async () => {
    const path = join(dir, 'end-log-short-retention.db');
    const store = openSqliteStore(path, { eventsRetentionMs: 1000 });
    try {
      for (let n = 1; n <= 3; n++) await store.sessions.insert(session(n));
      await store.sessions.endByHash(['hash-1'], { reason: 'invalidated', now: 5000, actor: 'test' });
      await store.sessions.sweepExpired(5999, 500);
      assert.equal(await store.events.prune(5999, 100), 3, 'the three creations go; the end, not a second old at the sweep, stays');
      await store.sessions.sweepExpired(6000, 500);
      assert.equal(await store.events.prune(6001, 100), 1, 'a second on, its row is purged and its event pruned');
      assert.equal(await store.sessions.findByHash('hash-1'), null);
      assert.equal(await store.sessions.count({}, 6000), 2);
    } finally {
      await store.close();
    }
  });

  test("the event log's pruning stops at the end log's purge mark: an end's event outlives the retention until the sweep has deleted its row", async () => {
    const { path, store, raw, count } = storeAndCounter('end-log-retention.db');
    let reopened: ReturnType<typeof openSqliteStore> | undefined;
    try {
      for (let n = 1; n <= 4; n++) await store.sessions.insert(session(n));
      await store.sessions.endByHash(['hash-2'], { reason: 'invalidated', now: 5000, actor: 'test' });
      await store.sessions.insert(session(5));
      // Everything is past any retention, but no end has been purged yet: the events before the
      // first end may go, not that end nor (so that what is kept has no gap) what follows it.
      assert.equal(await store.events.prune(Number.MAX_SAFE_INTEGER, 100), 4);
      assert.equal(count('SELECT count(*) AS n FROM session_events'), 2);
      await store.close();
      reopened = openSqliteStore(path);
      assert.equal(await reopened.sessions.findByHash('hash-2'), null, 'still ended after a reopen');
      await reopened.sessions.endByHash(['hash-3'], { reason: 'invalidated', now: 5000 + END_KEPT_MS, actor: 'test' });
      // The sweep deletes the minute-old ended row and passes its end, and stops at the young end.
      await reopened.sessions.sweepExpired(5000 + END_KEPT_MS, 500);
      assert.equal(count('SELECT count(*) AS n FROM sessions'), 4);
      assert.equal(await reopened.events.prune(Number.MAX_SAFE_INTEGER, 100), 2, 'the events up to the young end');
      assert.deepEqual(raw.prepare('SELECT type, id_hash FROM session_events').all(), [{ type: 'session.ended', id_hash: 'hash-3' }]);
      assert.deepEqual(
        await Promise.all(['hash-2', 'hash-3', 'hash-4'].map(async (h) => (await reopened!.sessions.findByHash(h))?.handle ?? null)),
        [null, null, session(4).handle],
      );
      assert.equal(await reopened.sessions.count({}, 6000), 3);
    } finally {
      raw.close();
      await store.close();
      await reopened?.close();
    }
  });


  test('a file whose users share names in another case upgrades: each keeps its row and exact name, an ambiguous case finds nobody, new names in any of those cases are refused', async () => {
    const path = join(dir, 'case-duplicates.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    // Schema 6 without 5, as main had it: migration 5 then runs after 6.
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version !== 5)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, 1);
    }
    const add = old.prepare('INSERT INTO users (user_id, username, password_hash, admin, active, created_at) VALUES (?, ?, ?, 0, 1, ?)');
    add.run('005000000000000C01', 'carol', 'scrypt$1', 1000);
    add.run('005000000000000C02', 'Carol', 'scrypt$2', 2000);
    add.run('005000000000000C03', 'CAROL', 'scrypt$3', 3000);
    add.run('005000000000000D01', 'Dave', 'scrypt$4', 1000);
    old.close();

    const store = openSqliteStore(path);
    try {
      assert.deepEqual((await store.users.list()).map((u) => u.username), ['CAROL', 'Carol', 'Dave', 'carol']);
      assert.equal((await store.users.find('carol'))?.userId, '005000000000000C01');
      assert.equal((await store.users.find('Carol'))?.userId, '005000000000000C02');
      assert.equal((await store.users.find('CAROL'))?.userId, '005000000000000C03');
      assert.equal(await store.users.find('cArOl'), null, 'no exact match among several: nobody');
      assert.equal((await store.users.find('dave'))?.username, 'Dave');
      const user = (username: string) => ({ userId: `005000000000000N${username.length}`, username, passwordHash: 'h', admin: false, active: true, createdAt: 5000, permissions: [] });
      await assert.rejects(store.users.create(user('caROL')), { code: 'DUPLICATE_USERNAME' });
      await assert.rejects(store.users.create(user('DAVE')), { code: 'DUPLICATE_USERNAME' });
      // The one the unique index holds goes: the others still refuse the name.
      assert.equal(await store.users.delete('carol'), true);
      await assert.rejects(store.users.create(user('caROL')), { code: 'DUPLICATE_USERNAME' });
      assert.equal((await store.users.find('cArOl')), null);
    } finally {
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      const marked = raw.prepare('SELECT username FROM users WHERE legacy_case_duplicate = 1 ORDER BY username').all() as Array<{ username: string }>;
      assert.deepEqual(marked.map((r) => r.username), ['CAROL', 'Carol'], 'all but the oldest are marked');
    } finally {
      raw.close();
    }
  });
});
