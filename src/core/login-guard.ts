import { SessiondError } from './errors.ts';
import type { LoginAttempt, LoginThrottle } from './login-throttle.ts';
import type { UserRecord } from './types.ts';
import type { CredentialCheck, UserDirectory } from './users.ts';

/**
 * One password check under the login limits, the same for a login and a password change:
 * the attempt is counted before the check (so parallel guesses cannot outrun the count),
 * refused attempts never reach the hash, and every failure is audited as `login.failed`.
 */
export class LoginGuard {
  constructor(
    private readonly throttle: LoginThrottle,
    private readonly users: UserDirectory,
  ) {}

  /** Answers the user when `check` finds the password right; else throws INVALID_LOGIN or LOGIN_RATE_EXCEEDED. */
  async check(attempt: LoginAttempt & { project: string | null }, check: () => Promise<CredentialCheck>): Promise<UserRecord> {
    const admission = await this.throttle.admit(attempt);
    if (!admission.admitted) {
      // Only the refusal that reached the limit is audited: later ones cost no write, however many come.
      if (admission.reachedLimit) {
        await this.users.recordFailedLogin({ ...attempt, reason: admission.limit, named: await this.users.findByUsername(attempt.username) });
      }
      throw new SessiondError('LOGIN_RATE_EXCEEDED', undefined, { retryAfterSeconds: admission.retryAfterSeconds, loginLimit: admission.limit });
    }

    const { ticket } = admission;
    let result: CredentialCheck;
    try {
      result = await check();
    } catch (error) {
      // Not a wrong password: the store failed. The attempt is not held against the caller.
      await this.throttle.release(attempt, ticket).catch(() => undefined);
      throw error;
    }
    if (!result.user) {
      const { lockoutStarted } = await this.throttle.failed(attempt, ticket);
      await this.users.recordFailedLogin({ ...attempt, reason: 'invalid-credentials', named: result.named });
      if (lockoutStarted) await this.users.recordFailedLogin({ ...attempt, reason: 'locked-out', named: result.named });
      throw new SessiondError('INVALID_LOGIN');
    }
    await this.throttle.succeeded(attempt, ticket);
    return result.user;
  }

  /** Refuses a right password over the user's logins-per-hour limit (audited each time: it took the password). */
  async consumeLogin(attempt: LoginAttempt & { project: string | null }, user: UserRecord): Promise<void> {
    const overLimitSeconds = await this.throttle.consumeLogin(user.userId);
    if (overLimitSeconds === 0) return;
    await this.users.recordFailedLogin({ ...attempt, reason: 'rate-limited', named: user });
    throw new SessiondError('LOGIN_RATE_EXCEEDED', 'Too many logins for this user; try again later.', {
      retryAfterSeconds: overLimitSeconds,
      loginLimit: 'rate-limited',
    });
  }
}
