import type { SessionInfo } from '../types.ts';

/** A session the server validated, as the cache holds it. */
export interface CachedSession {
  readonly token: string;
  readonly idHash: string;
  info: SessionInfo;
  /** `info`, already resolved: a hit hands out this one promise instead of making a new one. */
  answer: Promise<SessionInfo>;
  /** Local clock (ms): from then on the entry answers nothing; the server is asked. */
  expiresAt: number;
  /** Local clock (ms): from then on a hit also asks the server again, in the background. */
  refreshAt: number;
  refreshing: boolean;
  /** Recency stamp (see ValidationCache.get). */
  stamp: number;
}

/**
 * The validator's cache: sessions the server validated, keyed by the token itself (a hit costs
 * one Map lookup: no hashing) and by ID hash (how end events name sessions). Bounded: beyond
 * `maxEntries` the least recently used entry goes.
 *
 * Recency is approximate, to keep a hit cheap: a Map keeps insertion order, and an entry is
 * moved to the young end only when it has drifted into the older half. An entry used since the
 * last half-turn of the cache is never the one evicted.
 */
export class ValidationCache {
  private readonly byToken = new Map<string, CachedSession>();
  private readonly byHash = new Map<string, CachedSession>();
  private clock = 0;
  private readonly halfTurn: number;
  /** Counts clear()s: an answer read from the server before a clear is not cached after it. */
  generation = 0;

  constructor(private readonly maxEntries: number) {
    this.halfTurn = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.byToken.size;
  }

  get(token: string): CachedSession | undefined {
    const entry = this.byToken.get(token);
    if (entry !== undefined && this.clock - entry.stamp > this.halfTurn) {
      this.byToken.delete(token);
      this.byToken.set(token, entry);
      entry.stamp = ++this.clock;
    }
    return entry;
  }

  /** The entry for a token, without counting it as a use. */
  peek(token: string): CachedSession | undefined {
    return this.byToken.get(token);
  }

  set(entry: CachedSession): void {
    const old = this.byToken.get(entry.token);
    if (old !== undefined) this.delete(old);
    entry.stamp = ++this.clock;
    this.byToken.set(entry.token, entry);
    this.byHash.set(entry.idHash, entry);
    while (this.byToken.size > this.maxEntries) {
      const oldest = this.byToken.values().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(entry: CachedSession): void {
    if (this.byToken.get(entry.token) === entry) this.byToken.delete(entry.token);
    if (this.byHash.get(entry.idHash) === entry) this.byHash.delete(entry.idHash);
  }

  /** Drops the session with this ID hash, if cached; answers whether it was. */
  deleteHash(idHash: string): boolean {
    const entry = this.byHash.get(idHash);
    if (entry === undefined) return false;
    this.delete(entry);
    return true;
  }

  clear(): void {
    this.generation++;
    this.byToken.clear();
    this.byHash.clear();
  }
}

/**
 * A bounded set that forgets its oldest member first: the recently ended ID hashes (an answer
 * the server gave before an end must not be cached after it) and the tokens the server refused
 * (a session ID the server refused never becomes valid again).
 */
export class RecentSet {
  private readonly members = new Set<string>();

  constructor(private readonly max: number) {}

  add(value: string): void {
    this.members.delete(value);
    this.members.add(value);
    if (this.members.size > this.max) {
      const oldest = this.members.values().next().value;
      if (oldest !== undefined) this.members.delete(oldest);
    }
  }

  has(value: string): boolean {
    return this.members.has(value);
  }

  clear(): void {
    this.members.clear();
  }
}
