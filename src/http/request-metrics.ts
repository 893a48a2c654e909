import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';

/** The route label of requests no route matched (404s): never the URL they asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

export { statusClass } from '../observability/request-durations.ts';

/**
 * Times every answer into sessiond_http_request_duration_seconds by method, route template
 * (`/web/projects/:project`, not the path asked for) and status class. Each route gets its own
 * onResponse hook holding its series (so a request finds them without a label lookup). Answers
 * no route matched are timed under `unmatched` by the function this returns, which the root's
 * onRequest hook calls for them (app.ts): a root onResponse hook for them would be a second
 * pass through Fastify's hook runner on every request, the session check included.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): (request: FastifyRequest, reply: FastifyReply) => void {
  app.addHook('onRoute', (route) => {
    const durations = metrics.httpRequestDuration.forRoute(route.url);
    const timed: onResponseHookHandler = (request, reply, done) => {
      durations.observe(request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const hooks = route.onResponse;
    route.onResponse = hooks === undefined ? [timed] : [...(Array.isArray(hooks) ? hooks : [hooks]), timed];
  });
  // Fastify's own 404 handler and those of plugins: no route template. Timed when the answer
  // is finished, as onResponse hooks are (Fastify's own 'finish' listener, which stops the
  // clock, was added before this one).
  const unmatched = metrics.httpRequestDuration.forRoute(UNMATCHED_ROUTE);
  return (request, reply) => {
    reply.raw.once('finish', () => unmatched.observe(request.method, reply.statusCode, reply.elapsedTime / 1000));
  };
}
