import type { AuditLog } from '../../core/ports/audit-log.ts';
import type { AuditRecord } from '../../core/types.ts';
import { defineScripts } from './redis-commands.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import { groupByBucket, type RedisKeys } from './redis-keys.ts';
import { auditFromJson, auditToJson } from './redis-records.ts';
import { APPEND_AUDIT, PRUNE_AUDIT } from './redis-scripts.ts';

/**
 * The audit trail: per bucket a capped list of every record, and per handle a capped list with a
 * retention time. Records carry a sequence number that orders them across buckets (newest
 * first); session scripts write their records beside the change itself.
 */
export class RedisAudit implements AuditLog {
  private readonly scripts;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    /** [records per bucket, records per handle, per-handle retention ms], as the scripts take them. */
    readonly caps: [number, number, number],
  ) {
    this.scripts = defineScripts(client, { sdAppendAudit: APPEND_AUDIT, sdPruneAudit: PRUNE_AUDIT });
  }

  /**
   * Reserves `count` sequence numbers. With one bucket the scripts number records from their
   * bucket's own counter (''); in Cluster mode the counter lives in its own slot.
   */
  async reserve(count: number): Promise<number | ''> {
    if (this.keys.buckets === 1 || count === 0) return '';
    const last = await this.client.incrby(this.keys.auditSequence(), count);
    return last - count + 1;
  }

  async append(records: ReadonlyArray<AuditRecord>): Promise<void> {
    if (records.length === 0) return;
    // Records about a handle go to that handle's bucket; list() reads every bucket.
    const groups = groupByBucket(records, (r) => this.keys.bucketOf(r.handle ?? ''));
    await guarded(async () => {
      const first = await this.reserve(records.length);
      await Promise.all(
        [...groups].map(([bucket, positions]) => {
          const base = this.keys.base(bucket);
          return this.scripts.sdAppendAudit(`${base}audit`, base, first, ...this.caps, ...positions.map((p) => auditToJson(p, records[p]!)));
        }),
      );
    });
  }

  /** Prunes each bucket in turn, up to `limit` records in all. */
  async prune(before: number, limit: number): Promise<number> {
    let removed = 0;
    for (const base of this.keys.allBases()) {
      if (removed >= limit) break;
      removed += Number(await guarded(() => this.scripts.sdPruneAudit(`${base}audit`, base, before, limit - removed)));
    }
    return removed;
  }

  /** Newest first, optionally one handle's records only. */
  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    const suffix = options.handle === undefined ? 'audit' : `ah:${options.handle}`;
    const lists = await guarded(() =>
      Promise.all(this.keys.allBases().map((base) => this.client.lrange(`${base}${suffix}`, 0, options.limit - 1))),
    );
    return lists
      .flat()
      .map(auditFromJson)
      .sort((x, y) => y.seq - x.seq)
      .slice(0, options.limit)
      .map((entry) => entry.record);
  }
}
