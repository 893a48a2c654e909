import type Database from 'better-sqlite3';

const pragmas = new WeakMap<Database.Database, { normal: Database.Statement; full: Database.Statement }>();

/**
 * Runs a write whose loss at a power failure is harmless with synchronous=NORMAL: in WAL mode
 * its commit reaches the WAL (so it survives the process dying) without an fsync of its own, and
 * the next fsync'd commit or checkpoint makes it durable. The store is synchronous=FULL for
 * everything else.
 */
export function withoutFsync<T>(db: Database.Database, write: () => T): T {
  let statements = pragmas.get(db);
  if (statements === undefined) {
    statements = { normal: db.prepare('PRAGMA synchronous = NORMAL'), full: db.prepare('PRAGMA synchronous = FULL') };
    pragmas.set(db, statements);
  }
  statements.normal.run();
  try {
    return write();
  } finally {
    statements.full.run();
  }
}
