import pg from 'pg';
import { SessiondError } from '../../core/errors.ts';
import type { Store } from '../../core/ports/store.ts';
import { migrate } from './migrations.ts';
import { asStoreError } from './pg-errors.ts';
import { PostgresEventLog } from './postgres-event-log.ts';
import { PostgresAuditLog } from './postgres-audit-log.ts';
import type { WithRateLimiters } from '../rate-limiters.ts';
import { PostgresDb } from './postgres-db.ts';
import { postgresRateLimiters } from './postgres-rate-limiters.ts';
import { PostgresSessionRecords } from './postgres-session-records.ts';
import { PostgresUsers } from './postgres-users.ts';
import { PostgresWebSessions } from './postgres-web-sessions.ts';
import { PostgresWebhooks } from './postgres-webhooks.ts';

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
  /**
   * Told about connection errors of idle clients, which the pool has already dropped; the
   * composition root logs them. Required: an unheard pool error would crash the process.
   */
  onIdleError: (error: Error) => void;
}

/**
 * The PostgreSQL store, for several nodes on one database: a node-postgres pool, migrations at
 * start under an advisory lock, every multi-row change and its audit rows in one transaction,
 * and sweeps that only one node runs at a time. Lost connections fail closed (503) and the pool
 * reconnects on the next request.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions): Promise<Store & WithRateLimiters> {
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
  pool.on('error', (error) => options.onIdleError(error));
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
  const db = new PostgresDb(pool);
  const sessions = new PostgresSessionRecords(db);
  return {
    kind: 'postgres',
    sessions,
    users: new PostgresUsers(db),
    audit: new PostgresAuditLog(db),
    events: new PostgresEventLog(db),
    webSessions: new PostgresWebSessions(db),
    webhooks: new PostgresWebhooks(db),
    rateLimiters: postgresRateLimiters(pool),
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      await sessions.settle();
      if (!pool.ended) await pool.end();
    },
  };
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
