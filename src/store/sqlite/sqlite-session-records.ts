import type Database from 'better-sqlite3';
import { sessionCreatedAudit } from '../../core/audit.ts';
import type { SessionRecords } from '../../core/ports/session-records.ts';
import { pageOf, sessionEvents, settleEnds, settleUserEnds, sweepAudits } from '../../core/session-rules.ts';
import type { AuditRecord, EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../../core/types.ts';
import { countQuery, listingQuery } from '../sql-listing.ts';
import { SESSION_COLUMNS, toSession, type SessionRow } from '../sql-rows.ts';
import type { SqliteAuditLog } from './sqlite-audit-log.ts';
import type { SqliteEventLog } from './sqlite-event-log.ts';

/** How often, at most, a node asks SQLite whether another process has written (see hasChangedElsewhere). */
export const FOREIGN_WRITE_LOOK_MS = 10;

/**
 * Sessions in SQLite. Ending a session marks its row (ended_at) rather than deleting it, which
 * is cheaper on the request path (migration 2); every read leaves marked rows out, and the sweep
 * deletes them later in small batches.
 */
export class SqliteSessionRecords implements SessionRecords {
  private readonly stmt;
  private seenDataVersion: number | undefined;
  private lastLookAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: SqliteAuditLog,
    private readonly events: SqliteEventLog,
    /** Whether another process may write the file (the CLI); an in-memory database is this connection's alone. */
    private readonly shared: boolean,
  ) {
    this.stmt = {
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      lazySync: db.prepare('PRAGMA synchronous = NORMAL'),
      fullSync: db.prepare('PRAGMA synchronous = FULL'),
      insert: db.prepare(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      byHash: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ? AND ended_at IS NULL`),
      byHandle: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE handle = ? AND ended_at IS NULL`),
      ofUser: db.prepare<[string], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND ended_at IS NULL ORDER BY created_at, handle`,
      ),
      // core's laterTimers, in SQL: a touch never moves a timer back.
      touch: db.prepare(
        'UPDATE sessions SET last_seen_at = max(last_seen_at, ?), idle_expires_at = max(idle_expires_at, ?) WHERE id_hash = ? AND ended_at IS NULL',
      ),
      markEnded: db.prepare('UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL'),
      expired: db.prepare<[number, number], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE expires_at <= ? AND ended_at IS NULL ORDER BY expires_at LIMIT ?`,
      ),
      purgeEnded: db.prepare(
        'DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE ended_at IS NOT NULL ORDER BY ended_at LIMIT ?)',
      ),
    };
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
    return changed;
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
    const row = this.stmt.byHash.get(idHash);
    return row ? toSession(row) : null;
  }

  /**
   * A touch is committed without its own fsync: it reaches the WAL (so it survives the process
   * dying) and is made durable by the next fsync'd commit or checkpoint. Lost only to a power
   * failure, a touch leaves the idle timer where it was, which ends the session sooner, never
   * later. An fsync per touch cost 1-3 ms of the event loop on every session once a minute.
   */
  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    this.withoutFsync(() => this.stmt.touch.run(lastSeenAt, idleExpiresAt, idHash));
  }

  /** Runs a write whose loss at a power failure is harmless (see touch) with synchronous=NORMAL. */
  private withoutFsync<T>(write: () => T): T {
    this.stmt.lazySync.run();
    try {
      return write();
    } finally {
      this.stmt.fullSync.run();
    }
  }

  async endByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endBatch(idHashes, (hash) => this.stmt.byHash.get(hash), ctx);
  }

  async endByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endBatch(handles, (handle) => this.stmt.byHandle.get(handle), ctx);
  }

  async endOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    return this.db.transaction(() => {
      const sessions = this.stmt.ofUser.all(userId).map(toSession);
      const { audits, live } = settleUserEnds(sessions, ctx);
      for (const s of sessions) this.stmt.markEnded.run(ctx.now, s.idHash);
      this.record(sessions, audits);
      return live;
    }).immediate();
  }

  /** One transaction for the whole batch: every row is looked up, marked and audited, or none is. */
  private endBatch(keys: ReadonlyArray<string | null>, find: (key: string) => SessionRow | undefined, ctx: EndContext): Array<SessionRecord | null> {
    return this.db.transaction(() => {
      const settled = settleEnds(keys, (key) => {
        const row = find(key);
        return row ? toSession(row) : null;
      }, ctx);
      for (const s of settled.ended) this.stmt.markEnded.run(ctx.now, s.idHash);
      this.record(settled.ended, settled.audits);
      return settled.answers;
    }).immediate();
  }

  async list(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const { sql, params } = listingQuery(SESSION_COLUMNS, filter, now, () => '?', ['ended_at IS NULL']);
    const rows = this.db.prepare<Array<string | number>, SessionRow>(sql).all(...params);
    return pageOf(rows.map(toSession), filter);
  }

  async count(filter: SessionCountFilter, now: number): Promise<number> {
    const { sql, params } = countQuery(filter, now, () => '?', ['ended_at IS NULL']);
    return this.db.prepare<Array<string | number>, { n: number }>(sql).get(...params)?.n ?? 0;
  }

  async sweepExpired(now: number, limit: number): Promise<SessionRecord[]> {
    const sessions = this.db.transaction(() => {
      const expired = this.stmt.expired.all(now, limit).map(toSession);
      for (const s of expired) this.stmt.markEnded.run(now, s.idHash);
      this.record(expired, sweepAudits(expired, now));
      return expired;
    }).immediate();
    await this.purgeEnded();
    return sessions;
  }

  /**
   * Deletes rows of sessions that were ended (and audited) earlier. Small batches with a yield
   * between them keep the event loop free for requests; a time budget bounds one sweep's share.
   */
  private async purgeEnded(batch = 200, budgetMs = 1000): Promise<void> {
    const until = performance.now() + budgetMs;
    while (this.db.open && performance.now() < until) {
      // Deleting rows already marked ended: a delete lost to a power failure is made again later.
      const purged = this.withoutFsync(() => this.db.transaction(() => this.stmt.purgeEnded.run(batch).changes).immediate());
      if (purged < batch) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
