import type { FastifyInstance } from 'fastify';
import type { SessiondContext } from '../../http/context.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerMeRoutes } from './me-routes.ts';
import { restErrorHandler } from './error-handler.ts';
import { registerInfoRoutes } from './info-routes.ts';
import { RestAuth } from './rest-auth.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerEventStream } from '../../events/event-stream-route.ts';

/**
 * The REST/JSON API, as one encapsulated fastify plugin with its own error shape. Each route
 * is declared by its contract (route-contract.ts), from which /openapi.json is generated.
 */
export function restApi(ctx: SessiondContext) {
  return async function restPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(restErrorHandler(ctx.storeOutages));
    // Many clients send `Content-Type: application/json` with no body on calls that take none
    // (logout). An empty body is "no body"; calls that need one say so when they validate it.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body.toString();
      if (text === '') return done(null, undefined);
      parseJson(request, text, done);
    });
    const auth = new RestAuth(ctx.service);
    registerSessionRoutes(app, ctx, auth);
    registerMeRoutes(app, ctx, auth);
    registerAdminRoutes(app, ctx, auth);
    registerAccountRoutes(app, ctx, auth);
    registerInfoRoutes(app, ctx, auth);
    registerEventStream(app, ctx, auth);
  };
}
