import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { expiresAt } from '../../core/expiry.ts';
import { PASSWORD_MAX_LENGTH, PROJECT_PATTERN } from '../../core/input-rules.ts';
import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';
import type { SessiondContext } from '../../http/context.ts';
import { loginFailureReason } from '../../observability/metrics.ts';
import { sessionViewJson } from '../session-view.ts';
import { invalidateResults, sessionView } from './answers.ts';
import { bearerSessionId } from './bearer.ts';
import { SESSION_CHECK_URL } from './session-check-shortcut.ts';
import type { RestAuth } from './rest-auth.ts';
import { toSessiondError } from './error-handler.ts';
import { contractRoute, type RouteContract } from './route-contract.ts';

/** The session API every application calls: login, check, logout, invalidateSessions. */

const JSON_TYPE = 'application/json; charset=utf-8';

const login = {
  method: 'POST',
  url: '/api/v1/login',
  operationId: 'login',
  summary: 'Log in: a new session for a username and password',
  description:
    'A wrong password, an unknown user and an inactive user all answer 401 INVALID_LOGIN. Too many failures for one username ' +
    'and address, or too many logins for one user, answer 429 LOGIN_RATE_EXCEEDED with Retry-After (seconds).',
  tag: 'Sessions',
  access: 'public',
  // Bodies are strict: an unknown field is a mistake worth naming.
  body: z
    .object({
      username: z.string().min(1).max(256),
      password: z.string().max(PASSWORD_MAX_LENGTH),
      project: z.string().regex(PROJECT_PATTERN, 'must be 1-64 letters, digits, _ or -').optional().describe('Default: `default`'),
    })
    .strict(),
  answer: z
    .object({
      sessionId: z.string().describe('The secret session ID: send it as `Authorization: Bearer <sessionId>`.'),
      handle: z.string(),
      userId: z.string(),
      username: z.string(),
      organizationId: z.string(),
      project: z.string(),
      serverUrl: z.string().describe("This server's base URL"),
      expiresAt: z.iso.datetime(),
      idleTimeoutSeconds: z.number().int().positive(),
    })
    .strict(),
  errors: ['INVALID_LOGIN', 'LOGIN_RATE_EXCEEDED'],
} satisfies RouteContract;

const session = {
  method: 'GET',
  url: SESSION_CHECK_URL,
  operationId: 'getSession',
  summary: "Check a session (the caller's own); slides its idle timer",
  tag: 'Sessions',
  access: 'session',
  answer: sessionView,
} satisfies RouteContract;

const logout = {
  method: 'POST',
  url: '/api/v1/logout',
  operationId: 'logout',
  summary: "End the caller's own session",
  description: 'A body is not needed; an empty one with Content-Type: application/json is accepted.',
  tag: 'Sessions',
  access: 'session',
  answer: z.object({}).strict(),
} satisfies RouteContract;

const invalidate = {
  method: 'POST',
  url: '/api/v1/sessions/invalidate',
  operationId: 'invalidateSessions',
  summary: 'invalidateSessions: end up to 200 sessions by session ID',
  description:
    "Holding a session ID is the authority to end it: the IDs need not be the caller's, and the caller's own may be among them. " +
    'More than 200 IDs: 400 EXCEEDED_ID_LIMIT and nothing is ended.',
  tag: 'Sessions',
  access: 'session',
  body: z.object({ sessionIds: z.array(z.string()).describe(`At most ${MAX_IDS_PER_CALL}`) }).strict(),
  answer: invalidateResults,
  errors: ['EXCEEDED_ID_LIMIT'],
} satisfies RouteContract;

export function registerSessionRoutes(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  app.route({
    // Every refused login is counted, including bodies refused before the handler runs.
    onError: (_request, _reply, error, done) => {
      ctx.metrics.loginFailed('rest', loginFailureReason(toSessiondError(error)));
      done();
    },
    ...contractRoute(auth, login, async (request) => {
      const outcome = await ctx.service.login({ ...request.body, address: request.ip, userAgent: request.headers['user-agent'] });
      return {
        sessionId: outcome.sessionId,
        handle: outcome.session.handle,
        userId: outcome.user.userId,
        username: outcome.user.username,
        organizationId: ctx.config.organizationId,
        project: outcome.session.project,
        serverUrl: ctx.baseUrl(),
        expiresAt: new Date(expiresAt(outcome.session)).toISOString(),
        idleTimeoutSeconds: outcome.idleTimeoutSeconds,
      };
    }),
  });

  // The hot path's other half: a check that succeeds is answered before Fastify
  // (session-check-shortcut.ts), so what gets here is a failed check (whose outcome RestAuth
  // takes over, not asking the store again), a missing or malformed Bearer, or the rare check
  // the shortcut leaves alone (HEAD, a query string, shutdown), which the full check answers
  // from the cache or the store. The answer is JSON text made once per record
  // (sessionViewJson). It runs outside the request scope (request-id.ts): a check writes no
  // line through the root logger (no session event; its failures are logged by the error
  // handler through request.log, which carries the reqId), and a scope would turn Node's async
  // hooks on for every request.
  app.route({
    ...contractRoute(auth, session, (request, reply) =>
      auth.session(request).then((checked) => reply.type(JSON_TYPE).send(sessionViewJson(checked))),
    ),
    config: { requestScope: 'none' },
  });

  app.route(
    contractRoute(auth, logout, async (request) => {
      // Core's logout checks the session itself (a dead one is INVALID_SESSION_ID).
      await ctx.service.logout(bearerSessionId(request.headers.authorization));
      return {};
    }),
  );

  app.route(
    contractRoute(auth, invalidate, async (request) => ({
      results: await ctx.service.invalidateSessionsAs(await auth.session(request), request.body.sessionIds),
    })),
  );
}
