import { STATUS_CODES, type StatusCode } from './status-codes.ts';

/**
 * A login limit that refused an attempt: `locked-out`, the (username, address) pair after too
 * many failures; `rate-limited`, the address across usernames, or the user's logins per hour.
 */
export type LoginLimit = 'locked-out' | 'rate-limited';

/**
 * The one error type sessiond raises on purpose. Every adapter turns it into its own wire form
 * (REST body, SOAP fault, client exception) through the status-code table.
 */
export class SessiondError extends Error {
  readonly code: StatusCode;
  /** Seconds a client should wait before trying again (rate limits). */
  readonly retryAfterSeconds: number | undefined;
  /** Which login limit refused a LOGIN_RATE_EXCEEDED (for the failed-login metric's reason). */
  readonly loginLimit: LoginLimit | undefined;

  constructor(code: StatusCode, message?: string, options?: { cause?: unknown; retryAfterSeconds?: number; loginLimit?: LoginLimit }) {
    super(message ?? STATUS_CODES[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SessiondError';
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.loginLimit = options?.loginLimit;
  }
}

/** Raised by store adapters when the backing server cannot be reached: requests fail closed. */
export function storeUnavailable(cause: unknown): SessiondError {
  return new SessiondError('SERVICE_UNAVAILABLE', undefined, { cause });
}

export function isSessiondError(error: unknown): error is SessiondError {
  return error instanceof SessiondError;
}
