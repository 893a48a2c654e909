import type { FastifyInstance } from 'fastify';
import { expiresAt } from '../../core/expiry.ts';
import type { SessiondContext } from '../../http/context.ts';
import { sessionViewJson } from '../session-view.ts';
import { parseInput } from '../validate-input.ts';
import { bearerSessionId } from './bearer.ts';
import { invalidateBody, loginBody } from './schemas.ts';

/** The session API every application calls: login, check, logout, invalidateSessions. */
export function registerSessionRoutes(app: FastifyInstance, ctx: SessiondContext): void {
  app.post('/api/v1/login', async (request) => {
    const body = parseInput(loginBody, request.body);
    const outcome = await ctx.service.login({ ...body, address: request.ip });
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
  });

  app.get('/api/v1/session', async (request, reply) => {
    const session = await ctx.service.authenticate(bearerSessionId(request.headers.authorization));
    return reply.type('application/json; charset=utf-8').send(sessionViewJson(session));
  });

  app.post('/api/v1/logout', async (request) => {
    await ctx.service.logout(bearerSessionId(request.headers.authorization));
    return {};
  });

  app.post('/api/v1/sessions/invalidate', async (request) => {
    // The caller's own session is checked before the body, as the SOAP SessionHeader is.
    const caller = await ctx.service.authenticate(bearerSessionId(request.headers.authorization));
    const body = parseInput(invalidateBody, request.body);
    return { results: await ctx.service.invalidateSessionsAs(caller, body.sessionIds) };
  });
}
