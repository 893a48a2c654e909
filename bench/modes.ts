/**
 * How long and how hard each scenario runs. `quick` is for development (about two minutes
 * in all, half of it the soak); `full` is the run RESULTS.md records (about 30 minutes here: the 10-minute soak, 6 minutes seeding the 10 M-session store, and three rounds of the validation loads).
 */
export interface Mode {
  name: 'quick' | 'full';
  /** Thrown-away warm-up before each measured load, in seconds. */
  warmupSec: number;
  durationSec: number;
  connections: number;
  /** Store sizes for the validation scenarios on SQLite. */
  sqliteSizes: number[];
  /** Also run the largest SQLite store with the validation cache turned off, to show what it buys. */
  uncachedVariant: boolean;
  /** Sessions seeded in PostgreSQL / Redis for their validation scenario. */
  otherStoreSessions: number;
  /** invalidateSessions calls of 200 IDs, after a few thrown-away warm-up calls. */
  invalidateCalls: number;
  invalidateWarmupCalls: number;
  loginConnections: number;
  loginDurationSec: number;
  /** Direct calls to the password hash, for its cost. */
  hashSamples: number;
  /** Web tier opens (pooled and fresh) timed each. */
  webOpens: number;
  /** The soak: its length (SOAK_SECONDS overrides it), and the closed-loop run that finds the maximum rate first. */
  soakSec: number;
  soakProbeSec: number;
}

export const QUICK: Mode = {
  name: 'quick',
  warmupSec: 0.5,
  durationSec: 2,
  connections: 32,
  sqliteSizes: [10_000],
  uncachedVariant: false,
  otherStoreSessions: 1_000,
  invalidateCalls: 20,
  invalidateWarmupCalls: 3,
  loginConnections: 4,
  loginDurationSec: 1,
  hashSamples: 3,
  webOpens: 4,
  soakSec: 60,
  soakProbeSec: 5,
};

export const FULL: Mode = {
  name: 'full',
  warmupSec: 3,
  durationSec: 10,
  connections: 50,
  sqliteSizes: [10_000, 1_000_000],
  uncachedVariant: true,
  otherStoreSessions: 50_000,
  invalidateCalls: 1000,
  invalidateWarmupCalls: 20,
  loginConnections: 8,
  loginDurationSec: 10,
  hashSamples: 20,
  webOpens: 100,
  soakSec: 600,
  soakProbeSec: 15,
};
