/**
 * Expiry rules: a sliding idle timeout and an absolute lifetime, both per project, and a touch
 * interval so `lastSeenAt` is written at most once per interval instead of on every request.
 */
export interface ExpiryPolicy {
  idleTimeoutMs: number;
  absoluteLifetimeMs: number;
  touchIntervalMs: number;
}

export const DEFAULT_EXPIRY: ExpiryPolicy = {
  idleTimeoutMs: 2 * 60 * 60 * 1000,
  absoluteLifetimeMs: 24 * 60 * 60 * 1000,
  touchIntervalMs: 60 * 1000,
};

/** Resolves the policy for a project: per-project overrides over the server default. */
export class ExpiryPolicies {
  constructor(
    private readonly fallback: ExpiryPolicy = DEFAULT_EXPIRY,
    private readonly perProject: ReadonlyMap<string, Partial<ExpiryPolicy>> = new Map(),
  ) {}

  for(project: string): ExpiryPolicy {
    const override = this.perProject.get(project);
    const policy = override ? { ...this.fallback, ...override } : this.fallback;
    // A session in use must not expire because its last touch was throttled away: with a
    // project idle timeout shorter than the touch interval it would, so touch at least twice
    // per idle timeout.
    const maxTouch = Math.floor(policy.idleTimeoutMs / 2);
    return policy.touchIntervalMs > maxTouch ? { ...policy, touchIntervalMs: maxTouch } : policy;
  }
}

interface Expiring {
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

export function expiresAt(session: Expiring): number {
  return Math.min(session.idleExpiresAt, session.absoluteExpiresAt);
}

export function isExpired(session: Expiring, now: number): boolean {
  return now >= expiresAt(session);
}

/** Whether a request at `now` should slide the idle timer of a session last seen at `lastSeenAt`. */
export function needsTouch(lastSeenAt: number, now: number, policy: ExpiryPolicy): boolean {
  return now - lastSeenAt >= policy.touchIntervalMs;
}
