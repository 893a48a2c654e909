import type { AuditLog } from '../../core/ports/audit-log.ts';
import type { AuditRecord } from '../../core/types.ts';

/** The audit trail in memory, oldest first; newest first when listed. */
export class MemoryAuditLog implements AuditLog {
  private readonly records: AuditRecord[] = [];

  /** Called by the other memory ports inside their own change, as a transaction would. */
  write(records: ReadonlyArray<AuditRecord>): void {
    for (const r of records) this.records.push({ ...r });
  }

  /** Everything held, as plain data. */
  snapshot(): unknown {
    return this.records;
  }

  async append(records: ReadonlyArray<AuditRecord>): Promise<void> {
    this.write(records);
  }

  async prune(before: number, limit: number): Promise<number> {
    // Oldest first: the records to delete are a prefix (records are appended in time order).
    let count = 0;
    while (count < limit && count < this.records.length && this.records[count]!.at < before) count += 1;
    this.records.splice(0, count);
    return count;
  }

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for (let i = this.records.length - 1; i >= 0 && out.length < options.limit; i--) {
      const r = this.records[i]!;
      if (options.handle === undefined || r.handle === options.handle) out.push({ ...r });
    }
    return out;
  }
}
