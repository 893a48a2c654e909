import Database from 'better-sqlite3';
import { asStoreFailure, type StoreFailureKind } from '../../core/store-failures.ts';

/** Which of core's failure kinds a better-sqlite3 error is, or null for a bug or a refused statement. */
export function sqliteFailureKind(error: unknown): StoreFailureKind | null {
  if (error instanceof Database.SqliteError) {
    if (/^SQLITE_(BUSY|LOCKED)/.test(error.code)) return 'lock-timeout';
    if (/^SQLITE_(IOERR|CANTOPEN|FULL|READONLY)/.test(error.code)) return 'io';
    return null;
  }
  // better-sqlite3 throws a TypeError when a statement runs on a closed database.
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) return 'unreachable';
  return null;
}

export function asSqliteFailure(error: unknown): unknown {
  return asStoreFailure(error, sqliteFailureKind(error));
}
