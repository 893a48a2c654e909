import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LoginThrottle } from '../core/login-throttle.ts';

export interface LoginLimits {
  maxFailures: number;
  failureWindowSeconds: number;
  lockoutSeconds: number;
  perUserPerHour: number;
}

/**
 * Login limits counted in this process with rate-limiter-flexible: failures per
 * (username, address) pair with a lockout, and successful logins per user per hour.
 */
export class MemoryLoginThrottle implements LoginThrottle {
  private readonly failures: RateLimiterMemory;
  private readonly logins: RateLimiterMemory;
  private readonly lockoutSeconds: number;

  constructor(limits: LoginLimits) {
    this.lockoutSeconds = limits.lockoutSeconds;
    this.failures = new RateLimiterMemory({
      keyPrefix: 'login-fail',
      points: limits.maxFailures,
      duration: limits.failureWindowSeconds,
      blockDuration: limits.lockoutSeconds,
    });
    this.logins = new RateLimiterMemory({ keyPrefix: 'login-ok', points: limits.perUserPerHour, duration: 3600 });
  }

  private static pair(username: string, address: string): string {
    return `${username.toLowerCase()}\u0000${address}`;
  }

  async lockedOutFor(username: string, address: string): Promise<number> {
    const res = await this.failures.get(MemoryLoginThrottle.pair(username, address));
    if (!res || res.remainingPoints > 0) return 0;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  async recordFailure(username: string, address: string): Promise<void> {
    const key = MemoryLoginThrottle.pair(username, address);
    try {
      const res = await this.failures.consume(key);
      // The last allowed failure starts the lockout at once: later attempts are refused before
      // they are counted, so the limiter's own block (on the attempt after the last) never comes.
      if (res.remainingPoints === 0) await this.failures.block(key, this.lockoutSeconds);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // Over the limit: the pair is already blocked; lockedOutFor reports it.
    }
  }

  async clearFailures(username: string, address: string): Promise<void> {
    await this.failures.delete(MemoryLoginThrottle.pair(username, address));
  }

  async consumeLogin(userId: string): Promise<number> {
    try {
      await this.logins.consume(userId);
      return 0;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    }
  }
}
