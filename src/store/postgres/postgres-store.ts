import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { sessionCreatedAudit, sessionEndedAudit } from '../../core/audit.ts';
import { SessiondError } from '../../core/errors.ts';
import { isExpired } from '../../core/expiry.ts';
import type { SessionStore } from '../../core/session-store.ts';
import type {
  AuditRecord,
  EndContext,
  SessionListFilter,
  SessionPage,
  SessionRecord,
  UserRecord,
  UserSummary,
  WebSessionRecord,
} from '../../core/types.ts';
import { LOCK_SWEEP_SESSIONS, LOCK_SWEEP_WEB_SESSIONS, migrate } from './migrations.ts';
import { asStoreError, isConnectionError } from './pg-errors.ts';
import {
  SESSION_COLUMNS,
  WEB_COLUMNS,
  toAudit,
  toSession,
  toUser,
  toUserSummary,
  toWebSession,
  type AuditRow,
  type SessionRow,
  type UserRow,
  type WebSessionRow,
} from '../sql-rows.ts';

// Times are BIGINT milliseconds; they fit a JS number exactly, so read them as numbers.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PostgresStoreOptions {
  /** Most connections this node holds. */
  maxConnections?: number;
  /** How long a request waits for a connection (or a query for its answer) before failing closed. */
  timeoutMs?: number;
  /** Told about connection errors of idle clients, which the pool has already dropped. */
  onIdleError?: (error: Error) => void;
}

/**
 * The PostgreSQL store, for several nodes on one database: a node-postgres pool, migrations at
 * start under an advisory lock, every multi-row change and its audit rows in one transaction,
 * and sweeps that only one node runs at a time. Lost connections fail closed (503) and the pool
 * reconnects on the next request.
 */
