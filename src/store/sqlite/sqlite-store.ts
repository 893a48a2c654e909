import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sessionCreatedAudit, sessionEndedAudit } from '../../core/audit.ts';
import { SessiondError } from '../../core/errors.ts';
import { isExpired } from '../../core/expiry.ts';
import type { SessionStore } from '../../core/session-store.ts';
import type {
  AuditRecord,
  EndContext,
  SessionListFilter,
  SessionPage,
  SessionRecord,
  UserRecord,
  UserSummary,
  WebSessionRecord,
} from '../../core/types.ts';
import { SQLITE_MIGRATIONS } from './migrations.ts';
import {
  SESSION_COLUMNS,
  toAudit,
  toSession,
  toUser,
  toUserSummary,
  toWebSession,
  type AuditRow,
  type SessionRow,
  type UserRow,
  type WebSessionRow,
} from '../sql-rows.ts';

/** How often, at most, a node asks SQLite whether another process has written (see hasChangedElsewhere). */
export const FOREIGN_WRITE_LOOK_MS = 10;

/**
 * The embedded default store: better-sqlite3 in WAL mode with synchronous=FULL, so a change
 * that was acknowledged survives `kill -9` and power loss alike.
 */
export class SqliteStore implements SessionStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly stmt;
  private seenDataVersion: number | undefined;
  private lastLookAt = Number.NEGATIVE_INFINITY;
  private readonly shared: boolean;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // An in-memory database is this connection's alone; a file may be shared with the CLI.
    this.shared = path !== ':memory:';
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const db = this.db;
    this.stmt = {
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      insertUser: db.prepare(
        'INSERT INTO users (user_id, username, password_hash, admin, active, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      userByName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
      listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username'),
      setActive: db.prepare('UPDATE users SET active = ? WHERE username = ?'),
      insertSession: db.prepare(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      sessionByHash: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = ? AND ended_at IS NULL`),
      sessionByHandle: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE handle = ? AND ended_at IS NULL`),
      sessionsOfUser: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = ? AND ended_at IS NULL`),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id_hash = ? AND ended_at IS NULL'),
      markEnded: db.prepare('UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL'),
      deleteSession: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
      purgeEnded: db.prepare(
        'DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE ended_at IS NOT NULL ORDER BY ended_at LIMIT ?)',
      ),
      expired: db.prepare<[number, number], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE expires_at <= ? AND ended_at IS NULL ORDER BY expires_at LIMIT ?`,
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit (at, event, handle, user_id, project, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      auditNewest: db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT ?'),
      auditOfHandle: db.prepare<[string, number], AuditRow>('SELECT * FROM audit WHERE handle = ? ORDER BY id DESC LIMIT ?'),
      insertWeb: db.prepare(
        'INSERT INTO web_sessions (id_hash, handle, created_at, last_seen_at, idle_expires_at, absolute_expires_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      webByHash: db.prepare<[string], WebSessionRow>(
        'SELECT id_hash, handle, created_at, last_seen_at, idle_expires_at, absolute_expires_at, data FROM web_sessions WHERE id_hash = ?',
      ),
      updateWeb: db.prepare('UPDATE web_sessions SET last_seen_at = ?, idle_expires_at = ?, data = ? WHERE id_hash = ?'),
      deleteWeb: db.prepare('DELETE FROM web_sessions WHERE id_hash = ?'),
      sweepWeb: db.prepare(
        'DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions WHERE expires_at <= ? LIMIT ?)',
      ),
    };
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const isApplied = this.db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
    for (const migration of SQLITE_MIGRATIONS) {
      // Checked inside the write lock: a server and a CLI starting together on a new file must
      // not both run the same migration.
      this.db.transaction(() => {
        if (isApplied.get(migration.version)) return;
        this.db.exec(migration.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, Date.now());
      }).immediate();
    }
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

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async createUser(user: UserRecord): Promise<void> {
    try {
      this.stmt.insertUser.run(user.userId, user.username, user.passwordHash, user.admin ? 1 : 0, user.active ? 1 : 0, user.createdAt);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
        throw new SessiondError('DUPLICATE_USERNAME');
      }
      throw error;
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    const row = this.stmt.userByName.get(username);
    return row ? toUser(row) : null;
  }

  async listUsers(): Promise<UserSummary[]> {
    return this.stmt.listUsers.all().map(toUserSummary);
  }

  async setUserActive(username: string, active: boolean): Promise<boolean> {
    return this.stmt.setActive.run(active ? 1 : 0, username).changes > 0;
  }

  async insertSession(s: SessionRecord): Promise<void> {
    this.db.transaction(() => {
      this.stmt.insertSession.run(
        s.idHash, s.handle, s.userId, s.username, s.project, s.createdAt, s.lastSeenAt, s.idleExpiresAt, s.absoluteExpiresAt,
      );
      this.writeAudit([sessionCreatedAudit(s)]);
    }).immediate();
  }

  async findSessionByHash(idHash: string): Promise<SessionRecord | null> {
    const row = this.stmt.sessionByHash.get(idHash);
    return row ? toSession(row) : null;
  }

  async touchSession(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    this.stmt.touch.run(lastSeenAt, idleExpiresAt, idHash);
  }

  async endSessionsByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endWhere(idHashes, (hash) => this.stmt.sessionByHash.get(hash), ctx);
  }

  async endSessionsByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endWhere(handles, (handle) => this.stmt.sessionByHandle.get(handle), ctx);
  }

  async endSessionsOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    return this.db.transaction(() => {
      const sessions = this.stmt.sessionsOfUser.all(userId).map(toSession);
      const live = sessions.filter((s) => !isExpired(s, ctx.now));
      for (const s of sessions) this.stmt.markEnded.run(ctx.now, s.idHash);
      this.writeAudit(sessions.map((s) => sessionEndedAudit(s, isExpired(s, ctx.now) ? { ...ctx, reason: 'expired' } : ctx)));
      return live;
    }).immediate();
  }

  /** One transaction for the whole batch: every row is looked up, removed and audited, or none is. */
  private endWhere(
    keys: ReadonlyArray<string | null>,
    find: (key: string) => SessionRow | undefined,
    ctx: EndContext,
  ): Array<SessionRecord | null> {
    return this.db.transaction(() => {
      const audits: AuditRecord[] = [];
      const result = keys.map((key) => {
        const row = key === null ? undefined : find(key);
        if (!row) return null;
        const session = toSession(row);
        this.stmt.markEnded.run(ctx.now, session.idHash);
        const expired = isExpired(session, ctx.now);
        audits.push(sessionEndedAudit(session, expired ? { ...ctx, reason: 'expired' } : ctx));
        return expired ? null : session;
      });
      this.writeAudit(audits);
      return result;
    }).immediate();
  }

  async listSessions(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const where = ['expires_at > ?', 'ended_at IS NULL'];
    const params: Array<string | number> = [now];
    if (filter.username !== undefined) {
      where.push('username = ?');
      params.push(filter.username);
    }
    if (filter.project !== undefined) {
      where.push('project = ?');
      params.push(filter.project);
    }
    if (filter.after) {
      where.push('(created_at, handle) > (?, ?)');
      params.push(filter.after.createdAt, filter.after.handle);
    }
    params.push(filter.limit + 1);
    const rows = this.db
      .prepare<Array<string | number>, SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ${where.join(' AND ')} ORDER BY created_at, handle LIMIT ?`,
      )
      .all(...params);
    const sessions = rows.slice(0, filter.limit).map(toSession);
    const last = sessions[sessions.length - 1];
    return { sessions, next: rows.length > filter.limit && last ? { createdAt: last.createdAt, handle: last.handle } : null };
  }

  async sweepExpiredSessions(now: number, limit: number): Promise<SessionRecord[]> {
    const sessions = this.db.transaction(() => {
      const expired = this.stmt.expired.all(now, limit).map(toSession);
      for (const s of expired) this.stmt.deleteSession.run(s.idHash);
      this.writeAudit(expired.map((s) => sessionEndedAudit(s, { reason: 'expired', now, actor: 'sweeper' })));
      return expired;
    }).immediate();
    await this.purgeEndedSessions();
    return sessions;
  }

  /**
   * Deletes rows of sessions that were ended (and audited) earlier. Small batches with a yield
   * between them keep the event loop free for requests; a time budget bounds one sweep's share.
   */
  private async purgeEndedSessions(batch = 200, budgetMs = 1000): Promise<void> {
    const until = performance.now() + budgetMs;
    while (this.db.open && performance.now() < until) {
      const purged = this.db.transaction(() => this.stmt.purgeEnded.run(batch).changes).immediate();
      if (purged < batch) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async appendAudit(records: ReadonlyArray<AuditRecord>): Promise<void> {
    this.db.transaction(() => this.writeAudit(records)).immediate();
  }

  private writeAudit(records: ReadonlyArray<AuditRecord>): void {
    for (const r of records) this.stmt.insertAudit.run(r.at, r.event, r.handle, r.userId, r.project, r.reason, r.actor);
  }

  async listAudit(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    const rows =
      options.handle === undefined
        ? this.stmt.auditNewest.all(options.limit)
        : this.stmt.auditOfHandle.all(options.handle, options.limit);
    return rows.map(toAudit);
  }

  async insertWebSession(r: WebSessionRecord): Promise<void> {
    this.stmt.insertWeb.run(r.idHash, r.handle, r.createdAt, r.lastSeenAt, r.idleExpiresAt, r.absoluteExpiresAt, r.data);
  }

  async findWebSessionByHash(idHash: string): Promise<WebSessionRecord | null> {
    const row = this.stmt.webByHash.get(idHash);
    return row ? toWebSession(row) : null;
  }

  async updateWebSession(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void> {
    this.stmt.updateWeb.run(change.lastSeenAt, change.idleExpiresAt, change.data, idHash);
  }

  async deleteWebSession(idHash: string): Promise<boolean> {
    return this.stmt.deleteWeb.run(idHash).changes > 0;
  }

  async sweepExpiredWebSessions(now: number, limit: number): Promise<number> {
    return this.stmt.sweepWeb.run(now, limit).changes;
  }
}
