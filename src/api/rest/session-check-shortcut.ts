import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { SessionService } from '../../core/session-service.ts';
import type { SessionRecord } from '../../core/types.ts';
import type { RouteDurations } from '../../observability/request-durations.ts';
import { REQUEST_ID_HEADER, requestIdFor } from '../../observability/request-scope.ts';
import { sessionViewJson } from '../session-view.ts';
import { readBearer } from './bearer.ts';

/** The session check's path (session-routes.ts registers the same route with Fastify). */
export const SESSION_CHECK_URL = '/api/v1/session';

/** Checks begun in front of Fastify that did not succeed, for the route to answer (RestAuth.session). */
const begunChecks = new WeakMap<IncomingMessage, Promise<SessionRecord>>();

/** The check this request's session already had in front of Fastify, if it had one. */
export function checkBegunBeforeFastify(request: IncomingMessage): Promise<SessionRecord> | undefined {
  return begunChecks.get(request);
}

/**
 * The session check, answered before the request enters Fastify when it succeeds. A check is
 * most of what a node serves: Fastify's request and reply objects, its router, hook runners and
 * logger cost more than the check itself when the cache answers (bench/NOTES.md, "Validation
 * on SQLite"), and as much again when the store does (a shared store with the cache off).
 *
 * A session the cache holds is answered at once. Otherwise the full check runs here, and its
 * success is answered here too; a failure (an unknown or ended session, a store that fails)
 * goes to Fastify with the check's outcome attached, so the route answers it through the one
 * error handler, logged as every failure is, without asking the store again. Fastify also gets,
 * untouched: another method or path (a query string included), a missing or malformed Bearer,
 * and every request once the server shuts down. So a caller sees what the route would answer:
 * the same status, headers and body, timed in the same histogram series.
 */
export class SessionCheckShortcut {
  private shuttingDown = false;

  constructor(
    private readonly service: SessionService,
    private readonly durations: RouteDurations,
    private readonly logger: Logger,
  ) {}

  /** Answers the request, or hands it to Fastify (`toFastify`), now or when its check failed. */
  handle(request: IncomingMessage, response: ServerResponse, toFastify: (request: IncomingMessage, response: ServerResponse) => void): void {
    if (this.shuttingDown || request.method !== 'GET' || request.url !== SESSION_CHECK_URL) return toFastify(request, response);
    const started = performance.now();
    const sessionId = readBearer(request.headers.authorization);
    if (sessionId === undefined) return toFastify(request, response);
    const check = this.service.checkSession(sessionId);
    if (!(check instanceof Promise)) return this.send(request, response, check, started);
    check
      .then(
        (session) => this.send(request, response, session, started),
        () => {
          begunChecks.set(request, check);
          toFastify(request, response);
        },
      )
      // Not a check's failure (those went to Fastify) but a fault in answering: no answer can
      // follow, so the connection is closed rather than left waiting, and the fault is logged.
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'the session check could not be answered');
        response.destroy();
      });
  }

  /** From Fastify's preClose: while the server shuts down Fastify answers every request (503). */
  stop(): void {
    this.shuttingDown = true;
  }

  private send(request: IncomingMessage, response: ServerResponse, session: SessionRecord, started: number): void {
    // The caller went away while the store was asked: there is no one to answer.
    if (response.destroyed) return;
    const body = sessionViewJson(session);
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
  }
}
