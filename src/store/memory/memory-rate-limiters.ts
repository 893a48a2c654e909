import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { StoreRateLimiters } from '../rate-limiters.ts';

/** The memory store's counters: in this process only, like everything else it holds. */
export function memoryRateLimiters(): StoreRateLimiters {
  return {
    create: (spec) => new RateLimiterMemory({ keyPrefix: spec.name, points: spec.points, duration: spec.durationSeconds }),
    translate: (error) => error,
    // RateLimiterMemory drops a key when its window ends.
    sweep: async () => {},
  };
}
