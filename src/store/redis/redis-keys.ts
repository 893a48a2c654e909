/**
 * Where every record lives in Redis. Keys are grouped into buckets by a hash tag (`{bN}`), so
 * all keys one session change touches (its hash, the expiry and listing indexes, the per-user,
 * per-username and per-project indexes, the audit lists) share one Cluster slot and one Lua
 * script changes them atomically. Standalone Redis uses a single bucket, so there a whole batch
 * is one script. The handle pointer is keyed by the handle, which core draws at random, so in
 * Cluster mode it lives in its own bucket and is written beside the session rather than with it.
 */
export const DEFAULT_PREFIX = 'sessiond:';

/**
 * Buckets in Cluster mode: enough to spread sessions over the masters of a typical cluster,
 * few enough that a listing or audit read that must visit every bucket stays cheap. Changing it
 * would strand existing keys, so it is a constant and not a setting.
 */
export const CLUSTER_BUCKETS = 16;

/** A key prefix must not contain hash-tag braces or whitespace, or the slot layout breaks. */
export const PREFIX_PATTERN = /^[A-Za-z0-9:._-]{0,64}$/;

/** FNV-1a over the UTF-16 code units: cheap, stable across processes and versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export class RedisKeys {
  constructor(
    readonly prefix: string,
    readonly buckets: number,
  ) {
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new Error(`Redis key prefix "${prefix}" may hold only letters, digits and : . _ - (at most 64)`);
    }
  }

  /** Whether a handle pointer shares its session's slot (always so with one bucket). */
  get handlesInSessionSlot(): boolean {
    return this.buckets === 1;
  }

  bucketOf(id: string): number {
    return this.buckets === 1 ? 0 : fnv1a(id) % this.buckets;
  }

  /** Every key of bucket `b` starts with this; Lua scripts build the rest from it. */
  base(bucket: number): string {
    return `${this.prefix}{b${bucket}}:`;
  }

  allBases(): string[] {
    return Array.from({ length: this.buckets }, (_, b) => this.base(b));
  }

  session(idHash: string): string {
    return `${this.base(this.bucketOf(idHash))}s:${idHash}`;
  }

  webSession(idHash: string): string {
    return `${this.base(this.bucketOf(idHash))}w:${idHash}`;
  }

  /** handle → ID hash of its session. */
  handle(handle: string): string {
    return `${this.base(this.bucketOf(handle))}h:${handle}`;
  }

  user(username: string): string {
    return `${this.prefix}{users}:u:${username}`;
  }

  users(): string {
    return `${this.prefix}{users}:all`;
  }

  /** The names (in their stored case) whose case-folded form is `folded`: a set in the users' slot. */
  foldedUsername(folded: string): string {
    return `${this.prefix}{users}:f:${folded}`;
  }

  /** Set once every user written before names were folded is in its folded set. */
  foldedUsernamesIndexed(): string {
    return `${this.prefix}{users}:f-indexed`;
  }

  /** Where rate-limiter-flexible keeps one limiter's counters (its own key ends `:<counter key>`). */
  rateLimiter(name: string): string {
    return `${this.prefix}limits:${name}`;
  }

  /** Cluster mode only: the audit sequence that orders records across buckets. */
  auditSequence(): string {
    return `${this.prefix}{seq}:audit`;
  }

  /**
   * The event log: a stream with IDs '0-<seq>', and its seq counter. With one bucket they live in
   * the bucket (the session scripts append to it directly); in Cluster mode in their own slot,
   * fed from each bucket's outbox (base + 'outbox') by the relay.
   */
  eventLog(): { log: string; seq: string; relayed: string } {
    if (this.buckets === 1) return { log: `${this.base(0)}events`, seq: `${this.base(0)}evseq`, relayed: `${this.base(0)}relayed` };
    return { log: `${this.prefix}{events}:log`, seq: `${this.prefix}{events}:seq`, relayed: `${this.prefix}{events}:relayed` };
  }

  invalidationChannel(): string {
    return `${this.prefix}invalidate`;
  }
}

/** The lexicographic ZRANGEBYLEX bound just after every member of (createdAt, handle). */
export function listingAfter(createdAt: number, handle: string): string {
  // '~' sorts after every base64url character, so this passes any ID hash under that pair.
  return `(${String(createdAt).padStart(15, '0')}|${handle}|~`;
}

/** The lexicographic bound just before every member of (createdAt, handle), for reading downwards. */
export function listingBefore(createdAt: number, handle: string): string {
  // Every member of that pair continues past the final '|', so it sorts above this bound.
  return `(${String(createdAt).padStart(15, '0')}|${handle}|`;
}

/** Positions of a batch grouped by the bucket their key lives in, in input order. */
export function groupByBucket<T>(items: ReadonlyArray<T>, bucketOf: (item: T) => number | null): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  items.forEach((item, position) => {
    const bucket = bucketOf(item);
    if (bucket === null) return;
    const group = groups.get(bucket);
    if (group) group.push(position);
    else groups.set(bucket, [position]);
  });
  return groups;
}
