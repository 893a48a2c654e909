import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Clock } from './clock.ts';

/** Anything the sweeper prunes by age: the audit trail, the event log. */
export interface Prunable {
  /** Deletes up to `limit` of the oldest entries written before `before` (ms); answers how many. */
  prune(before: number, limit: number): Promise<number>;
}

/**
 * Keeps a log from growing without bound: entries older than the retention are deleted by the
 * sweeper in small batches, yielding between them so requests are not held up behind one long
 * delete. Safe on several nodes at once (each batch deletes what is still there).
 */
export class Retention {
  constructor(
    private readonly log: Prunable,
    private readonly clock: Clock,
    /** 0 keeps every record. */
    private readonly retentionMs: number,
  ) {}

  /** Deletes entries past the retention; answers how many. */
  async prune(batchSize = 500, maxBatches = 200): Promise<number> {
    if (this.retentionMs <= 0) return 0;
    const before = this.clock.now() - this.retentionMs;
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const removed = await this.log.prune(before, batchSize);
      total += removed;
      if (removed < batchSize) break;
      await yieldToRequests();
    }
    return total;
  }
}
