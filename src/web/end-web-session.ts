import type { FastifyReply, FastifyRequest } from 'fastify';
import { audit, clearWebCookie, keysAndContainer, type WebDeps } from './web-context.ts';
import type { LoadedWebSession } from './web-sessions.ts';

/**
 * Ends a web session: DESIGN's closeSessionOnLogout contract. The web session is removed and
 * its cookie cleared first, so the user is logged out whatever happens next. Then, for each
 * server session it held, the module is asked just before that session would be closed:
 * true → closed at the upstream; false → detached and released to the pool.
 *
 * Answers whether every step succeeded. Each failure is logged with its cause and the request
 * ID (as errorId too, which the error page shows).
 */
export async function endWebSession(deps: WebDeps, request: FastifyRequest, reply: FastifyReply, web: LoadedWebSession): Promise<boolean> {
  const errorId = request.id;
  let failed = false;
  const log = deps.ctx.logger;

  clearWebCookie(deps, reply);
  try {
    await deps.webSessions.destroy(web);
  } catch (error) {
    failed = true;
    log.error({ errorId, err: error, webSession: web.record.handle }, 'logout: could not remove the web session from the store');
  }

  const { keys, c } = keysAndContainer(deps, request, reply, web.data.vars);
  for (const held of Object.values(web.data.sessions)) {
    const close = await deps.esm.closeSessionOnLogout(keys, c, deps.sessions.view(held));
    if (!close) {
      await deps.sessions.release(held);
      continue;
    }
    try {
      await deps.sessions.close(held);
    } catch (error) {
      failed = true;
      log.error({ errorId, err: error, handle: held.handle, project: held.project }, 'logout: could not close a server session at the upstream');
    }
  }
  await audit(deps, 'web.logout', web.record.handle, failed ? `failed (error ${errorId})` : null);
  return !failed;
}
