import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SessiondContext } from '../../http/context.ts';
import { buildUserInfo } from '../user-info.ts';
import type { RestAuth } from './rest-auth.ts';
import { contractRoute, type RouteContract } from './route-contract.ts';

/** getUserInfo and getServerTimestamp over REST, answering what the SOAP calls of those names do. */

const userInfo = {
  method: 'GET',
  url: '/api/v1/userinfo',
  operationId: 'getUserInfo',
  summary: "getUserInfo: the caller's user, organization and session time left",
  tag: 'Sessions',
  access: 'session',
  answer: z
    .object({
      organizationId: z.string(),
      organizationName: z.string(),
      sessionSecondsValid: z.number().int().min(0).describe('Seconds until the session expires unless used'),
      userEmail: z.string().nullable().describe('The username when it is an address, else null'),
      userFullName: z.string(),
      userId: z.string(),
      userLanguage: z.string(),
      userLocale: z.string(),
      userName: z.string(),
      userTimeZone: z.string(),
      userType: z.string(),
    })
    .strict(),
} satisfies RouteContract;

const timestamp = {
  method: 'GET',
  url: '/api/v1/timestamp',
  operationId: 'getServerTimestamp',
  summary: "getServerTimestamp: the server's clock",
  description: 'As in SOAP, the timestamp needs a live session: the call also slides its idle timer.',
  tag: 'Sessions',
  access: 'session',
  answer: z.object({ timestamp: z.iso.datetime() }).strict(),
} satisfies RouteContract;

export function registerInfoRoutes(app: FastifyInstance, ctx: SessiondContext, auth: RestAuth): void {
  app.route(
    contractRoute(auth, userInfo, async (request) => buildUserInfo(ctx.service, ctx.config.organizationId, await auth.user(request))),
  );

  app.route(
    contractRoute(auth, timestamp, async (request) => {
      await auth.session(request);
      return { timestamp: new Date(ctx.clock.now()).toISOString() };
    }),
  );
}
