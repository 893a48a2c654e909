import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { hashSecretId, newHandle, newSessionId } from '../../src/core/secret-id.ts';
import { asSqliteFailure } from '../../src/store/sqlite/sqlite-failures.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/**
 * SQLite failures that are not about the request (a lock not granted in time, a disk that fails,
 * a file that cannot be opened, a closed database) answer SERVICE_UNAVAILABLE, as PostgreSQL and
 * Redis do when they cannot be reached; a statement SQLite refuses is not one of them.
 */
describe('sqlite failures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-sqlite-failures-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a write that waits past the busy timeout for another process’s lock answers SERVICE_UNAVAILABLE and writes nothing', async () => {
    const path = join(dir, 'locked.db');
    const store = openSqliteStore(path, { busyTimeoutMs: 50 });
    const other = new Database(path);
    try {
      other.prepare('BEGIN IMMEDIATE').run(); // another process (the CLI) holds the write lock
      const now = Date.now();
      const session = {
        idHash: hashSecretId(newSessionId()),
        handle: newHandle(),
        userId: '005000000000000AAA',
        username: 'lock',
        project: 'default',
        createdAt: now,
        lastSeenAt: now,
        idleExpiresAt: now + 60_000,
        absoluteExpiresAt: now + 120_000,
        ip: null,
        userAgent: null,
      };
      await assert.rejects(store.sessions.insert(session), { code: 'SERVICE_UNAVAILABLE' });
      await assert.rejects(store.audit.append([{ at: now, event: 'web.login', handle: null, userId: null, project: null, reason: null, actor: null }]), {
        code: 'SERVICE_UNAVAILABLE',
      });
      other.prepare('ROLLBACK').run();
      assert.equal(await store.sessions.findByHash(session.idHash), null, 'nothing was written');
      await store.sessions.insert(session);
      assert.equal((await store.sessions.findByHash(session.idHash))?.handle, session.handle, 'and it works once the lock is free');
    } finally {
      other.close();
      await store.close();
    }
  });

  test('a file that cannot be opened and a failing disk are SERVICE_UNAVAILABLE; a refused statement is not', () => {
    let cantOpen: unknown;
    try {
      new Database(dir).close(); // a directory, not a database file
    } catch (error) {
      cantOpen = error;
    }
    assert.equal((cantOpen as { code?: unknown }).code, 'SQLITE_CANTOPEN', 'better-sqlite3 refused to open the file');
    const db = new Database(':memory:');
    let refused: unknown;
    try {
      db.prepare('SELECT * FROM no_such_table').get();
    } catch (error) {
      refused = error;
    } finally {
      db.close();
    }
    let closed: unknown;
    try {
      db.prepare('SELECT 1').get();
    } catch (error) {
      closed = error;
    }
    const diskError = new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE');
    const diskFull = new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    for (const error of [cantOpen, diskError, diskFull, closed]) {
      assert.equal((asSqliteFailure(error) as { code?: unknown }).code, 'SERVICE_UNAVAILABLE', String(error));
    }
    assert.equal(asSqliteFailure(refused), refused, 'a refused statement stays what it is');
  });
});
