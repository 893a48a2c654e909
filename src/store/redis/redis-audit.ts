import type { AuditLog } from '../../core/ports/audit-log.ts';
import { auditPageOf } from '../../core/audit.ts';
import type { AuditEntry, AuditPage, AuditQuery, AuditRecord } from '../../core/types.ts';
import { defineScripts, strings } from './redis-commands.ts';
import { guarded, type RedisClient } from './redis-connection.ts';
import { groupByBucket, type RedisKeys } from './redis-keys.ts';
import { auditFromJson, auditToJson } from './redis-records.ts';
import { APPEND_AUDIT, AUDIT_PAGE, PRUNE_AUDIT } from './redis-scripts.ts';

/** Audit entries one script call looks at before the caller continues. */
const AUDIT_SCAN_CHUNK = 1000;

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
    this.scripts = defineScripts(client, { sdAppendAudit: APPEND_AUDIT, sdPruneAudit: PRUNE_AUDIT, sdAuditPage: AUDIT_PAGE });
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

  /**
   * Every bucket's matching records from its list (the handle's lists when one is asked for),
   * merged newest first by sequence; positions are sequence numbers.
   */
  async page(query: AuditQuery): Promise<AuditPage> {
    const suffix = query.handle === undefined ? 'audit' : `ah:${query.handle}`;
    const want = query.limit + 1;
    const perBucket = await guarded(() =>
      Promise.all(
        this.keys.allBases().map(async (base) => {
          const found = new Map<number, AuditEntry>();
          let offset = 0;
          for (;;) {
            const reply = strings(
              await this.scripts.sdAuditPage(`${base}${suffix}`, query.before ?? '', want - found.size, query.userId ?? '', query.event ?? '', offset, AUDIT_SCAN_CHUNK),
            );
            const [exhausted, next, ...entries] = reply;
            for (const entry of entries.map(auditFromJson)) found.set(entry.seq, { position: entry.seq, record: entry.record });
            if (exhausted === '1' || found.size >= want || next === undefined) return [...found.values()];
            offset = Number(next);
          }
        }),
      ),
    );
    return auditPageOf(perBucket.flat().sort((x, y) => y.position - x.position), query.limit);
  }

  async list(options: { limit: number; handle?: string }): Promise<AuditRecord[]> {
    return (await this.page(options)).records;
  }
}
