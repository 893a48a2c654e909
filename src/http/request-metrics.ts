import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';

/** Label values come from these lists only: a method, route template or class never carries caller text. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of requests no route matched (404s): never the URL they asked for. */
export const UNMATCHED_ROUTE = 'unmatched';

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

/**
 * Times every answer into sessiond_http_request_duration_seconds by method, route template
 * (`/web/projects/:project`, not the path asked for) and status class.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequestDuration.observe(
      {
        method: METHODS.has(request.method) ? request.method : 'other',
        // Fastify's own 404 handler has no template (or a wildcard one); a route's is its registered URL.
        route: request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE),
        status_class: statusClass(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
