import type Database from 'better-sqlite3';
import { sessionCreatedAudit } from '../../core/audit.ts';
import type { SessionRecords } from '../../core/ports/session-records.ts';
import { pageOf, sessionEvents, settleEnds, settleUserEnds, sweepAudits } from '../../core/session-rules.ts';
import type { AuditRecord, EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../../core/types.ts';
import { countQuery, listingQuery } from '../sql-listing.ts';
import { SESSION_COLUMNS, toSession, tupleToSession, type SessionRow, type SessionTuple } from '../sql-rows.ts';
import type { SqliteAuditLog } from './sqlite-audit-log.ts';
import { SqliteEndLog, type LoggedEnd } from './sqlite-end-log.ts';
import type { SqliteEventLog } from './sqlite-event-log.ts';
import { withoutFsync } from './without-fsync.ts';

/** Listings leave out rows marked ended (before migration 10, or moved there by migration 11) and sessions in the end log. */
const LIVE_ROWS = ['ended_at IS NULL', SqliteEndLog.LIVE_CONDITION];

/**
 * How long an ended session's row stays (and its end in memory) before the next sweep deletes
 * the row and moves the end log's purge mark past its end. Rows are not deleted on the request
 * path (random page writes, each paid by that request's fsync); past this, the map in memory
 * would grow with every end until the session's absolute expiry (24 h by default). Shorter when
 * the event log is kept for less (its pruning waits for the purge).
 */
export const END_KEPT_MS = 60_000;
const END_PURGE_BATCH = 200;

/** How often, at most, a node asks SQLite whether another process has written (see hasChangedElsewhere). */
export const FOREIGN_WRITE_LOOK_MS = 10;

/**
 * Sessions in SQLite. Ending a session writes its audit record and its session.ended event, which
 * is the end log (SqliteEndLog), and leaves its row alone: a minute later, or when the session
 * expires, the sweep deletes the row. Every read leaves out sessions in the end log (and rows
 * marked ended by versions before it).
 */
export class SqliteSessionRecords implements SessionRecords {
  private readonly stmt;
  private seenDataVersion: number | undefined;
  private lastLookAt = Number.NEGATIVE_INFINITY;
  /** The purge of old ends running now, if one is (see purgeOldEnds). */
  private purging: Promise<void> | undefined;
  readonly ends: SqliteEndLog;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: SqliteAuditLog,
    private readonly events: SqliteEventLog,
    /** Whether another process may write the file (the CLI); an in-memory database is this connection's alone. */
    private readonly shared: boolean,
    /** How long after an end its row is purged: END_KEPT_MS, or the event log's retention if shorter. */
    private readonly endKeptMs: number = END_KEPT_MS,
  ) {
    // First: it defines the SQL function the statements below call.
    this.ends = new SqliteEndLog(db);
    this.stmt = {
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      insert: db.prepare(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      // Rows as arrays (SessionTuple): the 200 lookups of an invalidate are most of its CPU.
      byHash: db.prepare<[string], SessionTuple>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ? AND ended_at IS NULL`).raw(),
      byHandle: db.prepare<[string], SessionTuple>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE handle = ? AND ended_at IS NULL`).raw(),
      ofUser: db.prepare<[string], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND ${LIVE_ROWS.join(' AND ')} ORDER BY created_at, handle`,
      ),
      // core's laterTimers, in SQL: a touch never moves a timer back.
      touch: db.prepare(
        'UPDATE sessions SET last_seen_at = max(last_seen_at, ?), idle_expires_at = max(idle_expires_at, ?) WHERE id_hash = ? AND ended_at IS NULL',
      ),
      // Ended or not: an ended session's row is deleted when it expires, as a live one is.
      expired: db.prepare<[number, number], SessionRow & { ended_at: number | null }>(
        `SELECT ${SESSION_COLUMNS}, ended_at FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`,
      ),
      delete: db.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?'),
    };
    this.seenDataVersion = this.stmt.dataVersion.get() as number;
  }

  /**
   * SQLite's data_version changes when another connection (another process on this file, such
   * as `sessiond sessions invalidate`) commits; this connection's own commits leave it alone.
   * Asking costs a read transaction (system calls), so it is asked at most once every
   * FOREIGN_WRITE_LOOK_MS, from the request that needs it: a commit by another process is seen
   * by every request that starts FOREIGN_WRITE_LOOK_MS after it. The CLI waits twice that long
   * before it reports, so what it reports as ended is refused by the server from then on.
   */
  hasChangedElsewhere(): boolean {
    if (!this.shared) return false;
    const now = performance.now();
    if (now - this.lastLookAt < FOREIGN_WRITE_LOOK_MS) return false;
    this.lastLookAt = now;
    const version = this.stmt.dataVersion.get() as number;
    const changed = this.seenDataVersion !== undefined && version !== this.seenDataVersion;
    this.seenDataVersion = version;
    // Another process's ends go into the end log as well as emptying the caller's cache.
    if (changed) this.ends.readNew();
    return changed;
  }

  /** A row as a live session, or null when it is in the end log. */
  private live(row: SessionTuple | undefined): SessionRecord | null {
    return row === undefined || this.ends.has(row[0]) ? null : tupleToSession(row);
  }

  /**
   * A change's audit records and events, inside the caller's transaction; answers its ends (the
   * session.ended events' seqs), for the end log to remember once the transaction commits.
   */
  private record(sessions: ReadonlyArray<SessionRecord>, audits: ReadonlyArray<AuditRecord>): LoggedEnd[] {
    this.audit.write(audits);
    const events = sessionEvents(sessions, audits);
    const seqs = this.events.write(events);
    const ends: LoggedEnd[] = [];
    events.forEach((event, i) => {
      if (event.type === 'session.ended') ends.push([event.idHash, seqs[i]!]);
    });
    return ends;
  }

  async insert(s: SessionRecord): Promise<void> {
    this.db.transaction(() => {
      this.stmt.insert.run(s.idHash, s.handle, s.userId, s.username, s.project, s.createdAt, s.lastSeenAt, s.idleExpiresAt, s.absoluteExpiresAt, s.ip, s.userAgent);
      this.record([s], [sessionCreatedAudit(s)]);
    }).immediate();
  }

  async findByHash(idHash: string): Promise<SessionRecord | null> {
    // Exact, not throttled: a check that reaches the store sees an end another process just
    // committed (a range read of the log's new rows, usually none).
    if (this.shared) this.ends.readNew();
    return this.live(this.stmt.byHash.get(idHash));
  }

  /**
   * A touch is committed without its own fsync: it reaches the WAL (so it survives the process
   * dying) and is made durable by the next fsync'd commit or checkpoint. Lost only to a power
   * failure, a touch leaves the idle timer where it was, which ends the session sooner, never
   * later. An fsync per touch cost 1-3 ms of the event loop on every session once a minute.
   */
  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    withoutFsync(this.db, () => this.stmt.touch.run(lastSeenAt, idleExpiresAt, idHash));
  }

  async endByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endBatch(idHashes, (hash) => this.stmt.byHash.get(hash), ctx);
  }

  async endByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endBatch(handles, (handle) => this.stmt.byHandle.get(handle), ctx);
  }

  async endOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    const { live, logged } = this.db.transaction(() => {
      this.ends.readNew();
      const sessions = this.liveRows(this.stmt.ofUser.all(userId));
      const { audits, live } = settleUserEnds(sessions, ctx);
      return { live, logged: this.record(sessions, audits) };
    }).immediate();
    this.ends.remember(logged);
    return live;
  }

  private liveRows(rows: ReadonlyArray<SessionRow>): SessionRecord[] {
    return rows.filter((row) => !this.ends.has(row.id_hash)).map(toSession);
  }

  /**
   * One transaction for the whole batch: every row is looked up, audited and logged as ended, or
   * none is. Inside the write lock the end log is read up to date first, so an end another
   * process committed a moment ago is not made again.
   */
  private endBatch(keys: ReadonlyArray<string | null>, find: (key: string) => SessionTuple | undefined, ctx: EndContext): Array<SessionRecord | null> {
    const { answers, logged } = this.db.transaction(() => {
      this.ends.readNew();
      const settled = settleEnds(keys, (key) => this.live(find(key)), ctx);
      return { answers: settled.answers, logged: this.record(settled.ended, settled.audits) };
    }).immediate();
    this.ends.remember(logged);
    return answers;
  }

  async list(filter: SessionListFilter, now: number): Promise<SessionPage> {
    if (this.shared) this.ends.readNew();
    const { sql, params } = listingQuery(SESSION_COLUMNS, filter, now, () => '?', LIVE_ROWS);
    const rows = this.db.prepare<Array<string | number>, SessionRow>(sql).all(...params);
    return pageOf(rows.map(toSession), filter);
  }

  async count(filter: SessionCountFilter, now: number): Promise<number> {
    if (this.shared) this.ends.readNew();
    const { sql, params } = countQuery(filter, now, () => '?', LIVE_ROWS);
    return this.db.prepare<Array<string | number>, { n: number }>(sql).get(...params)?.n ?? 0;
  }

  /**
   * Deletes the rows of expired sessions, up to `limit` live ones (audited and announced as
   * expired) and any number of ended ones met on the way (silently: their end was audited when
   * it was made). One fsync'd transaction per batch of rows read, with a turn of
   * the event loop between batches.
   */
  async sweepExpired(now: number, limit: number): Promise<SessionRecord[]> {
    const swept: SessionRecord[] = [];
    this.ends.forgetPurgedElsewhere();
    while (this.db.open && swept.length < limit) {
      const want = limit - swept.length;
      const { expired, read, dropped, logged } = this.db.transaction(() => {
        this.ends.readNew();
        const rows = this.stmt.expired.all(now, want);
        const isEnded = (row: (typeof rows)[number]) => row.ended_at !== null || this.ends.has(row.id_hash);
        const expired = rows.filter((row) => !isEnded(row)).map(toSession);
        for (const row of rows) this.stmt.delete.run(row.id_hash);
        const dropped = this.ends.heldOf(rows.filter(isEnded).map((row) => row.id_hash));
        // The expired sessions' ends too: readNew would read them back otherwise (their rows are gone; the purge lets them go).
        const logged = this.record(expired, sweepAudits(expired, now));
        return { expired, read: rows.length, dropped, logged };
      }).immediate();
      this.ends.forget(dropped);
      this.ends.remember(logged);
      swept.push(...expired);
      if (read < want) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.purgeOldEnds(now - this.endKeptMs);
    return swept;
  }

  /**
   * Deletes the rows of sessions ended at or before `endedBy` and moves the end log's purge mark
   * past their ends, until none is left, in small transactions. None is fsynced on its own: a
   * purge lost to a power failure brings back the rows and the old mark together, still ended,
   * and is made again at the next sweep.
   *
   * It runs until it has caught up, because a purge that stops at a budget falls behind whenever
   * sessions end faster than the budget deletes them, and then the log and its in-memory map grow
   * for as long as the load lasts (a 10-minute soak ending 113 sessions a second with a budget of
   * 1 s a minute: 12.6 k → 46.6 k ends held, bench/NOTES.md). Each batch is followed by a pause
   * as long as the batch took, so a purge never takes more than half of the event loop's time
   * from requests, however large its backlog. One purge at a time: a sweep that finds one
   * running waits for it.
   */
  private purgeOldEnds(endedBy: number): Promise<void> {
    this.purging ??= this.purgeUntilCaughtUp(endedBy).finally(() => {
      this.purging = undefined;
    });
    return this.purging;
  }

  private async purgeUntilCaughtUp(endedBy: number): Promise<void> {
    while (this.db.open) {
      const started = performance.now();
      const { ended, passed } = withoutFsync(this.db, () =>
        this.db
          .transaction(() => {
            const purgeable = this.ends.purgeable(endedBy, END_PURGE_BATCH);
            for (const idHash of purgeable.ended) this.stmt.delete.run(idHash);
            return purgeable;
          })
          .immediate(),
      );
      this.ends.forget(ended);
      if (passed < END_PURGE_BATCH) return;
      await new Promise((resolve) => setTimeout(resolve, performance.now() - started));
    }
  }
}
