import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { usernameKey } from '../core/input-rules.ts';
import type { LoginAdmission, LoginAttempt, LoginThrottle, LoginTicket } from '../core/login-throttle.ts';
import type { StoreRateLimiters } from '../store/rate-limiters.ts';
import { ChecksInFlight } from './checks-in-flight.ts';

export interface LoginLimits {
  /** Attempts per (username, address) pair in a window; the next one starts the lockout. */
  maxFailures: number;
  /** Failed attempts per address, across usernames, in a window. */
  maxFailuresPerAddress: number;
  failureWindowSeconds: number;
  lockoutSeconds: number;
  perUserPerHour: number;
}

/** How long a client is asked to wait when its pair's budget is held by checks still running. */
const BUSY_RETRY_MS = 1000;
/** How long an attempt held back by this process's own checks in flight waits for them before it is refused (the default of `busyWaitMs`). */
const BUSY_WAIT_MS = 5000;
/** Attempts waiting at once in one process, per throttle; past it they are refused at once (a flood holds no more). */
const MAX_WAITING = 1000;

/** Why `tryAdmit` did not count an attempt; every counter it touched is as it was. */
interface Refused {
  admitted: false;
  limit: 'address' | 'pair' | 'locked-out';
  msBeforeNext: number;
}

/**
 * The login limits, counted in the configured store (rate-limiter-flexible's limiter for it),
 * so every node on the store shares them and a restart keeps them. Reserve, then settle: an
 * attempt takes a point from its (username, address) pair's budget and from its address's
 * budget before the password is checked; a failure keeps both, a right password gives the
 * address point back and forgets the pair's count, a check that could not be made gives both back.
 *
 * A budget that is full refuses further attempts (429) until points come back. When checks this
 * process is running hold part of it, an attempt waits for them to settle first (up to
 * BUSY_WAIT_MS; `ChecksInFlight`), so a burst of right passwords signs in instead of being
 * refused while its hashes queue. What refused attempts were is unknown (their passwords were
 * never checked), so a full budget alone locks nobody out. The lockout starts
 * when a wrong password settles while the budget is full of failures and checks in flight, or
 * after attempts were refused while it was being checked (guesses outran the budget). It is a
 * counter of its own, not the pair's count, so a right password that was admitted before never
 * lifts it, and exactly one settle says it started it (that one is audited).
 *
 * `scope` keeps one caller's counts apart from another's (the API and the web tier each count
 * their own attempts, as a web sign-in through the in-process upstream is also an API login).
 */
export class StoreLoginThrottle implements LoginThrottle {
  /** Per pair: attempts in flight and failures, in the failure window. */
  private readonly attempts: RateLimiterAbstract;
  /** Per pair: attempts refused because the budget was full, in the failure window. */
  private readonly overflows: RateLimiterAbstract;
  /** Per pair: one point while locked out. */
  private readonly lockouts: RateLimiterAbstract;
  /** Per address: attempts in flight and failures, across usernames, in the failure window. */
  private readonly addresses: RateLimiterAbstract;
  /** Per address: one point once the address was refused in a window (its first refusal is audited). */
  private readonly limitedAddresses: RateLimiterAbstract;
  private readonly logins: RateLimiterAbstract;
  private readonly inFlight = new ChecksInFlight(MAX_WAITING);

  private readonly busyWaitMs: number;

  /** `busyWaitMs`: how long an attempt held back by this process's checks in flight waits before it is refused (5 s). */
  constructor(
    private readonly limiters: StoreRateLimiters,
    private readonly limits: LoginLimits,
    scope: string,
    options: { busyWaitMs?: number } = {},
  ) {
    this.busyWaitMs = options.busyWaitMs ?? BUSY_WAIT_MS;
    const window = limits.failureWindowSeconds;
    this.attempts = limiters.create({ name: `${scope}-pair`, points: limits.maxFailures, durationSeconds: window });
    this.overflows = limiters.create({ name: `${scope}-pair-overflow`, points: Number.MAX_SAFE_INTEGER, durationSeconds: window });
    this.lockouts = limiters.create({ name: `${scope}-lockout`, points: 1, durationSeconds: limits.lockoutSeconds });
    this.addresses = limiters.create({ name: `${scope}-address`, points: limits.maxFailuresPerAddress, durationSeconds: window });
    this.limitedAddresses = limiters.create({ name: `${scope}-address-limited`, points: 1, durationSeconds: window });
    this.logins = limiters.create({ name: `${scope}-user-logins`, points: limits.perUserPerHour, durationSeconds: 3600 });
  }

  async admit(attempt: LoginAttempt): Promise<LoginAdmission> {
    const pair = pairKey(attempt);
    const address = addressKey(attempt.address);
    const deadline = Date.now() + this.busyWaitMs;
    for (;;) {
      const outcome = await this.tryAdmit(pair, address);
      if (outcome.admitted) {
        this.inFlight.hold([pair, address]);
        return outcome;
      }
      // Held back only by checks of ours still running: wait for one to settle, then try again.
      const heldBy = outcome.limit === 'address' ? address : outcome.limit === 'pair' ? pair : null;
      if (heldBy !== null && (await this.inFlight.settledOrTimeUp(heldBy, deadline))) continue;
      return this.refuse(outcome, pair, address);
    }
  }

