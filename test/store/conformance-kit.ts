import { ManualClock } from '../../src/core/clock.ts';
import { ExpiryPolicies } from '../../src/core/expiry.ts';
import { unlimitedLoginThrottle, type LoginAttempt, type LoginThrottle } from '../../src/core/login-throttle.ts';
import { Accounts } from '../../src/core/accounts.ts';
import { OwnSessions } from '../../src/core/own-sessions.ts';
import { SessionCache } from '../../src/core/session-cache.ts';
import { SessionEvents } from '../../src/core/session-events.ts';
import { SessionService } from '../../src/core/session-service.ts';
import { LocalInvalidationBus } from '../../src/core/invalidation-bus.ts';
import type { Store } from '../../src/core/ports/store.ts';
import type { WithRateLimiters } from '../../src/store/rate-limiters.ts';
import type { AuditRecord } from '../../src/core/types.ts';
import { UserDirectory } from '../../src/core/users.ts';

/** What a store's test file hands the conformance suite for each test: a fresh, empty store. */
export interface ConformanceStore {
  store: Store & WithRateLimiters;
  /** Closes the store and removes everything the test wrote. */
  cleanup(): Promise<void>;
  /** Opens another instance on the same data, as a restarted node would (crash safety). */
  reopen?(): Promise<Store & WithRateLimiters>;
  /** The store's raw contents (files, rows, keys) as text, searched for secret IDs. */
  rawDump?(): Promise<string>;
  /**
   * Makes the store's own write fail while it ends the session with this handle (a trigger, a
   * script error…), so a batch's transaction fails part-way. Answers a function that undoes it.
   */
  failWhenEnding?(handle: string): Promise<() => Promise<void>>;
}

export interface ConformanceOptions {
  /** Used when the opened store has no rawDump of its own. */
  rawDump?: () => Promise<string>;
}

export type OpenStore = () => Promise<ConformanceStore>;

export const PASSWORD = 'conformance-pass-1';
export const MINUTE = 60_000;

/** The policies the suite's service runs with: short enough to step through with the clock. */
export const POLICIES = new ExpiryPolicies(
  { idleTimeoutMs: 10 * MINUTE, absoluteLifetimeMs: 30 * MINUTE, touchIntervalMs: MINUTE },
  new Map([['short', { idleTimeoutMs: 2 * MINUTE }]]),
);

/** A real SessionService over the store under test, with a manual clock and no cache. */
export function buildService(store: Store, cache = new SessionCache({ maxAgeMs: 0, maxEntries: 0 })) {
  const clock = new ManualClock();
  const events = new SessionEvents();
  const emitted: AuditRecord[] = [];
  events.on((e) => emitted.push(e));
  const users = new UserDirectory(store.users, store.audit, clock, events, { algorithm: 'scrypt', N: 1024, r: 8, p: 1 });
  const bus = new LocalInvalidationBus();
  const throttle = new RecordingThrottle();
  const service = new SessionService({
    store,
    bus,
    cache,
    clock,
    policies: POLICIES,
    users,
    throttle,
    events,
  });
  const ownSessions = new OwnSessions(service);
  const accounts = new Accounts(users, service, ownSessions, throttle);
  return {
    store,
    bus,
    clock,
    users,
    service,
    ownSessions,
    accounts,
    throttle,
    emitted,
    /** Creates a user and answers a function that logs it in (answering the secret ID and the session). */
    async user(username: string, admin = false) {
      const summary = await users.createUser({ username, password: PASSWORD, admin });
      return {
        ...summary,
        login: async (project?: string, client: { address?: string; userAgent?: string } = {}) => {
          const out = await service.login({ username, password: PASSWORD, project, address: client.address ?? '127.0.0.1', userAgent: client.userAgent });
          return { id: out.sessionId, session: out.session };
        },
      };
    },
    /** Whether a session ID is still accepted. */
    async alive(id: string): Promise<boolean> {
      try {
        await service.authenticate(id);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'INVALID_SESSION_ID') return false;
        throw error;
      }
    },
  };
}

export type Fixture = ReturnType<typeof buildService>;

/** A login throttle that never refuses and remembers each attempt it was told failed. */
export class RecordingThrottle implements LoginThrottle {
  readonly failures: LoginAttempt[] = [];
  admit = unlimitedLoginThrottle.admit;
  succeeded = unlimitedLoginThrottle.succeeded;
  release = unlimitedLoginThrottle.release;
  consumeLogin = unlimitedLoginThrottle.consumeLogin;
  async failed(attempt: LoginAttempt): Promise<{ lockoutStarted: boolean }> {
    this.failures.push({ username: attempt.username, address: attempt.address });
    return { lockoutStarted: false };
  }
}

/** Opens a store, runs the body on a fresh service over it, and always cleans up. */
export async function withStore(open: OpenStore, body: (f: Fixture, opened: ConformanceStore) => Promise<void>): Promise<void> {
  const opened = await open();
  try {
    await body(buildService(opened.store), opened);
  } finally {
    await opened.cleanup();
  }
}

/** Asserts a promise rejects with a SessiondError of this code. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    const got = (error as { code?: unknown }).code;
    if (got === code) return;
    throw new Error(`expected ${code}, got ${String(got)}: ${(error as Error).message}`);
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}
