import type { AuditPage, AuditQuery, AuditRecord } from '../types.ts';

/**
 * The audit trail. Session changes write their records through SessionRecords, in the same
 * transaction; this port appends the records of everything else (pool, web tier, users).
 */
export interface AuditLog {
  append(records: ReadonlyArray<AuditRecord>): Promise<void>;
  /** Newest first, filtered and keyset-paged as core's matchesAudit and auditPageOf. */
  page(query: AuditQuery): Promise<AuditPage>;
  /** The newest `limit` records (of one handle), newest first: page() without the cursor. */
  list(options: { limit: number; handle?: string }): Promise<AuditRecord[]>;
  /**
   * Deletes up to `limit` of the oldest records written before `before` (ms); answers how many it
   * deleted, so the caller repeats in small batches until fewer come back.
   */
  prune(before: number, limit: number): Promise<number>;
}
