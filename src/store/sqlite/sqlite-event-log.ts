import type Database from 'better-sqlite3';
import type { EventLog } from '../../core/ports/event-log.ts';
import type { SessionEventDraft, SessionEventRecord } from '../../core/types.ts';
import { EVENT_COLUMNS, toEvent, type EventRow } from '../sql-rows.ts';
import { SqliteEndLog } from './sqlite-end-log.ts';

/**
 * The event log in SQLite (migration 4): one table whose AUTOINCREMENT key is the seq. One writer
 * at a time (IMMEDIATE transactions), so seq order is commit order. Its session.ended rows are
 * also the store's end log (SqliteEndLog), so pruning never passes the end log's purge mark.
 */
export class SqliteEventLog implements EventLog {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO session_events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      after: db.prepare<[number, number], EventRow>('SELECT * FROM session_events WHERE seq > ? ORDER BY seq LIMIT ?'),
      oldest: db.prepare<[], number | null>('SELECT min(seq) FROM session_events').pluck(),
      newest: db.prepare<[], number | null>("SELECT seq FROM sqlite_sequence WHERE name = 'session_events'").pluck(),
      oldestRows: db.prepare<[number], { seq: number; at: number; type: string }>('SELECT seq, at, type FROM session_events ORDER BY seq LIMIT ?'),
      purgedUpto: db.prepare<[], number>(SqliteEndLog.PURGE_MARK).pluck(),
      deleteUpTo: db.prepare<[number]>('DELETE FROM session_events WHERE seq <= ?'),
    };
  }

  /** Writes events inside the caller's transaction (the change they record); answers their seqs. */
  write(drafts: ReadonlyArray<SessionEventDraft>): number[] {
    return drafts.map((e) => Number(this.stmt.insert.run(e.at, e.type, e.handle, e.idHash, e.userId, e.username, e.project, e.reason).lastInsertRowid));
  }

  async after(after: number, limit: number): Promise<SessionEventRecord[]> {
    return this.stmt.after.all(after, limit).map(toEvent);
  }

  async bounds(): Promise<{ oldest: number | null; newest: number }> {
    return { oldest: (this.stmt.oldest.get() as number | null) ?? null, newest: (this.stmt.newest.get() as number | null | undefined) ?? 0 };
  }

  /**
   * Deletes up to `limit` of the oldest events made before `before`, in seq order, so what is
   * kept has no gaps. It stops at the first younger one (events are written in time order; there
   * is no index by time to keep up with every write) and at the first session.ended past the end
   * log's purge mark: that one still says its session ended (its row is not deleted yet).
   */
  async prune(before: number, limit: number): Promise<number> {
    return this.db
      .transaction(() => {
        const rows = this.stmt.oldestRows.all(limit);
        const purgedUpto = this.stmt.purgedUpto.get() as number;
        const kept = rows.findIndex((row) => row.at >= before || (row.type === 'session.ended' && row.seq > purgedUpto));
        const count = kept === -1 ? rows.length : kept;
        if (count > 0) this.stmt.deleteUpTo.run(rows[count - 1]!.seq);
        return count;
      })
      .immediate();
  }
}
