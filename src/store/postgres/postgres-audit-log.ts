import type { AuditLog } from '../../core/ports/audit-log.ts';
import { auditPageOf } from '../../core/audit.ts';
import type { AuditPage, AuditQuery, AuditRecord } from '../../core/types.ts';
import { auditPageQuery } from '../sql-audit-listing.ts';
import { toAuditEntry, type AuditRow } from '../sql-rows.ts';
import { insertAudit, type PostgresDb } from './postgres-db.ts';
import { asStoreError } from './pg-errors.ts';

export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: PostgresDb) {}

  async append(records: ReadonlyArray<AuditRecord>): Promise<void> {
    if (records.length === 0) return;
    try {
      await insertAudit(this.db.pool, records);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async prune(before: number, limit: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 ORDER BY at LIMIT $2)', [before, limit]);
    return rowCount ?? 0;
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    const { sql, params } = auditPageQuery(query, (n) => `$${n}`);
    const { rows } = await this.db.query<AuditRow>(sql, params);
    return auditPageOf(rows.map(toAuditEntry), query.limit);
  }

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    return (await this.page(options)).records;
  }
}
