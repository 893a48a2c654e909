import type Database from 'better-sqlite3';
import type { WebSessionRecords } from '../../core/ports/web-session-records.ts';
import type { WebSessionRecord } from '../../core/types.ts';
import { toWebSession, WEB_COLUMNS, type WebSessionRow } from '../sql-rows.ts';
import { withoutFsync } from './without-fsync.ts';

export class SqliteWebSessions implements WebSessionRecords {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare(`INSERT INTO web_sessions (${WEB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      byHash: db.prepare<[string], WebSessionRow>(`SELECT ${WEB_COLUMNS} FROM web_sessions WHERE id_hash = ?`),
      update: db.prepare('UPDATE web_sessions SET last_seen_at = ?, idle_expires_at = ?, data = ? WHERE id_hash = ?'),
      delete: db.prepare('DELETE FROM web_sessions WHERE id_hash = ?'),
      sweep: db.prepare('DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions WHERE expires_at <= ? LIMIT ?)'),
    };
  }

  async insert(r: WebSessionRecord): Promise<void> {
    this.stmt.insert.run(r.idHash, r.handle, r.createdAt, r.lastSeenAt, r.idleExpiresAt, r.absoluteExpiresAt, r.data);
  }

  async find(idHash: string): Promise<WebSessionRecord | null> {
    const row = this.stmt.byHash.get(idHash);
    return row ? toWebSession(row) : null;
  }

  /**
   * Without an fsync of its own (withoutFsync): the commit is atomic and survives `kill -9`; the
   * next fsync'd commit or checkpoint makes it durable against power loss too. What such a loss
   * could undo is a project opened or a variable set since then: the web session forgets a
   * server session, which runs out at the upstream as the in-memory pool's sessions do.
   * Creating and deleting a web session (sign-in, sign-out) stay fsync'd, so a signed-out web
   * session never comes back. This saves an fsync (0.8 ms to several ms here) on every web page
   * that changes its web session.
   */
  async update(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void> {
    withoutFsync(this.db, () => this.stmt.update.run(change.lastSeenAt, change.idleExpiresAt, change.data, idHash));
  }

  async delete(idHash: string): Promise<boolean> {
    return this.stmt.delete.run(idHash).changes > 0;
  }

  async sweepExpired(now: number, limit: number): Promise<number> {
    return this.stmt.sweep.run(now, limit).changes;
  }
}
