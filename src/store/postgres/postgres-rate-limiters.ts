import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { StoreRateLimiters } from '../rate-limiters.ts';
import { asStoreError } from './pg-errors.ts';

/** The table migration 5 made for the counters (the library's own shape: key, points, expire). */
const TABLE = 'login_limits';

/**
 * Counters in PostgreSQL, through rate-limiter-flexible's RateLimiterPostgres on the store's
 * pool: one atomic upsert per count, shared by every node on the database.
 */
export function postgresRateLimiters(pool: pg.Pool): StoreRateLimiters {
  return {
    create: (spec) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: TABLE,
        tableCreated: true,
        // The sweeper deletes ended windows (sweep below), in the same place as the other sweeps.
        clearExpiredByTimeout: false,
        keyPrefix: spec.name,
        points: spec.points,
        duration: spec.durationSeconds,
      }),
    translate: asStoreError,
    async sweep(nowMs) {
      try {
        await pool.query(`DELETE FROM ${TABLE} WHERE expire < $1`, [nowMs]);
      } catch (error) {
        throw asStoreError(error);
      }
    },
  };
}