  /** One try at counting the attempt; a refusal leaves every counter as it was. */
  private async tryAdmit(pair: string, address: string): Promise<{ admitted: true; ticket: LoginTicket } | Refused> {
    const byAddress = await this.count(this.addresses, address);
    if (!byAddress.allowed) {
      // Refused attempts do not stay counted: the budget holds failures and checks in flight only.
      await this.run(() => this.addresses.reward(address, 1));
      return { admitted: false, limit: 'address', msBeforeNext: byAddress.res.msBeforeNext };
    }
    // Refused below before any password check: not a failure of the address.
    const giveBackAddress = () => this.run(() => this.addresses.reward(address, 1));

    const locked = await this.lockedFor(pair);
    if (locked > 0) {
      await giveBackAddress();
      return { admitted: false, limit: 'locked-out', msBeforeNext: locked };
    }

    // Read before counting: a refusal from now on, while this attempt is checked, is one it sees.
    const overflowsSeen = await this.pointsOf(this.overflows, pair);
    const byPair = await this.count(this.attempts, pair);
    if (!byPair.allowed) {
      await this.run(() => this.attempts.reward(pair, 1));
      await giveBackAddress();
      return { admitted: false, limit: 'pair', msBeforeNext: BUSY_RETRY_MS };
    }

    // Counted; a lockout that started meanwhile still refuses this attempt.
    const lockedNow = await this.lockedFor(pair);
    if (lockedNow > 0) {
      await this.run(() => this.attempts.reward(pair, 1));
      await giveBackAddress();
      return { admitted: false, limit: 'locked-out', msBeforeNext: lockedNow };
    }
    return { admitted: true, ticket: { overflowsSeen } };
  }

  /** The final refusal of an attempt, counted where later decisions need it. */
  private async refuse(refused: Refused, pair: string, address: string): Promise<LoginAdmission> {
    switch (refused.limit) {
      case 'address': {
        const first = await this.count(this.limitedAddresses, address);
        return refusal('rate-limited', refused.msBeforeNext, first.allowed);
      }
      case 'pair':
        // Guesses outran the budget: a failure settling now starts the lockout (see `failed`).
        await this.count(this.overflows, pair);
        return refusal('rate-limited', refused.msBeforeNext, false);
      case 'locked-out':
        return refusal('locked-out', refused.msBeforeNext, false);
    }
  }

  async failed(attempt: LoginAttempt, ticket: LoginTicket): Promise<{ lockoutStarted: boolean }> {
    const pair = pairKey(attempt);
    try {
      const full = (await this.pointsOf(this.attempts, pair)) >= this.limits.maxFailures;
      const outrun = (await this.pointsOf(this.overflows, pair)) > (ticket.overflowsSeen ?? 0);
      if (!full && !outrun) return { lockoutStarted: false };
      // Set first, then the count cleared: an attempt counted after the clear finds the lockout.
      const lock = await this.count(this.lockouts, pair);
      await this.run(() => this.attempts.delete(pair));
      return { lockoutStarted: lock.allowed && lock.res.consumedPoints === 1 };
    } finally {
      this.inFlight.settle([pair, addressKey(attempt.address)]);
    }
  }

  async succeeded(attempt: LoginAttempt, _ticket?: LoginTicket): Promise<void> {
    const pair = pairKey(attempt);
    const address = addressKey(attempt.address);
    try {
      await this.run(() => this.attempts.delete(pair));
      await this.run(() => this.addresses.reward(address, 1));
    } finally {
      this.inFlight.settle([pair, address]);
    }
  }

  async release(attempt: LoginAttempt, _ticket?: LoginTicket): Promise<void> {
    const pair = pairKey(attempt);
    const address = addressKey(attempt.address);
    try {
      await this.run(() => this.attempts.reward(pair, 1));
      await this.run(() => this.addresses.reward(address, 1));
    } finally {
      this.inFlight.settle([pair, address]);
    }
  }

  async consumeLogin(userId: string): Promise<number> {
    const counted = await this.count(this.logins, userId);
    return counted.allowed ? 0 : seconds(counted.res.msBeforeNext);
  }

  /** Milliseconds the pair stays locked out, or 0. */
  private async lockedFor(pair: string): Promise<number> {
    const res = await this.run(() => this.lockouts.get(pair));
    return res && res.consumedPoints >= 1 ? Math.max(1, res.msBeforeNext) : 0;
  }

  /** The points a key holds in its current window (0 when it has none). */
  private async pointsOf(limiter: RateLimiterAbstract, key: string): Promise<number> {
    const res = await this.run(() => limiter.get(key));
    return res ? res.consumedPoints : 0;
  }

  /** Takes a point; a rejection (over the limit) is an answer, anything else the store failing. */
  private async count(limiter: RateLimiterAbstract, key: string): Promise<{ allowed: boolean; res: RateLimiterRes }> {
    try {
      return { allowed: true, res: await limiter.consume(key) };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
      throw this.limiters.translate(rejection);
    }
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.limiters.translate(error);
    }
  }
}

function refusal(limit: 'locked-out' | 'rate-limited', msBeforeNext: number, reachedLimit: boolean): LoginAdmission {
  return { admitted: false, limit, retryAfterSeconds: seconds(msBeforeNext), reachedLimit };
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Counter keys are hashes: bounded in length and free of any character a store treats
 * specially, and a password typed into the username field is not kept in the store as typed.
 */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

function pairKey(attempt: LoginAttempt): string {
  return digest(`${usernameKey(attempt.username)}\u0000${attempt.address}`);
}

function addressKey(address: string): string {
  return digest(address);
}
