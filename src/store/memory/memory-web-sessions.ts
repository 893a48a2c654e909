import { expiresAt } from '../../core/expiry.ts';
import type { WebSessionRecords } from '../../core/ports/web-session-records.ts';
import type { WebSessionRecord } from '../../core/types.ts';

export class MemoryWebSessions implements WebSessionRecords {
  private readonly byHash = new Map<string, WebSessionRecord>();

  /** Everything held, as plain data. */
  snapshot(): unknown {
    return [...this.byHash.values()];
  }

  async insert(record: WebSessionRecord): Promise<void> {
    this.byHash.set(record.idHash, { ...record });
  }

  async find(idHash: string): Promise<WebSessionRecord | null> {
    const record = this.byHash.get(idHash);
    return record ? { ...record } : null;
  }

  async update(idHash: string, change: Pick<WebSessionRecord, 'lastSeenAt' | 'idleExpiresAt' | 'data'>): Promise<void> {
    const record = this.byHash.get(idHash);
    if (record) Object.assign(record, change);
  }

  async delete(idHash: string): Promise<boolean> {
    return this.byHash.delete(idHash);
  }

  async sweepExpired(now: number, limit: number): Promise<number> {
    let removed = 0;
    for (const [idHash, record] of this.byHash) {
      if (removed >= limit) break;
      if (now >= expiresAt(record)) {
        this.byHash.delete(idHash);
        removed++;
      }
    }
    return removed;
  }
}
