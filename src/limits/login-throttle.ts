import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { usernameKey } from '../core/input-rules.ts';
import type { LoginAdmission, LoginAttempt, LoginThrottle } from '../core/login-throttle.ts';
import type { StoreRateLimiters } from '../store/rate-limiters.ts';

export interface LoginLimits {
  /** Attempts per (username, address) pair in a window; the next one starts the lockout. */
  maxFailures: number;
  /** Failed attempts per address, across usernames, in a window. */
  maxFailuresPerAddress: number;
  failureWindowSeconds: number;
  lockoutSeconds: number;
  perUserPerHour: number;
}

/**
 * The login limits, counted in the configured store (rate-limiter-flexible's limiter for it),
 * so every node on the store shares them and a restart keeps them. Reserve, then settle: an
 * attempt takes a point from its pair's budget and its address's budget before the password is
 * checked; a right password gives the address point back and forgets the pair's count.
 *
 * A lockout is a counter of its own, not the pair's count: a right password that was admitted
 * before the limit was reached clears the count, never a lockout that other attempts started
 * meanwhile. Once the count goes over the limit, the lockout is set first and the count
 * cleared after, and every attempt looks for a lockout again after it has counted itself, so
 * none slips in between. Exactly one refusal per lockout says it started it (it is audited).
 *
 * `scope` keeps one caller's counts apart from another's (the API and the web tier each count
 * their own attempts, as a web sign-in through the in-process upstream is also an API login).
 */
export class StoreLoginThrottle implements LoginThrottle {
  private readonly attempts: RateLimiterAbstract;
  private readonly lockouts: RateLimiterAbstract;
  private readonly addresses: RateLimiterAbstract;
  private readonly logins: RateLimiterAbstract;

  constructor(
    private readonly limiters: StoreRateLimiters,
    private readonly limits: LoginLimits,
    scope: string,
  ) {
    this.attempts = limiters.create({ name: `${scope}-pair`, points: limits.maxFailures, durationSeconds: limits.failureWindowSeconds });
    this.lockouts = limiters.create({ name: `${scope}-lockout`, points: 1, durationSeconds: limits.lockoutSeconds });
    this.addresses = limiters.create({
      name: `${scope}-address`,
      points: limits.maxFailuresPerAddress,
      durationSeconds: limits.failureWindowSeconds,
    });
    this.logins = limiters.create({ name: `${scope}-user-logins`, points: limits.perUserPerHour, durationSeconds: 3600 });
  }

  async admit(attempt: LoginAttempt): Promise<LoginAdmission> {
    const pair = pairKey(attempt);
    const address = addressKey(attempt.address);

    const byAddress = await this.count(this.addresses, address);
    if (!byAddress.allowed) {
      return refusal('rate-limited', byAddress.res.msBeforeNext, byAddress.res.consumedPoints === this.limits.maxFailuresPerAddress + 1);
    }
    // Refused below before any password check: not a failure of the address.
    const giveBackAddress = () => this.run(() => this.addresses.reward(address, 1));

    const locked = await this.lockedFor(pair);
    if (locked > 0) {
      await giveBackAddress();
      return refusal('locked-out', locked, false);
    }

    const byPair = await this.count(this.attempts, pair);
    if (!byPair.allowed) {
      const started = await this.lock(pair);
      await this.run(() => this.attempts.delete(pair));
      await giveBackAddress();
      return refusal('locked-out', this.limits.lockoutSeconds * 1000, started);
    }

    // Counted; now a lockout that another attempt started meanwhile still refuses this one.
    const lockedNow = await this.lockedFor(pair);
    if (lockedNow > 0) {
      await this.run(() => this.attempts.reward(pair, 1));
      await giveBackAddress();
      return refusal('locked-out', lockedNow, false);
    }
    return { admitted: true };
  }

  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.run(() => this.attempts.delete(pairKey(attempt)));
    await this.run(() => this.addresses.reward(addressKey(attempt.address), 1));
  }

  async release(attempt: LoginAttempt): Promise<void> {
    await this.run(() => this.attempts.reward(pairKey(attempt), 1));
    await this.run(() => this.addresses.reward(addressKey(attempt.address), 1));
  }

  async consumeLogin(userId: string): Promise<number> {
    const counted = await this.count(this.logins, userId);
    return counted.allowed ? 0 : seconds(counted.res.msBeforeNext);
  }

  /**
   * Starts the pair's lockout; answers whether this call started it. The lockout is a counter of
   * its own (one point): the first count sets it, with its end fixed then; later counts find it.
   */
  private async lock(pair: string): Promise<boolean> {
    const counted = await this.count(this.lockouts, pair);
    return counted.allowed && counted.res.consumedPoints === 1;
  }

  /** Milliseconds the pair stays locked out, or 0. */
  private async lockedFor(pair: string): Promise<number> {
    const res = await this.run(() => this.lockouts.get(pair));
    return res && res.consumedPoints >= 1 ? Math.max(1, res.msBeforeNext) : 0;
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
