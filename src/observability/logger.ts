import { pino, type Logger } from 'pino';
import { currentRequestId } from './request-scope.ts';

/**
 * The process logger. Secrets never reach it: request logs carry no headers or bodies, and
 * these paths are censored in case a secret is ever passed by mistake.
 */
export const REDACTED_PATHS = [
  'sessionId',
  'sessionIds',
  'password',
  'passwordHash',
  'idHash',
  '*.sessionId',
  '*.sessionIds',
  '*.password',
  '*.passwordHash',
  '*.idHash',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** The field every log line of a request carries its X-Request-Id in (Fastify's own name for it). */
export const REQUEST_ID_LOG_KEY = 'reqId';

/** Marks Fastify's per-request loggers, whose bindings already hold the request ID (pino children inherit it). */
const BOUND_TO_REQUEST = Symbol('sessiond.boundToRequest');

export function markRequestLogger<L extends object>(logger: L): L {
  (logger as Record<symbol, unknown>)[BOUND_TO_REQUEST] = true;
  return logger;
}

/** Lines written through the root logger while a request is served get its ID too. */
function requestIdMixin(_merge: object, _level: number, logger: Logger): object {
  if ((logger as unknown as Record<symbol, unknown>)[BOUND_TO_REQUEST]) return {};
  const requestId = currentRequestId();
  return requestId === undefined ? {} : { [REQUEST_ID_LOG_KEY]: requestId };
}

/**
 * Standard output is written asynchronously: a write system call per line costs 20-100 µs on
 * a busy machine, and an invalidateSessions of 200 IDs logs 200 session events. Lines that
 * arrive while a write is under way go out together in the next one; pino flushes what is left
 * synchronously when the process exits (a kill -9 may lose the last few milliseconds of lines;
 * the audit trail in the store loses nothing).
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: requestIdMixin };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
