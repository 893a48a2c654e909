import type Database from 'better-sqlite3';
import type { AuditLog } from '../../core/ports/audit-log.ts';
import { auditPageOf } from '../../core/audit.ts';
import type { AuditPage, AuditQuery, AuditRecord } from '../../core/types.ts';
import { auditPageQuery } from '../sql-audit-listing.ts';
import { toAuditEntry, type AuditRow } from '../sql-rows.ts';

export class SqliteAuditLog implements AuditLog {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO audit (at, event, handle, user_id, project, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      prune: db.prepare<[number, number]>('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY at LIMIT ?)'),
    };
  }

  /** Writes records inside the caller's transaction (session changes audit in the same one). */
  write(records: ReadonlyArray<AuditRecord>): void {
    for (const r of records) this.stmt.insert.run(r.at, r.event, r.handle, r.userId, r.project, r.reason, r.actor);
  }

  async append(records: ReadonlyArray<AuditRecord>): Promise<void> {
    this.db.transaction(() => this.write(records)).immediate();
  }

  async prune(before: number, limit: number): Promise<number> {
    return this.stmt.prune.run(before, limit).changes;
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    const { sql, params } = auditPageQuery(query, () => '?');
    return auditPageOf(this.db.prepare<Array<string | number>, AuditRow>(sql).all(...params).map(toAuditEntry), query.limit);
  }

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    return (await this.page(options)).records;
  }
}
