/**
 * SQLite schema, as ordered migrations run at start. A migration is never edited once shipped;
 * add a new one instead.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        admin INTEGER NOT NULL,
        active INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        username TEXT NOT NULL,
        project TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        expires_at INTEGER GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) VIRTUAL
      ) WITHOUT ROWID;
      CREATE INDEX sessions_by_user ON sessions (user_id);
      CREATE INDEX sessions_by_created ON sessions (created_at, handle);
      CREATE INDEX sessions_by_username ON sessions (username, created_at, handle);
      CREATE INDEX sessions_by_project ON sessions (project, created_at, handle);
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        handle TEXT,
        user_id TEXT,
        project TEXT,
        reason TEXT,
        actor TEXT
      );
      CREATE INDEX audit_by_handle ON audit (handle);
      CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        expires_at INTEGER GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) VIRTUAL,
        data TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
    `,
  },
  {
    // Ending a session marks it instead of deleting it: a delete rewrites a page in each of the
    // table's seven B-trees, a mark rewrites one (the partial index only ever grows at its end,
    // ended_at being the time of the end). The sweeper deletes marked rows later, off the
    // request path. Every read leaves marked rows out.
    version: 2,
    sql: `
      ALTER TABLE sessions ADD COLUMN ended_at INTEGER;
      CREATE INDEX sessions_by_ended ON sessions (ended_at) WHERE ended_at IS NOT NULL;
    `,
  },
  {
    // Users gain permissions (such as `events`), a JSON array of names; existing users have none.
    version: 3,
    sql: `ALTER TABLE users ADD COLUMN permissions TEXT NOT NULL DEFAULT '[]';`,
  },
  {
    // The event log (issue 14): session.created and session.ended, written with the change, seq in commit order.
    version: 4,
    sql: `
      CREATE TABLE session_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        handle TEXT NOT NULL,
        id_hash TEXT NOT NULL,
        user_id TEXT NOT NULL,
        username TEXT NOT NULL,
        project TEXT NOT NULL,
        reason TEXT
      );
      CREATE INDEX session_events_by_at ON session_events (at);
    `,
  },
  {
    // Issue 16. Usernames are one name in any letter case: a unique index on lower(username).
    // Users from before who already share a name in another case keep their rows; every such
    // user but the oldest is marked a legacy duplicate and left out of the unique index, so the
    // index can be built, and new names that match any of them are refused by the insert itself.
    // Login counters (the limiter table rate-limiter-flexible's RateLimiterSQLite uses) live in
    // the same file, so every process on it shares them and a restart keeps them.
    version: 5,
    sql: `
      ALTER TABLE users ADD COLUMN legacy_case_duplicate INTEGER NOT NULL DEFAULT 0;
      UPDATE users SET legacy_case_duplicate = 1 WHERE EXISTS (
        SELECT 1 FROM users AS older
        WHERE lower(older.username) = lower(users.username)
          AND (older.created_at < users.created_at OR (older.created_at = users.created_at AND older.user_id < users.user_id))
      );
      CREATE UNIQUE INDEX users_by_folded_name ON users (lower(username)) WHERE legacy_case_duplicate = 0;
      CREATE INDEX users_by_lower_name ON users (lower(username));
      CREATE TABLE login_limits (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire INTEGER
      );
      CREATE INDEX login_limits_by_expire ON login_limits (expire);
    `,
  },
  {
    // Where a session came from: the client's address and User-Agent at login (issue 17);
    // sessions from before have neither.
    version: 6,
    sql: `
      ALTER TABLE sessions ADD COLUMN ip TEXT;
      ALTER TABLE sessions ADD COLUMN user_agent TEXT;
    `,
  },
  {
    // Audit records are pruned by age (SESSIOND_AUDIT_RETENTION_SECONDS, issue 16): the oldest found without a scan.
    version: 7,
    sql: `CREATE INDEX audit_by_at ON audit (at);`,
  },
  {
    // Webhooks (issue 14): registrations and each one's delivery cursor, backoff and lease.
    version: 8,
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        events TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        delivered_seq INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since INTEGER,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        failed INTEGER NOT NULL DEFAULT 0,
        lease_holder TEXT NOT NULL DEFAULT '',
        lease_until INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
  {
    // The console filters the audit trail by user and by event (issue 17), newest first.
    version: 9,
    sql: `
      CREATE INDEX audit_by_user ON audit (user_id, id);
      CREATE INDEX audit_by_event ON audit (event, id);
    `,
  },
  {
    // Issue 15: an end writes only appends. An end is a row in the end log (session_ends),
    // which reads consult, instead of a mark on the session's row (a random page of the sessions
    // table each); the store's upkeep moves the log onto the rows (ended_at) later, off the
    // request path. The audit trail's by-handle and by-user lookups move from two indexes
    // written with every record (a random page each) to audit_keys, filled by the same upkeep
    // up to audit_keys_upto; the records after that point are found by a short scan.
    version: 10,
    sql: `
      CREATE TABLE session_ends (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id_hash TEXT NOT NULL,
        ended_at INTEGER NOT NULL
      );
      CREATE TABLE audit_keys (
        key TEXT NOT NULL,
        audit_id INTEGER NOT NULL,
        PRIMARY KEY (key, audit_id)
      ) WITHOUT ROWID;
      INSERT INTO audit_keys SELECT 'h:' || handle, id FROM audit WHERE handle IS NOT NULL;
      INSERT OR IGNORE INTO audit_keys SELECT 'u:' || user_id, id FROM audit WHERE user_id IS NOT NULL;
      CREATE TABLE audit_keys_upto (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        upto INTEGER NOT NULL
      );
      INSERT INTO audit_keys_upto VALUES (1, coalesce((SELECT max(id) FROM audit), 0));
      DROP INDEX audit_by_handle;
      DROP INDEX audit_by_user;
    `,
  },
  {
    // Issue 15: an end writes one row instead of two. Its session.ended event, written anyway,
    // is the end log; session_ends goes. session_ends_purged.upto is how far the sweep has deleted
    // the rows of ended sessions (events after it are read at start). The log's ends from before
    // are moved onto their rows (ended_at, which every read already honours). The two indexes by
    // time, written with every audit record and event, go too: pruning by age walks from the
    // oldest record instead (they are in time order).
    version: 11,
    sql: `
      UPDATE sessions SET ended_at = (SELECT max(e.ended_at) FROM session_ends AS e WHERE e.id_hash = sessions.id_hash)
        WHERE ended_at IS NULL AND id_hash IN (SELECT id_hash FROM session_ends);
      DROP TABLE session_ends;
      CREATE TABLE session_ends_purged (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        upto INTEGER NOT NULL
      );
      INSERT INTO session_ends_purged VALUES (1, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'session_events'), 0));
      DROP INDEX audit_by_at;
      DROP INDEX session_events_by_at;
    `,
  },
];
