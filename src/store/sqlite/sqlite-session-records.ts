import type Database from 'better-sqlite3';
import { sessionCreatedAudit } from '../../core/audit.ts';
import type { SessionRecords } from '../../core/ports/session-records.ts';
import { pageOf, sessionEvents, settleEnds, settleUserEnds, sweepAudits } from '../../core/session-rules.ts';
import type { AuditRecord, EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../../core/types.ts';
import { countQuery, listingQuery } from '../sql-listing.ts';
import { SESSION_COLUMNS, toSession, type SessionRow } from '../sql-rows.ts';
import type { SqliteAuditLog } from './sqlite-audit-log.ts';
import { SqliteEndLog } from './sqlite-end-log.ts';
import { withoutFsync } from './without-fsync.ts';
import type { SqliteEventLog } from './sqlite-event-log.ts';

/** Listings leave out marked rows and sessions still in the end log. */
const LIVE_ROWS = ['ended_at IS NULL', SqliteEndLog.LIVE_CONDITION];

/** How often, at most, a node asks SQLite whether another process has written (see hasChangedElsewhere). */
export const FOREIGN_WRITE_LOOK_MS = 10;

/**
 * Sessions in SQLite. Ending a session appends it to the end log (SqliteEndLog, migration 10)
 * rather than changing its row, which is cheapest on the request path; the store's upkeep marks
 * the row (ended_at) later, and the sweep deletes marked rows in small batches. Every read
 * leaves out both marked rows and sessions in the end log.
 */
export class SqliteSessionRecords implements SessionRecords {
  private readonly stmt;
  private seenDataVersion: number | undefined;
  private lastLookAt = Number.NEGATIVE_INFINITY;
  readonly ends: SqliteEndLog;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: SqliteAuditLog,
    private readonly events: SqliteEventLog,
    /** Whether another process may write the file (the CLI); an in-memory database is this connection's alone. */
    private readonly shared: boolean,
  ) {
    this.stmt = {
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      insert: db.prepare(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      byHash: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ? AND ended_at IS NULL`),
      byHandle: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE handle = ? AND ended_at IS NULL`),
      ofUser: db.prepare<[string], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND ${LIVE_ROWS.join(' AND ')} ORDER BY created_at, handle`,
      ),
      // core's laterTimers, in SQL: a touch never moves a timer back.
      touch: db.prepare(
        'UPDATE sessions SET last_seen_at = max(last_seen_at, ?), idle_expires_at = max(idle_expires_at, ?) WHERE id_hash = ? AND ended_at IS NULL',
      ),
      expired: db.prepare<[number, number], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE expires_at <= ? AND ${LIVE_ROWS.join(' AND ')} ORDER BY expires_at LIMIT ?`,
      ),
      purgeEnded: db.prepare(
        'DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE ended_at IS NOT NULL ORDER BY ended_at LIMIT ?)',
      ),
    };
    this.ends = new SqliteEndLog(db);
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
  private live(row: SessionRow | undefined): SessionRecord | null {
    return row === undefined || this.ends.has(row.id_hash) ? null : toSession(row);
  }

  /** Appends ends inside the caller's transaction; answers the hashes to remember once it commits. */
  private logEnds(sessions: ReadonlyArray<SessionRecord>, endedAt: number): string[] {
    const hashes = sessions.map((s) => s.idHash);
    this.ends.write(hashes, endedAt);
    return hashes;
  }

  /** A change's audit records and events, inside the caller's transaction. */
  private record(sessions: ReadonlyArray<SessionRecord>, audits: ReadonlyArray<AuditRecord>): void {
    this.audit.write(audits);
    this.events.write(sessionEvents(sessions, audits));
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
      const logged = this.logEnds(sessions, ctx.now);
      this.record(sessions, audits);
      return { live, logged };
    }).immediate();
    this.ends.remember(logged);
    return live;
  }

  private liveRows(rows: ReadonlyArray<SessionRow>): SessionRecord[] {
    return rows.filter((row) => !this.ends.has(row.id_hash)).map(toSession);
  }

  /**
   * One transaction for the whole batch: every row is looked up, logged as ended and audited, or
   * none is. Inside the write lock the end log is read up to date first, so an end another
   * process committed a moment ago is not made again.
   */
  private endBatch(keys: ReadonlyArray<string | null>, find: (key: string) => SessionRow | undefined, ctx: EndContext): Array<SessionRecord | null> {
    const { answers, logged } = this.db.transaction(() => {
      this.ends.readNew();
      const settled = settleEnds(keys, (key) => this.live(find(key)), ctx);
      const logged = this.logEnds(settled.ended, ctx.now);
      this.record(settled.ended, settled.audits);
      return { answers: settled.answers, logged };
    }).immediate();
    this.ends.remember(logged);
    return answers;
  }

  async list(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const { sql, params } = listingQuery(SESSION_COLUMNS, filter, now, () => '?', LIVE_ROWS);
    const rows = this.db.prepare<Array<string | number>, SessionRow>(sql).all(...params);
    return pageOf(rows.map(toSession), filter);
  }

  async count(filter: SessionCountFilter, now: number): Promise<number> {
    const { sql, params } = countQuery(filter, now, () => '?', LIVE_ROWS);
    return this.db.prepare<Array<string | number>, { n: number }>(sql).get(...params)?.n ?? 0;
  }

  async sweepExpired(now: number, limit: number): Promise<SessionRecord[]> {
    const { expired, logged } = this.db.transaction(() => {
      this.ends.readNew();
      const expired = this.liveRows(this.stmt.expired.all(now, limit));
      const logged = this.logEnds(expired, now);
      this.record(expired, sweepAudits(expired, now));
      return { expired, logged };
    }).immediate();
    this.ends.remember(logged);
    await this.purgeEnded();
    return expired;
  }

  /**
   * Deletes rows of sessions that were ended (and audited) earlier, first moving what is left in
   * the end log onto them. Small batches with a yield between them keep the event loop free for
   * requests; a time budget bounds one sweep's share.
   */
  private async purgeEnded(batch = 200, budgetMs = 1000): Promise<void> {
    const until = performance.now() + budgetMs;
    while (this.db.open && performance.now() < until) {
      // Deleting rows already marked ended: a delete lost to a power failure is made again later.
      const moved = withoutFsync(this.db, () => this.ends.apply(batch));
      const purged = withoutFsync(this.db, () => this.db.transaction(() => this.stmt.purgeEnded.run(batch).changes).immediate());
      if (moved < batch && purged < batch) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
