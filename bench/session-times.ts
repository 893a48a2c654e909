/**
 * Times for a seeded session, as a live store holds them: last seen at some point within the
 * last touch interval (sessiond's default, 60 s), so the server slides idle timers at the
 * steady rate production sees instead of all at once a minute after seeding; created before
 * that; expiring on the shipped idle timeout (2 h) and absolute lifetime (24 h).
 */
const TOUCH_INTERVAL_MS = 60_000;
const IDLE_TIMEOUT_MS = 2 * 60 * 60 * 1000;
const ABSOLUTE_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface SessionTimes {
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

export function seededSessionTimes(now: number, ageMs: number): SessionTimes {
  const lastSeenAt = now - Math.floor(Math.random() * TOUCH_INTERVAL_MS);
  const createdAt = lastSeenAt - ageMs;
  return {
    createdAt,
    lastSeenAt,
    idleExpiresAt: lastSeenAt + IDLE_TIMEOUT_MS,
    absoluteExpiresAt: createdAt + ABSOLUTE_LIFETIME_MS,
  };
}
