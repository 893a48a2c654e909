import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { MemoryLoginThrottle, type LoginLimits } from '../limits/login-throttle.ts';

/**
 * Web sign-in limits: failures per (username, address) pair, as the core counts them, and
 * failures per address across usernames, so one address cannot walk through many accounts.
 */
export class WebLoginLimiter {
  private readonly pairs: MemoryLoginThrottle;
  private readonly addresses: RateLimiterMemory;

  constructor(limits: LoginLimits) {
    this.pairs = new MemoryLoginThrottle(limits);
    this.addresses = new RateLimiterMemory({
      keyPrefix: 'web-login-address',
      points: limits.maxFailures * 5,
      duration: limits.failureWindowSeconds,
      blockDuration: limits.lockoutSeconds,
    });
  }

  /** Seconds to wait before this username/address may try again; 0 when it may try now. */
  async waitSeconds(username: string, address: string): Promise<number> {
    const pair = await this.pairs.lockedOutFor(username, address);
    const res = await this.addresses.get(address);
    const byAddress = res && res.remainingPoints <= 0 ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;
    return Math.max(pair, byAddress);
  }

  async failed(username: string, address: string): Promise<void> {
    await this.pairs.recordFailure(username, address);
    try {
      await this.addresses.consume(address);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    }
  }

  async succeeded(username: string, address: string): Promise<void> {
    await this.pairs.clearFailures(username, address);
  }
}
