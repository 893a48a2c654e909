import type Database from 'better-sqlite3';

/** One end: the session's hash and its session.ended event's seq. */
export type LoggedEnd = [idHash: string, seq: number];

/**
 * The SQLite store's end log: the truth about which sessions ended is their `session.ended`
 * events (session_events, written in the same fsync'd transaction as the end's audit record), so
 * an end writes no row of its own (migration 11; session_ends before it). The session's row is
 * neither marked nor deleted then: the sweep deletes it a minute later (`purgeable`), or when it
 * expires, and moves `session_ends_purged.upto` past the ends whose rows are gone. Events after
 * that mark are the log; the event log's pruning stops at it.
 *
 * Reads leave ended sessions out through the map held here (hash → the end's seq): by hash and
 * by row directly, in listings through the SQL function `ended_here(id_hash)` (LIVE_CONDITION),
 * which asks the map. Ends written by another process on the file (the CLI) are read in by
 * `readNew`.
 */
export class SqliteEndLog {
  /** Every end after the purge mark, as far as this process has read them: hash → seq. */
  private readonly ended = new Map<string, number>();
  private seenSeq = 0;
  /** The purge mark as this process last read or moved it. */
  private purgedUpto = 0;
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      // Every type: the mark moves past sessions created too, so each event is read once.
      after: db.prepare<[number], { seq: number; type: string; id_hash: string }>('SELECT seq, type, id_hash FROM session_events WHERE seq > ? ORDER BY seq'),
      pastMark: db.prepare<[number, number], { seq: number; type: string; id_hash: string; at: number }>(
        'SELECT seq, type, id_hash, at FROM session_events WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      upto: db.prepare<[], number>(SqliteEndLog.PURGE_MARK).pluck(),
      setUpto: db.prepare<[number]>('UPDATE session_ends_purged SET upto = max(upto, ?)'),
    };
    db.function('ended_here', { deterministic: false }, (idHash: unknown) => (typeof idHash === 'string' && this.ended.has(idHash) ? 1 : 0));
    this.purgedUpto = this.stmt.upto.get() as number;
    this.seenSeq = this.purgedUpto;
    this.readNew();
  }

  /** The SQL that reads the purge mark: the seq up to which ended sessions' rows are gone (the event log's pruning stops past it). */
  static readonly PURGE_MARK = 'SELECT upto FROM session_ends_purged';

  /** The SQL term that keeps a listing to sessions the log has not ended (call readNew first when the file is shared). */
  static readonly LIVE_CONDITION = 'NOT ended_here(id_hash)';

  /** Whether the session with this hash was ended (as far as this process has read the log). */
  has(idHash: string): boolean {
    return this.ended.has(idHash);
  }

  /**
   * Takes in ends this process wrote (the seqs of their events), once their transaction has
   * committed. That transaction read the log up to date inside the write lock first, so no other
   * process's end lies between, and `readNew`'s mark moves past them: the next `readNew` need not
   * read this process's own ends back (200 rows after each invalidate).
   */
  remember(ends: ReadonlyArray<LoggedEnd>): void {
    for (const [idHash, seq] of ends) {
      this.ended.set(idHash, seq);
      if (seq > this.seenSeq) this.seenSeq = seq;
    }
  }

  /** Reads ends logged since this one last looked (by other processes, or by this one's writes that are not `remember`ed). */
  readNew(): void {
    for (const row of this.stmt.after.all(this.seenSeq)) {
      if (row.type === 'session.ended') this.ended.set(row.id_hash, row.seq);
      this.seenSeq = row.seq;
    }
  }

  /** Of these hashes (rows the caller deletes in its transaction: they expired), the ones held as ended. */
  heldOf(idHashes: ReadonlyArray<string>): string[] {
    return idHashes.filter((idHash) => this.ended.has(idHash));
  }

  /**
   * Inside the caller's write transaction: the hashes of up to `batch` events past the purge mark
   * whose rows can go (ends made at or before `endedBy`; sessions created or expired need no
   * delete and are only passed), stopping at the first younger end. The caller deletes those rows
   * and the mark moves past them in the same transaction. Answers the ended hashes (to `forget`
   * once it has committed) and how many events were passed.
   */
  purgeable(endedBy: number, batch: number): { ended: string[]; passed: number } {
    const rows = this.stmt.pastMark.all(this.stmt.upto.get() as number, batch);
    const ended: string[] = [];
    let upto: number | undefined;
    let passed = 0;
    for (const row of rows) {
      if (row.type === 'session.ended') {
        if (row.at > endedBy) break;
        ended.push(row.id_hash);
      }
      upto = row.seq;
      passed++;
    }
    if (upto !== undefined) {
      this.stmt.setUpto.run(upto);
      this.purgedUpto = upto;
    }
    return { ended, passed };
  }

  forget(idHashes: ReadonlyArray<string>): void {
    for (const idHash of idHashes) this.ended.delete(idHash);
  }

  /**
   * Another process's sweep may have purged ends this one still holds (their rows are gone):
   * when the mark has moved since this process last saw it, those are let go. The sweep calls
   * this before it starts.
   */
  forgetPurgedElsewhere(): void {
    const upto = this.stmt.upto.get() as number;
    if (upto <= this.purgedUpto) return;
    this.purgedUpto = upto;
    for (const [idHash, seq] of this.ended) if (seq <= upto) this.ended.delete(idHash);
  }
}
