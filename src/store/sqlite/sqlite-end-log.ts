import type Database from 'better-sqlite3';

/**
 * The SQLite store's end log (session_ends, migration 10): the truth about which sessions ended.
 * Ending a session appends a row here in the same fsync'd transaction as its audit record and
 * event; its row in `sessions` is neither marked nor deleted then, only when it expires (the
 * sweep deletes both). Appended rows share a few pages, while a mark or a delete falls on a
 * random page of the sessions table (and of its indexes) for every end.
 *
 * Reads leave ended sessions out through the map held here (hash → the end's seq): by hash and
 * by row directly, in listings through the SQL function `ended_here(id_hash)` (LIVE_CONDITION),
 * which asks the map. Ends written by another process on the file (the CLI) are read in by
 * `readNew`.
 */
export class SqliteEndLog {
  /** Every end in the log as far as this process has read it: hash → seq. */
  private readonly ended = new Map<string, number>();
  private seenSeq = 0;
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      append: db.prepare<[string, number]>('INSERT INTO session_ends (id_hash, ended_at) VALUES (?, ?)'),
      after: db.prepare<[number], { seq: number; id_hash: string }>('SELECT seq, id_hash FROM session_ends WHERE seq > ? ORDER BY seq'),
      drop: db.prepare<[number]>('DELETE FROM session_ends WHERE seq = ?'),
      oldest: db.prepare<[number, number], { seq: number; id_hash: string }>('SELECT seq, id_hash FROM session_ends WHERE ended_at <= ? ORDER BY seq LIMIT ?'),
      left: db.prepare<[], number>('SELECT count(*) FROM session_ends').pluck(),
    };
    db.function('ended_here', { deterministic: false }, (idHash: unknown) => (typeof idHash === 'string' && this.ended.has(idHash) ? 1 : 0));
    this.readNew();
  }

  /** The SQL term that keeps a listing to sessions the log has not ended (call readNew first when the file is shared). */
  static readonly LIVE_CONDITION = 'NOT ended_here(id_hash)';

  /** Whether the session with this hash was ended (as far as this process has read the log). */
  has(idHash: string): boolean {
    return this.ended.has(idHash);
  }

  /**
   * Appends ends inside the caller's write transaction, which must have called `readNew` first;
   * `remember` what it answers once that has committed.
   */
  write(idHashes: ReadonlyArray<string>, endedAt: number): Array<[string, number]> {
    return idHashes.map((idHash) => [idHash, Number(this.stmt.append.run(idHash, endedAt).lastInsertRowid)]);
  }

  /**
   * Also moves `readNew`'s mark past these ends: the transaction that wrote them read the log up
   * to date inside the write lock first, so no other process's end lies between, and the next
   * `readNew` need not read this process's own ends back (200 rows after each invalidate).
   */
  remember(ends: ReadonlyArray<[string, number]>): void {
    for (const [idHash, seq] of ends) {
      this.ended.set(idHash, seq);
      if (seq > this.seenSeq) this.seenSeq = seq;
    }
  }

  /** Reads ends other processes appended since this one last looked. */
  readNew(): void {
    for (const row of this.stmt.after.all(this.seenSeq)) {
      this.ended.set(row.id_hash, row.seq);
      this.seenSeq = row.seq;
    }
  }

  /**
   * Drops the ends of sessions whose rows the caller deletes in its transaction (they expired);
   * answers the hashes to `forget` once it has committed.
   */
  drop(idHashes: ReadonlyArray<string>): string[] {
    const dropped: string[] = [];
    for (const idHash of idHashes) {
      const seq = this.ended.get(idHash);
      if (seq === undefined) continue;
      this.stmt.drop.run(seq);
      dropped.push(idHash);
    }
    return dropped;
  }

  /**
   * Drops up to `batch` of the oldest ends made at or before `endedBy`, inside the caller's
   * transaction, which deletes their sessions' rows with them; answers their hashes (to `forget`
   * once it has committed).
   */
  dropOldest(endedBy: number, batch: number): string[] {
    const rows = this.stmt.oldest.all(endedBy, batch);
    for (const row of rows) this.stmt.drop.run(row.seq);
    return rows.map((row) => row.id_hash);
  }

  forget(idHashes: ReadonlyArray<string>): void {
    for (const idHash of idHashes) this.ended.delete(idHash);
  }

  /**
   * Another process's sweep may have dropped ends this one still holds; when the map holds more
   * than the log, it is read again from the start (the sweep calls this before it starts).
   */
  resyncIfStale(): void {
    if (this.ended.size <= (this.stmt.left.get() as number)) return;
    this.ended.clear();
    this.seenSeq = 0;
    this.readNew();
  }
}
