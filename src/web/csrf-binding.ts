import Tokens from '@fastify/csrf';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { WEB_COOKIE } from './container-services.ts';

const tokens = Tokens();

/**
 * The CSRF secret of a signed-in browser, derived from its web session cookie. A token made from
 * it works only together with that web session: someone who plants their own CSRF cookie and
 * token in a victim's browser (cookie injection) cannot act on the victim's web session, which
 * the CSRF cookie alone (the double-submit pattern) would allow. The prefix keeps it distinct from
 * the hash the store keeps of the same cookie.
 */
function webSessionSecret(webCookie: string): string {
  return createHash('sha256').update('sessiond-csrf\u0000').update(webCookie).digest('base64url');
}

/** The token for a page's forms: bound to the web session when there is one; on the sign-in form before there is one, to the CSRF cookie. */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  const webCookie = request.cookies[WEB_COOKIE];
  return webCookie ? tokens.create(webSessionSecret(webCookie)) : reply.generateCsrf();
}

function invalidToken(): Error {
  // The web tier's error handler answers this code with its 403 "form has expired" page.
  return Object.assign(new Error('Invalid CSRF token'), { code: 'FST_CSRF_INVALID_TOKEN', statusCode: 403 });
}

/**
 * preHandler for every state-changing form post: the token must match the caller's web session
 * (or, with none, the CSRF cookie). The sign-in form also takes a token from before the browser
 * was signed in (a sign-in page left open in another tab): signing in acts on no web session.
 */
export function csrfCheck(app: FastifyInstance, options: { signIn?: boolean } = {}) {
  return function checkCsrf(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const webCookie = request.cookies[WEB_COOKIE];
    if (!webCookie) return app.csrfProtection.call(app, request, reply, done);
    const token = (request.body as { _csrf?: unknown } | undefined)?._csrf;
    if (typeof token === 'string' && tokens.verify(webSessionSecret(webCookie), token)) return done();
    if (options.signIn) return app.csrfProtection.call(app, request, reply, done);
    done(invalidToken());
  };
}
