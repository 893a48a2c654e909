import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Clock } from './clock.ts';
import type { AuditLog } from './ports/audit-log.ts';

/**
 * Keeps the audit trail from growing without bound: records older than the retention are deleted
 * by the sweeper in small batches, yielding between them so requests are not held up behind one
 * long delete. Safe on several nodes at once (each batch deletes what is still there).
 */
export class AuditRetention {
  constructor(
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    /** 0 keeps every record. */
    private readonly retentionMs: number,
  ) {}

  /** Deletes expired records; answers how many. */
  async prune(batchSize = 500, maxBatches = 200): Promise<number> {
    if (this.retentionMs <= 0) return 0;
    const before = this.clock.now() - this.retentionMs;
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const removed = await this.audit.prune(before, batchSize);
      total += removed;
      if (removed < batchSize) break;
      await yieldToRequests();
    }
    return total;
  }
}
