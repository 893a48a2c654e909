import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';

/** The route label of requests no route matched (404s): never the URL they asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

export { statusClass } from '../observability/request-durations.ts';

/**
 * Times every answer into sessiond_http_request_duration_seconds by method, route template
 * (`/web/projects/:project`, not the path asked for) and status class. Each route gets its own
 * onResponse hook holding its series (so a request finds them without a label lookup); answers
 * no route matched are timed by one hook on the root, under `unmatched`.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRoute', (route) => {
    const durations = metrics.httpRequestDuration.forRoute(route.url);
    const timed: onResponseHookHandler = (request, reply, done) => {
      durations.observe(request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const hooks = route.onResponse;
    route.onResponse = hooks === undefined ? [timed] : [...(Array.isArray(hooks) ? hooks : [hooks]), timed];
  });
  const unmatched = metrics.httpRequestDuration.forRoute(UNMATCHED_ROUTE);
  app.addHook('onResponse', (request, reply, done) => {
    // Fastify's own 404 handler and those of plugins: no route template.
    if (request.is404) unmatched.observe(request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
