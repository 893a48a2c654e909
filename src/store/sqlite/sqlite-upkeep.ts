import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { SqliteAuditLog } from './sqlite-audit-log.ts';
import type { SqliteEndLog } from './sqlite-end-log.ts';
import { withoutFsync } from './without-fsync.ts';

/** How often the upkeep looks for work, and how much one transaction of it takes. */
const UPKEEP_INTERVAL_MS = 200;
const END_BATCH = 200;
const KEY_BATCH = 500;

/**
 * The SQLite store's background upkeep: it moves the end log onto the sessions' rows and adds new
 * audit records to the handle and user lookups (see SqliteEndLog and SqliteAuditLog), the random
 * page writes a request no longer makes. Small transactions with a turn of the event loop between
 * them keep requests flowing; none is fsynced on its own (each can be made again if lost).
 */
export class SqliteUpkeep {
  private readonly timer: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly db: Database.Database,
    private readonly ends: SqliteEndLog,
    private readonly audit: SqliteAuditLog,
  ) {
    this.timer = setInterval(() => void this.run(), UPKEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Does whatever is waiting; answers once nothing is (also for tests and shutdown). */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.db.open) {
        const moved = withoutFsync(this.db, () => this.ends.apply(END_BATCH));
        const indexed = withoutFsync(this.db, () => this.audit.indexKeys(KEY_BATCH));
        if (moved < END_BATCH && indexed < KEY_BATCH) return;
        await nextTurn();
      }
    } catch {
      // Busy (another process holds the write lock) or closing: the next round tries again.
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
