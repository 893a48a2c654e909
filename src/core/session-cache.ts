import { LRUCache } from 'lru-cache';
import type { SessionRecord } from './types.ts';

/**
 * A node's cache of validated sessions, keyed by ID hash. Bounded in entries and in age: the
 * age bound is the worst case for how long an ended session may still be accepted here when
 * the invalidation message is lost. `maxAgeMs: 0` turns it off.
 */
export interface SessionCacheOptions {
  maxEntries: number;
  maxAgeMs: number;
}

export class SessionCache {
  private readonly lru: LRUCache<string, SessionRecord> | null;
  private evictions = 0;

  constructor(options: SessionCacheOptions) {
    this.lru =
      options.maxAgeMs > 0 && options.maxEntries > 0
        ? new LRUCache<string, SessionRecord>({ max: options.maxEntries, ttl: options.maxAgeMs, ttlAutopurge: false })
        : null;
  }

  get enabled(): boolean {
    return this.lru !== null;
  }

  get(idHash: string): SessionRecord | undefined {
    return this.lru?.get(idHash);
  }

  /**
   * Counts evictions. A caller reads it before asking the store and passes it to `set`: if an
   * eviction arrived while the answer was on its way, the answer may predate an end and is not
   * cached (else an ended session could live on here for the whole age bound).
   */
  get epoch(): number {
    return this.evictions;
  }

  set(record: SessionRecord, readAtEpoch?: number): void {
    if (readAtEpoch !== undefined && readAtEpoch !== this.evictions) return;
    // The entry's age bound starts when it was read from the store, not when it is refreshed.
    this.lru?.set(record.idHash, record, { noUpdateTTL: this.lru.has(record.idHash) });
  }

  evict(idHashes: Iterable<string>): void {
    if (!this.lru) return;
    this.evictions++;
    for (const hash of idHashes) this.lru.delete(hash);
  }

  clear(): void {
    this.evictions++;
    this.lru?.clear();
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }
}
