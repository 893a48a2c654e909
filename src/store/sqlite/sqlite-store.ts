import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../../core/ports/store.ts';
import { guardPort } from '../port-guard.ts';
import type { WithRateLimiters } from '../rate-limiters.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { SqliteAuditLog } from './sqlite-audit-log.ts';
import { SqliteEventLog } from './sqlite-event-log.ts';
import { CheckpointThread } from './sqlite-checkpoints.ts';
import { asSqliteFailure } from './sqlite-failures.ts';
import { END_KEPT_MS, SqliteSessionRecords } from './sqlite-session-records.ts';
import { SqliteUsers } from './sqlite-users.ts';
import { sqliteRateLimiters } from './sqlite-rate-limiters.ts';
import { SqliteWebSessions } from './sqlite-web-sessions.ts';
import { SqliteWebhooks } from './sqlite-webhooks.ts';

export { FOREIGN_WRITE_LOOK_MS } from './sqlite-session-records.ts';

/**
 * The embedded default store: better-sqlite3 in WAL mode with synchronous=FULL, so a change
 * that was acknowledged survives `kill -9` and power loss alike. A disk error, a lock not granted
 * within the busy timeout or a closed database answers SERVICE_UNAVAILABLE, as PostgreSQL and
 * Redis do when they cannot be reached.
 */
export interface SqliteStoreOptions {
  busyTimeoutMs?: number;
  /**
   * How long the event log is kept (SESSIOND_EVENTS_RETENTION_SECONDS): an end's event is also
   * the end log, so when this is under a minute, ended rows are purged that soon instead.
   */
  eventsRetentionMs?: number;
  /**
   * Who checkpoints the WAL: SQLite alone, inside the commit that takes the WAL past 1,000
   * pages (the default, right for short-lived tools), or also a thread of the store's own beside
   * the event loop, which leaves those commits little to copy (a server; sqlite-checkpoints.ts).
   * A thread that fails is reported to `onCheckpointThreadFailure`; SQLite's own go on.
   */
  checkpoints?: 'sqlite' | 'thread';
  onCheckpointThreadFailure?: (error: Error) => void;
}

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store & WithRateLimiters {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
  // How long a write waits for another process's lock before failing closed.
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  enterWalMode(db, busyTimeoutMs);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // 8 MiB of page cache instead of SQLite's 2 MB: it holds the interior pages of the sessions
  // B-tree of a few hundred thousand sessions (2.6 MB at 420 k), so a lookup by hash reads one
  // page from the file instead of 1.65 (the 200 lookups of an invalidate). Pages are allocated
  // as they are used: at most ~6 MB more RSS.
  db.pragma('cache_size = -8192');
  migrate(db);
  const audit = new SqliteAuditLog(db);
  const events = new SqliteEventLog(db);
  // An in-memory database is this connection's alone; a file may be shared with the CLI.
  const endKeptMs = Math.min(END_KEPT_MS, options.eventsRetentionMs ?? END_KEPT_MS);
  const sessions = new SqliteSessionRecords(db, audit, events, path !== ':memory:', endKeptMs);
  const checkpoints =
    options.checkpoints === 'thread' && path !== ':memory:'
      ? new CheckpointThread(path, { onFailure: options.onCheckpointThreadFailure })
      : undefined;
  return {
    kind: 'sqlite',
    sessions: guardPort(sessions, asSqliteFailure),
    users: guardPort(new SqliteUsers(db), asSqliteFailure),
    audit: guardPort(audit, asSqliteFailure),
    events: guardPort(events, asSqliteFailure),
    webSessions: guardPort(new SqliteWebSessions(db), asSqliteFailure),
    webhooks: guardPort(new SqliteWebhooks(db), asSqliteFailure),
    rateLimiters: sqliteRateLimiters(db),
    async ping() {
      try {
        db.prepare('SELECT 1').get();
      } catch (error) {
        throw asSqliteFailure(error);
      }
    },
    async close() {
      // The thread's connection closes first, so the serving one is the last: its close
      // checkpoints the whole WAL and removes it.
      await checkpoints?.stop();
      if (db.open) db.close();
    },
  };
}

/**
 * Switches a file to WAL. Switching takes an exclusive lock without SQLite's busy handler, so a
 * process that opens a new file while another is switching it gets SQLITE_BUSY at once (two nodes
 * or a server and the CLI starting together); it tries again for as long as the busy timeout.
 */
function enterWalMode(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = error instanceof Database.SqliteError && error.code === 'SQLITE_BUSY';
      if (!busy || Date.now() >= deadline) throw error;
      // A synchronous pause: the store is opened before anything else runs.
      Atomics.wait(WAL_RETRY_PAUSE, 0, 0, 5);
    }
  }
}
const WAL_RETRY_PAUSE = new Int32Array(new SharedArrayBuffer(4));

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  for (const migration of SQLITE_MIGRATIONS) {
    // Checked inside the write lock: a server and a CLI starting together on a new file must
    // not both run the same migration.
    db.transaction(() => {
      if (isApplied.get(migration.version)) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, Date.now());
    }).immediate();
  }
}
