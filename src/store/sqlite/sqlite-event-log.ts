import type Database from 'better-sqlite3';
import type { EventLog } from '../../core/ports/event-log.ts';
import type { SessionEventDraft, SessionEventRecord } from '../../core/types.ts';
import { EVENT_COLUMNS, toEvent, type EventRow } from '../sql-rows.ts';

/**
 * The event log in SQLite (migration 4): one table whose AUTOINCREMENT key is the seq. One writer
 * at a time (IMMEDIATE transactions), so seq order is commit order.
 */
export class SqliteEventLog implements EventLog {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO session_events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      after: db.prepare<[number, number], EventRow>('SELECT * FROM session_events WHERE seq > ? ORDER BY seq LIMIT ?'),
      oldest: db.prepare<[], number | null>('SELECT min(seq) FROM session_events').pluck(),
      newest: db.prepare<[], number | null>("SELECT seq FROM sqlite_sequence WHERE name = 'session_events'").pluck(),
      prune: db.prepare<[number, number]>('DELETE FROM session_events WHERE seq IN (SELECT seq FROM session_events WHERE at < ? ORDER BY seq LIMIT ?)'),
    };
  }

  /** Writes events inside the caller's transaction (the change they record). */
  write(drafts: ReadonlyArray<SessionEventDraft>): void {
    for (const e of drafts) this.stmt.insert.run(e.at, e.type, e.handle, e.idHash, e.userId, e.username, e.project, e.reason);
  }

  async after(after: number, limit: number): Promise<SessionEventRecord[]> {
    return this.stmt.after.all(after, limit).map(toEvent);
  }

  async bounds(): Promise<{ oldest: number | null; newest: number }> {
    return { oldest: (this.stmt.oldest.get() as number | null) ?? null, newest: (this.stmt.newest.get() as number | null | undefined) ?? 0 };
  }

  async prune(before: number, limit: number): Promise<number> {
    return this.stmt.prune.run(before, limit).changes;
  }
}
