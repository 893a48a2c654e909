import type { SessionRecord } from '../../src/core/types.ts';

/**
 * Session record number `n` for store tests that write rows directly: hash `hash-<n>`, a handle
 * of the real length, one user, timers far in the future (the tests' clocks stay near 0).
 */
export const numberedSession = (n: number): SessionRecord => ({
  idHash: `hash-${n}`,
  handle: `h_${String(n).padStart(22, '0')}`,
  userId: '005000000000000AAA',
  username: 'vera',
  project: 'default',
  createdAt: 1000 + n,
  lastSeenAt: 1000 + n,
  idleExpiresAt: 10_000_000,
  absoluteExpiresAt: 20_000_000,
  ip: null,
  userAgent: null,
});
