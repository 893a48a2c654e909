import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { AuditRecord } from '../../core/types.ts';
import { asStoreError, isConnectionError } from './pg-errors.ts';

/** The pool the PostgreSQL ports share: queries and transactions whose failures fail closed. */
export class PostgresDb {
  constructor(readonly pool: pg.Pool) {}

  /** `name` makes it a named prepared statement: parsed once per connection, then bound and run. */
  async query<R extends QueryResultRow>(sql: string, params: unknown[] = [], name?: string): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(name === undefined ? { text: sql, values: params } : { name, text: sql, values: params });
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /** Runs `work` in one transaction on one connection; a failure rolls everything back. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
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
}

export async function tryXactLock(client: PoolClient, key: number): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [key]);
  return rows[0]?.locked === true;
}

/** Writes audit rows in one statement, in the given order. */
export async function insertAudit(client: Pick<pg.Pool, 'query'> | PoolClient, records: ReadonlyArray<AuditRecord>): Promise<void> {
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
