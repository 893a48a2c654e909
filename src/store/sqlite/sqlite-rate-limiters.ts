import type Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { StoreRateLimiters } from '../rate-limiters.ts';
import { asSqliteFailure } from './sqlite-failures.ts';

/** The table migration 5 made for the counters (the library's own shape: key, points, expire). */
const TABLE = 'login_limits';

/**
 * Counters in the SQLite file, through rate-limiter-flexible's RateLimiterSQLite on the store's
 * own better-sqlite3 connection: every process on the file shares them, and they survive a restart.
 */
export function sqliteRateLimiters(db: Database.Database): StoreRateLimiters {
  const deleteExpired = db.prepare(`DELETE FROM ${TABLE} WHERE expire < ?`);
  return {
    create: (spec) =>
      new RateLimiterSQLite({
        storeClient: db,
        storeType: 'better-sqlite3',
        tableName: TABLE,
        tableCreated: true,
        // The sweeper deletes ended windows (sweep below); the library's own timer would outlive a closed file.
        clearExpiredByTimeout: false,
        keyPrefix: spec.name,
        points: spec.points,
        duration: spec.durationSeconds,
      }),
    translate: asSqliteFailure,
    async sweep(nowMs) {
      try {
        deleteExpired.run(nowMs);
      } catch (error) {
        throw asSqliteFailure(error);
      }
    },
  };
}
