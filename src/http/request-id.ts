import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { markRequestLogger } from '../observability/logger.ts';
import { REQUEST_ID_HEADER, requestIdFor, runInRequestScope } from '../observability/request-scope.ts';

/**
 * X-Request-Id: the caller's when well formed (1-128 of A-Z a-z 0-9 . _ : -), a new UUID
 * otherwise. It is Fastify's request ID, so every `request.log` line carries it as `reqId`;
 * lines written through the root logger during the request get it from the request scope.
 */
export const requestIdOptions = {
  genReqId: (raw) => requestIdFor(raw.headers[REQUEST_ID_HEADER]),
  childLoggerFactory: (logger, bindings, options) => markRequestLogger(logger.child(bindings, options)),
} satisfies FastifyServerOptions;

/** Call on the root instance before anything else: every answer, 404s and errors included, carries the ID. */
export function registerRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    runInRequestScope(request.id, done);
  });
  // Body parsing resumes on the socket's events, outside the scope: enter it again for the handler.
  app.addHook('preValidation', (request, _reply, done) => runInRequestScope(request.id, done));
}
