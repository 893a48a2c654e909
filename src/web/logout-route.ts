import { csrfCheck, csrfTokenFor } from './csrf-binding.ts';
import type { FastifyInstance } from 'fastify';
import { WEB_PATH } from './container-services.ts';
import { endWebSession } from './end-web-session.ts';
import { errorPage, sendPage } from './pages.ts';
import { clearWebCookie, loadWeb, type WebDeps } from './web-context.ts';

/**
 * POST /web/logout. The CSRF token is checked before anything (without it: 403, nothing
 * changes). The web session always ends; a server session that could not be closed gives the
 * generic error page with only an error ID (the request ID, which the logged failures carry).
 */
export function registerLogoutRoute(app: FastifyInstance, deps: WebDeps): void {
  app.post('/logout', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const { web } = await loadWeb(deps, request);
    if (!web) {
      clearWebCookie(deps, reply);
      return reply.redirect(`${WEB_PATH}/login`, 303);
    }
    if (!(await endWebSession(deps, request, reply, web))) {
      return sendPage(reply, 500, 'Signed out', errorPage('You are signed out, but something went wrong while ending your sessions.'));
    }
    return reply.redirect(`${WEB_PATH}/login`, 303);
  });
}
