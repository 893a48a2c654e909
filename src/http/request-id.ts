import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { markRequestLogger } from '../observability/logger.ts';
import { LazyRequestLogger } from '../observability/request-logger.ts';
import { currentRequestId, REQUEST_ID_HEADER, requestIdFor, runInRequestScope } from '../observability/request-scope.ts';

const requestChild = (parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) =>
  markRequestLogger(parent.child(bindings, options));

/**
 * X-Request-Id: the caller's when well formed (1-128 of A-Z a-z 0-9 . _ : -), a new UUID
 * otherwise. It is Fastify's request ID, so every `request.log` line carries it as `reqId`;
 * lines written through the root logger during the request get it from the request scope.
 * `request.log` is made when the request first logs (most never do; see request-logger.ts).
 */
export const requestIdOptions = {
  genReqId: (raw) => requestIdFor(raw.headers[REQUEST_ID_HEADER]),
  childLoggerFactory: (logger, bindings, options) => new LazyRequestLogger(logger, bindings, options, requestChild),
} satisfies FastifyServerOptions;

/** Call on the root instance before anything else: every answer, 404s and errors included, carries the ID. */
export function registerRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    runInRequestScope(request.id, done);
  });
  // Body parsing resumes on the socket's events, outside the scope: enter it again for the
  // handler. A request without a body is still inside it.
  app.addHook('preValidation', (request, _reply, done) => {
    if (currentRequestId() === request.id) done();
    else runInRequestScope(request.id, done);
  });
}
