import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SessionService } from '../../core/session-service.ts';
import type { SessionRecord } from '../../core/types.ts';
import type { RouteDurations } from '../../observability/request-durations.ts';
import { REQUEST_ID_HEADER, requestIdFor } from '../../observability/request-scope.ts';
import { sessionViewJson } from '../session-view.ts';
import { readBearer } from './bearer.ts';

/** The session check's path (session-routes.ts registers the same route with Fastify). */
export const SESSION_CHECK_URL = '/api/v1/session';

/**
 * The session check of a session the cache holds, answered before the request enters Fastify.
 * A check is most of what a node serves, and for a cached session the answer is text made
 * earlier: Fastify's request and reply objects, its router, hook runners and logger cost more
 * than the check itself (bench/NOTES.md, "Validation on SQLite"). Everything else goes to
 * Fastify untouched: another method or path (a query string included), a missing or malformed
 * Bearer, a session the cache does not hold or whose touch is due, a store that fails, a server
 * shutting down. So this answers only what the route itself would answer, and in the same way:
 * the same status, headers and body, timed in the same histogram series.
 */
export class CachedSessionCheck {
  private shuttingDown = false;

  constructor(
    private readonly service: SessionService,
    private readonly durations: RouteDurations,
  ) {}

  /** Answers the request and says true, or says false and leaves it to Fastify. */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.shuttingDown || request.method !== 'GET' || request.url !== SESSION_CHECK_URL) return false;
    const started = performance.now();
    let cached: SessionRecord | undefined;
    try {
      cached = this.service.cachedSession(readBearer(request.headers.authorization));
    } catch {
      // A store that fails its freshness look (SQLite's data_version): the route meets the same
      // failure and answers it through the error handler, logged once, as every failure is.
      return false;
    }
    if (cached === undefined) return false;
    const body = sessionViewJson(cached);
    // The headers Fastify sends for the route, in its order (app.ts's root hook, then the route's).
    response.writeHead(200, [
      'cache-control',
      'no-store',
      REQUEST_ID_HEADER,
      requestIdFor(request.headers[REQUEST_ID_HEADER]),
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      String(Buffer.byteLength(body)),
    ]);
    response.end(body);
    this.durations.observe('GET', 200, (performance.now() - started) / 1000);
    return true;
  }

  /** From Fastify's preClose: while the server shuts down Fastify answers every request (503). */
  stop(): void {
    this.shuttingDown = true;
  }
}
