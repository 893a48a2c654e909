import { STATUS_CODES, type StatusCode } from './status-codes.ts';

/**
 * The one error type sessiond raises on purpose. Every adapter turns it into its own wire form
 * (REST body, SOAP fault, client exception) through the status-code table.
 */
export class SessiondError extends Error {
  readonly code: StatusCode;
  /** Seconds a client should wait before trying again (rate limits). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: StatusCode, message?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message ?? STATUS_CODES[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SessiondError';
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Raised by store adapters when the backing server cannot be reached: requests fail closed. */
export function storeUnavailable(cause: unknown): SessiondError {
  return new SessiondError('SERVICE_UNAVAILABLE', undefined, { cause });
}

export function isSessiondError(error: unknown): error is SessiondError {
  return error instanceof SessiondError;
}
