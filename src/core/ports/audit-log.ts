import type { AuditRecord } from '../types.ts';

/**
 * The audit trail. Session changes write their records through SessionRecords, in the same
 * transaction; this port appends the records of everything else (pool, web tier, users).
 */
export interface AuditLog {
  append(records: ReadonlyArray<AuditRecord>): Promise<void>;
  /** Newest first. */
  list(options: { limit: number; handle?: string }): Promise<AuditRecord[]>;
}
