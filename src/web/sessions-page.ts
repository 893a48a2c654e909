import { csrfCheck, csrfTokenFor } from './csrf-binding.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isSessiondError } from '../core/errors.ts';
import { assertNewPassword, PASSWORD_MAX_LENGTH } from '../core/input-rules.ts';
import { WEB_PATH } from './container-services.ts';
import { errorPage, sendPage, sessionsPage } from './pages.ts';
import { UpstreamError, type OwnSessionView } from './upstream.ts';
import { keysAndContainer, loadWeb, notAuthorized, signInRequired, upstreamDown, type WebDeps } from './web-context.ts';
import type { LoadedWebSession } from './web-sessions.ts';

/**
 * /web/sessions: a signed-in web user sees where they are signed in (the upstream sessions of
 * the principal they signed in as), ends sessions elsewhere, signs out everywhere else and
 * changes their password. Every form carries the CSRF token. Only for web users who signed in
 * with their own credentials: a module that maps users onto a shared principal (no credentials
 * in the web session) would show one user the sessions of all.
 */
const HERE = `${WEB_PATH}/sessions`;

const MESSAGES = {
  ended: 'The session was ended.',
  others: 'You are signed out everywhere else.',
  password: 'Your password was changed; your sessions elsewhere were ended.',
} as const;
const doneQuery = z.object({ done: z.enum(['ended', 'others', 'password']).optional() });
const endBody = z.object({ handle: z.string().min(1).max(128) });
const passwordBody = z.object({ currentPassword: z.string().max(PASSWORD_MAX_LENGTH), newPassword: z.string().max(PASSWORD_MAX_LENGTH) });

export function registerSessionsPage(app: FastifyInstance, deps: WebDeps): void {
  /** The web session, and a live server session it holds to act as its principal; or the answer already sent. */
  async function caller(request: FastifyRequest, reply: FastifyReply) {
    const { web, hadCookie } = await loadWeb(deps, request);
    if (!web) return { answered: await signInRequired(deps, request, reply, hadCookie ? 'SESSION_CLOSED' : 'NO_SESSION_FOUND', HERE, '') };
    if (web.data.creds === null) {
      return { answered: sendPage(reply, 403, 'Not available', errorPage('Your sign-in does not have sessions of its own to manage here.')) };
    }
    const held = Object.values(web.data.sessions);
    const { keys, c } = keysAndContainer(deps, request, reply, web.data.vars, {});
    for (const h of held) if (!(await deps.esm.isRequestAuthorized(keys, c, deps.sessions.view(h)))) return { answered: await notAuthorized(deps, request, reply, web.data.vars) };
    for (const h of held) {
      try {
        const sessions = await deps.sessions.upstream.mySessions(h.sessionId);
        return { web, sessionId: h.sessionId, sessions };
      } catch (error) {
        if (error instanceof UpstreamError && error.failure === 'SESSION_ENDED') continue;
        request.log.warn({ err: error }, 'web: could not list the user’s sessions at the upstream');
        return { answered: upstreamDown(reply) };
      }
    }
    // Every server session this browser held has ended: sign in again.
    return { answered: await signInRequired(deps, request, reply, 'SESSION_CLOSED', HERE, '') };
  }

  function show(request: FastifyRequest, reply: FastifyReply, web: LoadedWebSession, sessions: OwnSessionView[], status = 200, message?: string) {
    const mine = new Set(Object.values(web.data.sessions).map((h) => h.handle));
    const rows = sessions.map((s) => ({ ...s, here: mine.has(s.handle) }));
    return sendPage(reply, status, 'Your sessions', sessionsPage({ user: web.data.user, csrf: csrfTokenFor(request, reply), sessions: rows, ...(message ? { message } : {}) }), 'wide');
  }

  app.get('/sessions', async (request, reply) => {
    const found = await caller(request, reply);
    if (!found.web) return found.answered;
    const q = doneQuery.safeParse(request.query);
    return show(request, reply, found.web, found.sessions, 200, q.success && q.data.done ? MESSAGES[q.data.done] : undefined);
  });

  app.post('/sessions/end', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const body = endBody.safeParse(request.body);
    if (!body.success) return sendPage(reply, 400, 'Bad request', errorPage('The request is not valid.'));
    const found = await caller(request, reply);
    if (!found.web) return found.answered;
    // This browser's own server sessions end by signing out, so its projects keep working.
    const held = new Set(Object.values(found.web.data.sessions).map((h) => h.handle));
    if (!held.has(body.data.handle)) {
      try {
        await deps.sessions.upstream.endMySessions(found.sessionId, [body.data.handle]);
      } catch (error) {
        request.log.warn({ err: error }, 'web: could not end a session at the upstream');
        return upstreamDown(reply);
      }
    }
    return reply.redirect(`${HERE}?done=ended`, 303);
  });

  app.post('/sessions/end-others', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const found = await caller(request, reply);
    if (!found.web) return found.answered;
    const held = new Set(Object.values(found.web.data.sessions).map((h) => h.handle));
    try {
      await deps.sessions.upstream.endMySessions(found.sessionId, found.sessions.map((s) => s.handle).filter((h) => !held.has(h)));
    } catch (error) {
      request.log.warn({ err: error }, 'web: could not end sessions at the upstream');
      return upstreamDown(reply);
    }
    return reply.redirect(`${HERE}?done=others`, 303);
  });

  app.post('/sessions/password', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const body = passwordBody.safeParse(request.body);
    if (!body.success) return sendPage(reply, 400, 'Bad request', errorPage('The request is not valid.'));
    const found = await caller(request, reply);
    if (!found.web) return found.answered;
    const { web, sessions } = found;
    try {
      assertNewPassword(body.data.newPassword);
    } catch (error) {
      if (isSessiondError(error)) return show(request, reply, web, sessions, 400, `The new ${error.message}.`);
      throw error;
    }
    try {
      await deps.sessions.upstream.changePassword(found.sessionId, { ...body.data, address: request.ip });
    } catch (error) {
      if (error instanceof UpstreamError && error.failure === 'INVALID_LOGIN') {
        return show(request, reply, web, sessions, 401, 'The current password is not right; your password was not changed.');
      }
      if (error instanceof UpstreamError && error.failure === 'RATE_LIMITED') {
        return show(request, reply, web, sessions, 429, 'Too many wrong passwords; try again later.');
      }
      request.log.warn({ err: error }, 'web: could not change the password at the upstream');
      return upstreamDown(reply);
    }
    // Projects this browser opens next sign in with the new password.
    await deps.webSessions.update(web, (d) => {
      if (d.creds) d.creds.password = body.data.newPassword;
    });
    return reply.redirect(`${HERE}?done=password`, 303);
  });
}
