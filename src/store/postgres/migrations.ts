import type { ClientBase } from 'pg';

/**
 * PostgreSQL schema, as ordered migrations run at start. A migration is never edited once
 * shipped; add a new one instead. Text keys use the "C" collation so ordering (keyset pages,
 * user lists) is by code point, the same on every store and every server locale.
 */
export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE users (
        user_id TEXT COLLATE "C" PRIMARY KEY,
        username TEXT COLLATE "C" NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        admin BOOLEAN NOT NULL,
        active BOOLEAN NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE sessions (
        id_hash TEXT COLLATE "C" PRIMARY KEY,
        handle TEXT COLLATE "C" NOT NULL UNIQUE,
        user_id TEXT COLLATE "C" NOT NULL,
        username TEXT COLLATE "C" NOT NULL,
        project TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        idle_expires_at BIGINT NOT NULL,
        absolute_expires_at BIGINT NOT NULL,
        expires_at BIGINT GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED
      );
      CREATE INDEX sessions_by_user ON sessions (user_id);
      CREATE INDEX sessions_by_created ON sessions (created_at, handle);
      CREATE INDEX sessions_by_username ON sessions (username, created_at, handle);
      CREATE INDEX sessions_by_project ON sessions (project, created_at, handle);
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);
      CREATE TABLE audit (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        event TEXT NOT NULL,
        handle TEXT COLLATE "C",
        user_id TEXT COLLATE "C",
        project TEXT,
        reason TEXT,
        actor TEXT
      );
      CREATE INDEX audit_by_handle ON audit (handle, id);
      CREATE TABLE web_sessions (
        id_hash TEXT COLLATE "C" PRIMARY KEY,
        handle TEXT COLLATE "C" NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        idle_expires_at BIGINT NOT NULL,
        absolute_expires_at BIGINT NOT NULL,
        expires_at BIGINT GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED,
        data TEXT NOT NULL
      );
      CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);
    `,
  },
  {
    // Users gain permissions (such as `events`); existing users have none. Numbered 3 on every
    // store (SQLite's 2 marks ended sessions, which PostgreSQL never needed).
    version: 3,
    sql: `ALTER TABLE users ADD COLUMN permissions TEXT[] NOT NULL DEFAULT '{}';`,
  },
  {
    // The event log (issue 14): session.created and session.ended, written with the change;
    // seq from its own sequence, in commit order under LOCK_EVENTS (see insertEvents).
    version: 4,
    sql: `
      CREATE SEQUENCE session_event_seq;
      CREATE TABLE session_events (
        seq BIGINT PRIMARY KEY DEFAULT nextval('session_event_seq'),
        at BIGINT NOT NULL,
        type TEXT NOT NULL,
        handle TEXT COLLATE "C" NOT NULL,
        id_hash TEXT COLLATE "C" NOT NULL,
        user_id TEXT COLLATE "C" NOT NULL,
        username TEXT NOT NULL,
        project TEXT NOT NULL,
        reason TEXT
      );
      ALTER SEQUENCE session_event_seq OWNED BY session_events.seq;
      CREATE INDEX session_events_by_at ON session_events (at);
    `,
  },
  {
    // Issue 16. Usernames are one name in any letter case: a unique index on lower(username).
    // Users from before who already share a name in another case keep their rows; every such
    // user but the oldest is marked a legacy duplicate and left out of the unique index, so the
    // index can be built, and new names that match any of them are refused by the insert itself.
    // Login counters: the table rate-limiter-flexible's RateLimiterPostgres uses (made here, not
    // by the library, so it exists before any node counts), shared by every node.
    version: 5,
    sql: `
      ALTER TABLE users ADD COLUMN legacy_case_duplicate BOOLEAN NOT NULL DEFAULT false;
      UPDATE users SET legacy_case_duplicate = true WHERE EXISTS (
        SELECT 1 FROM users AS older
        WHERE lower(older.username) = lower(users.username)
          AND (older.created_at, older.user_id) < (users.created_at, users.user_id)
      );
      CREATE UNIQUE INDEX users_by_folded_name ON users (lower(username)) WHERE NOT legacy_case_duplicate;
      CREATE INDEX users_by_lower_name ON users (lower(username));
      CREATE TABLE login_limits (
        key TEXT COLLATE "C" PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire BIGINT
      );
      CREATE INDEX login_limits_by_expire ON login_limits (expire);
    `,
  },
  {
    // Where a session came from: the client's address and User-Agent at login (issue 17);
    // sessions from before have neither.
    version: 6,
    sql: `ALTER TABLE sessions ADD COLUMN ip TEXT, ADD COLUMN user_agent TEXT;`,
  },
  {
    // Audit records are pruned by age (SESSIOND_AUDIT_RETENTION_SECONDS, issue 16): the oldest found without a scan.
    version: 7,
    sql: `CREATE INDEX audit_by_at ON audit (at);`,
  },
  {
    // The console filters the audit trail by user and by event (issue 17), newest first.
    version: 9,
    sql: `
      CREATE INDEX audit_by_user ON audit (user_id, id);
      CREATE INDEX audit_by_event ON audit (event, id);
    `,
  },
];

/** Advisory lock keys (per database). Arbitrary constants, fixed forever. */
export const LOCK_MIGRATE = 0x5e55_1001;
export const LOCK_SWEEP_SESSIONS = 0x5e55_1002;
export const LOCK_SWEEP_WEB_SESSIONS = 0x5e55_1003;
/** Held from writing events to commit, so seq order is commit order (see insertEvents). */
export const LOCK_EVENTS = 0x5e55_1004;

/**
 * Applies missing migrations in one transaction under an advisory lock, so several nodes that
 * start together apply each migration exactly once (the others wait, then find it applied).
 */
export async function migrate(client: ClientBase): Promise<number[]> {
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_MIGRATE]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS sessiond_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM sessiond_schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    for (const migration of POSTGRES_MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO sessiond_schema_migrations (version, applied_at) VALUES ($1, $2)', [migration.version, Date.now()]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
