import type { AuditLog } from '../../core/ports/audit-log.ts';
import type { AuditRecord } from '../../core/types.ts';
import { toAudit, type AuditRow } from '../sql-rows.ts';
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

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    const { rows } =
      options.handle === undefined
        ? await this.db.query<AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT $1', [options.limit])
        : await this.db.query<AuditRow>('SELECT * FROM audit WHERE handle = $1 ORDER BY id DESC LIMIT $2', [options.handle, options.limit]);
    return rows.map(toAudit);
  }
}
