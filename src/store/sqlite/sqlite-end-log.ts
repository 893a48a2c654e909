import type Database from 'better-sqlite3';

/**
 * The SQLite store's end log (migration 10). Ending a session appends a row to session_ends in
 * the same transaction as its audit record and event, instead of marking the session's own row:
 * appended rows share a few pages, while marks fall on a random page of the sessions table each,
 * and every page is written and fsynced with the commit.
 *
 * Until the upkeep (`apply`) has moved an end onto its session's row (ended_at), reads leave the
 * session out through this log: by hash and by row through the set held here, and in listings
 * through SQL (`LIVE_CONDITION`). Ends written by another process on the file (the CLI) are read
 * in by `readNew`, which the store calls when SQLite's data_version says another connection
 * committed.
 */
export class SqliteEndLog {
  /** Hashes of sessions ended here or read in from the log whose rows are not marked yet (or may not be). */
  private readonly ended = new Set<string>();
  private seenSeq = 0;
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      append: db.prepare<[string, number]>('INSERT INTO session_ends (id_hash, ended_at) VALUES (?, ?)'),
      after: db.prepare<[number], { seq: number; id_hash: string }>('SELECT seq, id_hash FROM session_ends WHERE seq > ? ORDER BY seq'),
      oldest: db.prepare<[number], { seq: number; id_hash: string; ended_at: number }>(
        'SELECT seq, id_hash, ended_at FROM session_ends ORDER BY seq LIMIT ?',
      ),
      mark: db.prepare<[number, string]>('UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL'),
      drop: db.prepare<[number]>('DELETE FROM session_ends WHERE seq <= ?'),
      left: db.prepare<[], number>('SELECT count(*) FROM session_ends').pluck(),
    };
    this.readNew();
  }

  /** The SQL term that keeps a listing to sessions the log has not ended. */
  static readonly LIVE_CONDITION = 'id_hash NOT IN (SELECT id_hash FROM session_ends)';

  /** Whether the session with this hash was ended (as far as this process has read the log). */
  has(idHash: string): boolean {
    return this.ended.has(idHash);
  }

  /** Appends ends inside the caller's transaction; `remember` them once it has committed. */
  write(idHashes: ReadonlyArray<string>, endedAt: number): void {
    for (const idHash of idHashes) this.stmt.append.run(idHash, endedAt);
  }

  remember(idHashes: ReadonlyArray<string>): void {
    for (const idHash of idHashes) this.ended.add(idHash);
  }

  /** Reads ends other processes appended since this one last looked. */
  readNew(): void {
    for (const row of this.stmt.after.all(this.seenSeq)) {
      this.ended.add(row.id_hash);
      this.seenSeq = row.seq;
    }
  }

  /**
   * Moves up to `batch` of the oldest ends onto their sessions' rows and drops them from the log,
   * in one transaction; answers how many it moved. The caller commits it without its own fsync:
   * lost to a power failure, the marks and the drop are lost together and the log still holds the
   * ends (each was fsynced with its own change), so they are moved again.
   */
  apply(batch: number): number {
    const moved = this.db
      .transaction(() => {
        const rows = this.stmt.oldest.all(batch);
        for (const row of rows) this.stmt.mark.run(row.ended_at, row.id_hash);
        if (rows.length > 0) this.stmt.drop.run(rows[rows.length - 1]!.seq);
        // The set may forget what is marked now; once the log is empty, whatever it still holds
        // (ends another process moved) is marked too.
        const empty = (this.stmt.left.get() as number) === 0;
        return { rows, empty };
      })
      .immediate();
    if (moved.empty) this.ended.clear();
    else for (const row of moved.rows) this.ended.delete(row.id_hash);
    return moved.rows.length;
  }
}
