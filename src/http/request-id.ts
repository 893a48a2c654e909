import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions, onRequestHookHandler, preValidationHookHandler } from 'fastify';
import { lazyRequestLoggers } from '../observability/request-logger.ts';
import { currentRequestId, openRequestScope, REQUEST_ID_HEADER, requestIdFor, runInRequestScope } from '../observability/request-scope.ts';

/**
 * X-Request-Id: the caller's when well formed (1-128 of A-Z a-z 0-9 . _ : -), a new UUID
 * otherwise. It is Fastify's request ID, so every `request.log` line carries it as `reqId`;
 * lines written through the root logger during the request get it from the request scope.
 */
export const requestIdOptions = {
  genReqId: (raw) => requestIdFor(raw.headers[REQUEST_ID_HEADER]),
} satisfies FastifyServerOptions;

/**
 * Call right after Fastify(): `request.log` is made when the request first logs (most never
 * do; see request-logger.ts).
 */
export function lazyRequestLogs(app: FastifyInstance): void {
  lazyRequestLoggers(app.log);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `none`: the route runs outside the request scope, for a route that writes no line through
     * the root logger (its request.log lines carry the reqId anyway). For the session check,
     * which a scope would make pay for Node's async hooks (request-scope.ts).
     */
    requestScope?: 'none';
  }
}

/** Runs `next` (the rest of the request) in its scope, closed with its response. */
function inRequestScope<T>(request: FastifyRequest, reply: FastifyReply, next: () => T): T {
  return openRequestScope(request.id, (close) => reply.raw.once('close', close), next);
}

const openScope: onRequestHookHandler = (request, reply, done) => {
  inRequestScope(request, reply, done);
};

// Body parsing resumes on the socket's events, outside the scope: enter it again for the
// handler. A request without a body is still inside it.
const reenterScope: preValidationHookHandler = (request, _reply, done) => {
  if (currentRequestId() === request.id) done();
  else runInRequestScope(request.id, done);
};

/**
 * The root's part, from its one onRequest hook (app.ts): every answer, 404s and errors included,
 * carries the ID; a request no route matched gets its scope here (it has no route hooks).
 */
export function startRequest(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  void reply.header(REQUEST_ID_HEADER, request.id);
  if (request.is404) inRequestScope(request, reply, done);
  else done();
}

/** Call on the root instance before any route: every route's request scope, as its first hooks. */
export function registerRequestScopes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.requestScope === 'none') return;
    route.onRequest = [openScope, ...asArray(route.onRequest)];
    route.preValidation = [reenterScope, ...asArray(route.preValidation)];
  });
}

function asArray<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}
