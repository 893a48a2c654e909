import type { FastifyInstance } from 'fastify';
import type { SessiondContext } from '../../http/context.ts';
import { buildUserInfo } from '../user-info.ts';
import { bearerSessionId } from './bearer.ts';

/** getUserInfo and getServerTimestamp over REST, answering what the SOAP calls of those names do. */
export function registerInfoRoutes(app: FastifyInstance, ctx: SessiondContext): void {
  app.get('/api/v1/userinfo', async (request) => {
    const caller = await ctx.service.authenticateUser(bearerSessionId(request.headers.authorization));
    return buildUserInfo(ctx.service, ctx.config.organizationId, caller);
  });

  // As in SOAP, the timestamp needs a live session: the call also slides its idle timer.
  app.get('/api/v1/timestamp', async (request) => {
    await ctx.service.authenticate(bearerSessionId(request.headers.authorization));
    return { timestamp: new Date(ctx.clock.now()).toISOString() };
  });
}
