import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isSessiondError, SessiondError } from '../../core/errors.ts';
import { STATUS_CODES } from '../../core/status-codes.ts';
import type { StoreOutages } from '../../observability/store-outages.ts';

/**
 * Turns any error into the REST error body `{ errorCode, message }` with the status from the
 * one status-code table; 5xx bodies add `requestId` (the X-Request-Id). Unexpected errors are
 * logged with their cause and answered without internals.
 */
export function toSessiondError(error: unknown): SessiondError {
  if (isSessiondError(error)) return error;
  const e = error as Partial<FastifyError>;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new SessiondError('REQUEST_TOO_LARGE', 'The request body is larger than this server accepts.');
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new SessiondError('UNSUPPORTED_MEDIA_TYPE', 'Send a JSON body with Content-Type: application/json.');
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new SessiondError('INVALID_REQUEST', 'The JSON body is empty.');
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new SessiondError('INVALID_REQUEST', 'The body is not valid JSON.');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new SessiondError('INVALID_REQUEST', e.message ?? 'The request is not valid.');
  }
  return new SessiondError('UNKNOWN_EXCEPTION', undefined, { cause: error });
}

export function restErrorHandler(outages: StoreOutages) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const failure = toSessiondError(error);
    const info = STATUS_CODES[failure.code];
    if (info.http >= 500) outages.logFailure(request.log, failure, 'request failed');
    if (failure.retryAfterSeconds !== undefined) void reply.header('retry-after', String(failure.retryAfterSeconds));
    // A server failure names its request, so an operator finds the log lines with its cause.
    const body =
      info.http >= 500
        ? { errorCode: failure.code, message: failure.message, requestId: request.id }
        : { errorCode: failure.code, message: failure.message };
    return reply.status(info.http).send(body);
  };
}
