/**
 * The client's errors. Both transports raise the same ones, so callers handle a failure the
 * same way whether it came over REST or SOAP.
 */

import type { InvalidateResult } from './types.ts';

/** A server answer that is an error: `statusCode` is one of the server's status codes. */
export class SessiondApiError extends Error {
  override name = 'SessiondApiError';
  /** The status code (`INVALID_SESSION_ID`, `EXCEEDED_ID_LIMIT`, …); the SOAP fault code without its prefix. */
  readonly statusCode: string;
  /** The fault's exceptionCode; the same code as `statusCode` for every error sessiond gives. */
  readonly exceptionCode: string;
  /** The HTTP status of the answer; absent when the client refused the call before sending it. */
  readonly httpStatus: number | undefined;
  /** Seconds the server asked the client to wait (rate limits), when it said so. */
  readonly retryAfterSeconds: number | undefined;
  /**
   * The answer's request ID (its X-Request-Id header, or `requestId` of a 5xx body), when the
   * server sent one: quote it to the server's operator, whose log lines for the call carry it.
   */
  readonly requestId: string | undefined;
  /**
   * Set by invalidateSessionsAll when a later batch fails after earlier ones were answered:
   * one entry per input ID, in input order, `null` for the IDs whose batch was not answered.
   */
  partialResults: Array<InvalidateResult | null> | undefined;

  constructor(
    statusCode: string,
    message: string,
    options: { exceptionCode?: string; httpStatus?: number; retryAfterSeconds?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.exceptionCode = options.exceptionCode ?? statusCode;
    this.httpStatus = options.httpStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.requestId = options.requestId;
  }
}

/**
 * The server could not be reached (connection refused, DNS, timeout): no answer at all.
 * `statusCode` is `NETWORK_ERROR`, or `TIMEOUT` when `timeoutMs` ran out. It extends
 * SessiondApiError so one `catch` can read `statusCode` from every failure; test
 * `instanceof SessiondUnavailableError` to tell "no answer" from "the server said no".
 */
export class SessiondUnavailableError extends SessiondApiError {
  override name = 'SessiondUnavailableError';
  constructor(statusCode: 'NETWORK_ERROR' | 'TIMEOUT', message: string, cause: unknown) {
    super(statusCode, message, { cause });
  }
}

/** Client-side codes, beside the server's status codes. */
export const CLIENT_CODES = {
  /** The server answered something that is not a sessiond answer (a proxy page, a truncated body). */
  INVALID_RESPONSE: 'INVALID_RESPONSE',
  NETWORK_ERROR: 'NETWORK_ERROR',
  TIMEOUT: 'TIMEOUT',
} as const;
