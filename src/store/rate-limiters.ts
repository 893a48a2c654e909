import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** One limiter: its name (unique within the store), its points and the window they refill after. */
export interface RateLimiterSpec {
  name: string;
  points: number;
  durationSeconds: number;
}

/**
 * Counters kept in the store itself, through rate-limiter-flexible's limiter for that store, so
 * every node on the store shares them and a restart keeps them. The login limits (src/limits/)
 * are built on these; core never sees them.
 */
export interface StoreRateLimiters {
  create(spec: RateLimiterSpec): RateLimiterAbstract;
  /** What a limiter threw, as core's failure: SERVICE_UNAVAILABLE when the store cannot be reached. */
  translate(error: unknown): unknown;
  /** Deletes counters whose window ended before `nowMs`, where the store does not expire keys itself. */
  sweep(nowMs: number): Promise<void>;
}

/** A store opened with its counters. */
export interface WithRateLimiters {
  readonly rateLimiters: StoreRateLimiters;
}