export class PostgresStore implements SessionStore {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'sessiond',
      types,
    });
    // An idle client whose server went away: the pool drops it; without a listener this would crash.
    pool.on('error', (error) => options.onIdleError?.(error));
    const store = new PostgresStore(pool);
    // Migrations get their own connection without the query timeout: a node may wait on the
    // migration lock for as long as another node takes to migrate.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: 'sessiond' });
    try {
      await client.connect();
      await migrate(client);
      await client.end();
    } catch (error) {
      await client.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw startFailure(url, error);
    }
    return store;
  }

  private async query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /** Runs `work` in one transaction on one connection; a failure rolls everything back. */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asStoreError(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      if (isConnectionError(error)) {
        // The connection is gone; the server rolls the transaction back itself.
        client.release(error as Error);
      } else {
        await client.query('ROLLBACK').then(
          () => client.release(),
          (rollbackError: Error) => client.release(rollbackError),
        );
      }
      throw asStoreError(error);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  async createUser(user: UserRecord): Promise<void> {
    try {
      await this.query(
        'INSERT INTO users (user_id, username, password_hash, admin, active, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [user.userId, user.username, user.passwordHash, user.admin, user.active, user.createdAt],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') throw new SessiondError('DUPLICATE_USERNAME');
      throw error;
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async listUsers(): Promise<UserSummary[]> {
    const { rows } = await this.query<UserRow>('SELECT * FROM users ORDER BY username');
    return rows.map(toUserSummary);
  }

  async setUserActive(username: string, active: boolean): Promise<boolean> {
    const { rowCount } = await this.query('UPDATE users SET active = $1 WHERE username = $2', [active, username]);
    return (rowCount ?? 0) > 0;
  }

  async insertSession(s: SessionRecord): Promise<void> {
    // One statement is one transaction: the session and its audit row, in a single round trip.
    const a = sessionCreatedAudit(s);
    await this.query(
      `WITH inserted AS (
         INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING 1
       )
       INSERT INTO audit (at, event, handle, user_id, project, reason, actor)
       SELECT $10, $11, $12, $13, $14, $15, $16 FROM inserted`,
      [
        s.idHash, s.handle, s.userId, s.username, s.project, s.createdAt, s.lastSeenAt, s.idleExpiresAt, s.absoluteExpiresAt,
        a.at, a.event, a.handle, a.userId, a.project, a.reason, a.actor,
      ],
    );
  }

  async findSessionByHash(idHash: string): Promise<SessionRecord | null> {
    const { rows } = await this.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = $1`, [idHash]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async touchSession(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    // Nodes touch independently; never move a timer backwards.
    await this.query(
      `UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $2), idle_expires_at = GREATEST(idle_expires_at, $3)
       WHERE id_hash = $1`,
      [idHash, lastSeenAt, idleExpiresAt],
    );
  }

  endSessionsByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endByKey('id_hash', idHashes, ctx);
  }

  endSessionsByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endByKey('handle', handles, ctx);
  }

  /**
   * One transaction for the whole batch. DELETE … RETURNING takes each row's lock, so two
   * batches racing over one session end it once. Each input position then gets the session it
   * ended: the first position naming a row wins, duplicates after it answer null.
   */
  private async endByKey(
    column: 'id_hash' | 'handle',
    keys: ReadonlyArray<string | null>,
    ctx: EndContext,
  ): Promise<Array<SessionRecord | null>> {
    const wanted = [...new Set(keys.filter((k): k is string => k !== null))];
    if (wanted.length === 0) return keys.map(() => null);
    const removed = await this.transaction(async (client) => {
      const { rows } = await client.query<SessionRow>(
        `DELETE FROM sessions WHERE ${column} = ANY($1::text[]) RETURNING ${SESSION_COLUMNS}`,
        [wanted],
      );
      const sessions = rows.map(toSession);
      const byKey = new Map(sessions.map((s) => [column === 'id_hash' ? s.idHash : s.handle, s]));
      // Audit rows in input order, each end once.
      const ordered = wanted.map((k) => byKey.get(k)).filter((s): s is SessionRecord => s !== undefined);
      await insertAudit(client, ordered.map((s) => endAudit(s, ctx)));
      return byKey;
    });
    const answered = new Set<string>();
    return keys.map((key) => {
      if (key === null || answered.has(key)) return null;
      answered.add(key);
      const session = removed.get(key);
      return session && !isExpired(session, ctx.now) ? session : null;
    });
  }

  async endSessionsOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    const removed = await this.transaction(async (client) => {
      const { rows } = await client.query<SessionRow>(
        `DELETE FROM sessions WHERE user_id = $1 RETURNING ${SESSION_COLUMNS}`,
        [userId],
      );
      const sessions = rows.map(toSession);
      await insertAudit(client, sessions.map((s) => endAudit(s, ctx)));
      return sessions;
    });
    return removed.filter((s) => !isExpired(s, ctx.now));
  }

  async listSessions(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const params: unknown[] = [now];
    const where = ['expires_at > $1'];
    if (filter.username !== undefined) {
      params.push(filter.username);
      where.push(`username = $${params.length}`);
    }
    if (filter.project !== undefined) {
      params.push(filter.project);
      where.push(`project = $${params.length}`);
    }
    if (filter.after) {
      params.push(filter.after.createdAt, filter.after.handle);
      where.push(`(created_at, handle) > ($${params.length - 1}, $${params.length})`);
    }
    params.push(filter.limit + 1);
    const { rows } = await this.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at, handle LIMIT $${params.length}`,
      params,
    );
    const sessions = rows.slice(0, filter.limit).map(toSession);
    const last = sessions[sessions.length - 1];
    return { sessions, next: rows.length > filter.limit && last ? { createdAt: last.createdAt, handle: last.handle } : null };
  }

  /**
   * One batch of the sweep, on the expiry index. Only the node holding the sweep lock sweeps;
   * another node asking at the same time answers an empty batch instead of waiting.
   */
  async sweepExpiredSessions(now: number, limit: number): Promise<SessionRecord[]> {
    return this.transaction(async (client) => {
      if (!(await tryXactLock(client, LOCK_SWEEP_SESSIONS))) return [];
      const { rows } = await client.query<SessionRow>(
        `DELETE FROM sessions WHERE id_hash IN (
           SELECT id_hash FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING ${SESSION_COLUMNS}`,
        [now, limit],
      );
      const sessions = rows.map(toSession);
      await insertAudit(client, sessions.map((s) => sessionEndedAudit(s, { reason: 'expired', now, actor: 'sweeper' })));
      return sessions;
    });
  }

  async appendAudit(records: ReadonlyArray<AuditRecord>): Promise<void> {
    if (records.length === 0) return;
    try {
      await insertAudit(this.pool, records);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async listAudit(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    const { rows } =
      options.handle === undefined
        ? await this.query<AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT $1', [options.limit])
        : await this.query<AuditRow>('SELECT * FROM audit WHERE handle = $1 ORDER BY id DESC LIMIT $2', [options.handle, options.limit]);
    return rows.map(toAudit);
  }

  async insertWebSession(r: WebSessionRecord): Promise<void> {
    await this.query(`INSERT INTO web_sessions (${WEB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      r.idHash, r.handle, r.createdAt, r.lastSeenAt, r.idleExpiresAt, r.absoluteExpiresAt, r.data,
    ]);
  }

  async findWebSessionByHash(idHash: string): Promise<WebSessionRecord | null> {
    const { rows } = await this.query<WebSessionRow>(`SELECT ${WEB_COLUMNS} FROM web_sessions WHERE id_hash = $1`, [idHash]);
    return rows[0] ? toWebSession(rows[0]) : null;
  }

  async updateWebSession(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void> {
    await this.query('UPDATE web_sessions SET last_seen_at = $2, idle_expires_at = $3, data = $4 WHERE id_hash = $1', [
      idHash, change.lastSeenAt, change.idleExpiresAt, change.data,
    ]);
  }

  async deleteWebSession(idHash: string): Promise<boolean> {
    const { rowCount } = await this.query('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
    return (rowCount ?? 0) > 0;
  }

  async sweepExpiredWebSessions(now: number, limit: number): Promise<number> {
    return this.transaction(async (client) => {
      if (!(await tryXactLock(client, LOCK_SWEEP_WEB_SESSIONS))) return 0;
      const { rowCount } = await client.query(
        `DELETE FROM web_sessions WHERE id_hash IN (
           SELECT id_hash FROM web_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         )`,
        [now, limit],
      );
      return rowCount ?? 0;
    });
  }
}

/** A clear start-up error naming the server (never the password) and the driver's reason. */
function startFailure(url: string, error: unknown): unknown {
  const failure = asStoreError(error);
  if (!(failure instanceof SessiondError)) return failure;
  let where = 'the configured server';
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    // not a URL node-postgres would have accepted either; keep the generic words
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SessiondError('SERVICE_UNAVAILABLE', `PostgreSQL at ${where} cannot be reached: ${reason}`, { cause: error });
}

function endAudit(session: SessionRecord, ctx: EndContext): AuditRecord {
  return sessionEndedAudit(session, isExpired(session, ctx.now) ? { ...ctx, reason: 'expired' } : ctx);
}

async function tryXactLock(client: PoolClient, key: number): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [key]);
  return rows[0]?.locked === true;
}

/** Writes audit rows in one statement, in the given order. */
async function insertAudit(client: Pick<pg.Pool, 'query'> | PoolClient, records: ReadonlyArray<AuditRecord>): Promise<void> {
  if (records.length === 0) return;
  await client.query(
    `INSERT INTO audit (at, event, handle, user_id, project, reason, actor)
     SELECT at, event, handle, user_id, project, reason, actor
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
       WITH ORDINALITY AS r(at, event, handle, user_id, project, reason, actor, position)
     ORDER BY position`,
    [
      records.map((r) => r.at),
      records.map((r) => r.event),
      records.map((r) => r.handle),
      records.map((r) => r.userId),
      records.map((r) => r.project),
      records.map((r) => r.reason),
      records.map((r) => r.actor),
    ],
  );
}
