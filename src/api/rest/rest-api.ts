import type { FastifyInstance } from 'fastify';
import type { SessiondContext } from '../../http/context.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { restErrorHandler } from './error-handler.ts';
import { registerInfoRoutes } from './info-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';

/** The REST/JSON API, as one encapsulated fastify plugin with its own error shape. */
export function restApi(ctx: SessiondContext) {
  return async function restPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(restErrorHandler);
    registerSessionRoutes(app, ctx);
    registerAdminRoutes(app, ctx);
    registerInfoRoutes(app, ctx);
  };
}
