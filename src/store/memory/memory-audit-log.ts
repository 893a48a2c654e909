import { auditPageOf, matchesAudit } from '../../core/audit.ts';
import type { AuditLog } from '../../core/ports/audit-log.ts';
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from '../../core/types.ts';

/** The audit trail in memory, oldest first; newest first when listed. Positions count up from 1. */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];
  private lastPosition = 0;

  /** Called by the other memory ports inside their own change, as a transaction would. */
  write(records: ReadonlyArray<AuditRecord>): void {
    for (const r of records) this.entries.push({ position: ++this.lastPosition, record: { ...r } });
  }

  /** Everything held, as plain data. */
  snapshot(): unknown {
    return this.entries.map((e) => e.record);
  }

  async append(records: ReadonlyArray<AuditRecord>): Promise<void> {
    this.write(records);
  }

  async prune(before: number, limit: number): Promise<number> {
    // Oldest first: the records to delete are a prefix (records are appended in time order).
    let count = 0;
    while (count < limit && count < this.entries.length && this.entries[count]!.record.at < before) count += 1;
    this.entries.splice(0, count);
    return count;
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    const found: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && found.length <= query.limit; i--) {
      const e = this.entries[i]!;
      if (matchesAudit(e, query)) found.push({ position: e.position, record: { ...e.record } });
    }
    return auditPageOf(found, query.limit);
  }

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    return (await this.page(options)).records;
  }
}
