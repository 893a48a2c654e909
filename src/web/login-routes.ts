import { csrfCheck, csrfTokenFor } from './csrf-binding.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../core/input-rules.ts';
import { LoginFormValues } from '../esm/login-form.ts';
import type { AuthenticationReason } from '../esm/types.ts';
import type { FailedLoginReason } from '../core/users.ts';
import type { LoginFailureReason } from '../observability/metrics.ts';
import { WEB_PATH } from './container-services.ts';
import { endWebSession } from './end-web-session.ts';
import { loginPage, sendPage } from './pages.ts';
import { UpstreamError } from './upstream.ts';
import { followAnswer, keysAndContainer, loadWeb, safeNext, startWebSession, upstreamDown, type WebDeps } from './web-context.ts';

/** Every refused sign-in gets this one message: it must not say which part was wrong. */
export const LOGIN_FAILED_MESSAGE = 'Sign-in failed. Check your username, password and project, or try again later.';

const reasons = z.enum(['NO_SESSION_FOUND', 'SESSION_CLOSED', 'INVALID_CREDENTIALS', 'LOGIN_FIRST']);

const loginQuery = z.object({ next: z.string().max(512).optional(), reason: reasons.optional() });

const loginBody = z.object({
  username: z.string().trim().min(1).max(256),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  project: z
    .string()
    .trim()
    .max(64)
    .optional()
    .transform((p) => p || 'default'),
  next: z.string().max(512).optional(),
  reason: reasons.optional(),
});

function showForm(request: FastifyRequest, reply: FastifyReply, status: number, input: { message?: string; username?: string; project?: string; next?: string | undefined; reason?: string }) {
  const csrf = csrfTokenFor(request, reply);
  return sendPage(reply, status, 'Sign in', loginPage({ csrf, ...input, ...(input.next ? { next: input.next } : {}) }));
}

/** GET and POST /web/login. */
export function registerLoginRoutes(app: FastifyInstance, deps: WebDeps): void {
  app.get('/login', async (request, reply) => {
    const q = loginQuery.safeParse(request.query);
    const next = q.success ? safeNext(q.data.next) : undefined;
    const reason: AuthenticationReason = (q.success && q.data.reason) || 'LOGIN_FIRST';
    // The module may collect a session or send the user to its own page even here.
    const vars: Record<string, string> = {};
    const { keys, c } = keysAndContainer(deps, request, reply, vars);
    const answer = await deps.esm.handlesAuthenticationRequest(keys, c, reason);
    const handled = await followAnswer(deps, reply, answer, { keys, c, vars, originalUrl: next ?? `${WEB_PATH}/`, project: '' });
    if (handled) return handled;
    return showForm(request, reply, 200, { next, ...(reason !== 'LOGIN_FIRST' ? { reason } : {}) });
  });

  app.post('/login', { preHandler: csrfCheck(app, { signIn: true }) }, async (request, reply) => {
    const refused = (reason: LoginFailureReason) => deps.ctx.metrics.loginFailed('web', reason);
    const parsed = loginBody.safeParse(request.body);
    if (!parsed.success) {
      refused('invalid_request');
      return showForm(request, reply, 400, { message: LOGIN_FAILED_MESSAGE });
    }
    const { username, password, project } = parsed.data;
    const next = safeNext(parsed.data.next);
    const address = request.ip;
    const attempt = { username, address };

    // Counted before the module or the upstream sees the password (the API's limits, in the store).
    const admission = await deps.limiter.admit(attempt);
    if (!admission.admitted) {
      refused(admission.limit === 'locked-out' ? 'locked_out' : 'rate_limited');
      if (admission.reachedLimit) await auditFailure(admission.limit);
      void reply.header('retry-after', String(admission.retryAfterSeconds));
      return showForm(request, reply, 429, { message: LOGIN_FAILED_MESSAGE, username, project, next });
    }

    const { ticket } = admission;
    const vars: Record<string, string> = {};
    const { keys, c } = keysAndContainer(deps, request, reply, vars);
    const form = new LoginFormValues(username, password, project);
    const answerFailure = async (status: 401 | 429) => {
      const answer = await deps.esm.handlesAuthenticationRequest(keys, c, 'INVALID_CREDENTIALS');
      const handled = await followAnswer(deps, reply, answer, { keys, c, vars, originalUrl: next ?? `${WEB_PATH}/`, project });
      if (handled) return handled;
      return showForm(request, reply, status, { message: LOGIN_FAILED_MESSAGE, username, project, next });
    };
    /** The password was wrong (by the module or the upstream): the attempt stays counted. */
    const wrong = async (audit: boolean) => {
      refused('invalid_credentials');
      const { lockoutStarted } = await deps.limiter.failed(attempt, ticket);
      if (audit) await auditFailure('invalid-credentials');
      if (lockoutStarted) await auditFailure('locked-out');
      return answerFailure(401);
    };
    const unavailable = async () => {
      refused('unavailable');
      // Nobody checked the password: the attempt is given back.
      await deps.limiter.release(attempt, ticket);
      return upstreamDown(reply);
    };
    async function auditFailure(reason: FailedLoginReason) {
      // The web tier cannot tell whether the name is a user (the upstream may be remote): no name.
      await deps.ctx.users.recordFailedLogin({ username, address, project, reason, named: null });
    }

    if (!(await deps.esm.processLoginForm(keys, c, form, parsed.data.reason ?? 'LOGIN_FIRST'))) {
      // The module could not check the person because the upstream is down: say that, not "wrong password".
      if (c.upstreamUnavailable) return unavailable();
      return wrong(true);
    }
    const creds = { login: form.getLogin(), password: form.getPassword() };
    let held;
    try {
      held = await deps.sessions.open({ ...creds, project: form.getProject() }, address, { userAgent: request.headers['user-agent'] });
    } catch (error) {
      if (error instanceof UpstreamError && error.failure === 'RATE_LIMITED') {
        // The upstream refused before checking the password: nothing to hold against this attempt.
        refused('rate_limited');
        await deps.limiter.release(attempt, ticket);
        return answerFailure(429);
      }
      // The upstream audits its own refusals; this tier counts the attempt.
      if (error instanceof UpstreamError && error.failure !== 'UNAVAILABLE') return wrong(false);
      request.log.warn({ err: error }, 'web sign-in: the upstream is unavailable');
      return unavailable();
    }
    await deps.limiter.succeeded(attempt, ticket);

    // A sign-in while signed in ends the old web session first: one browser, one web session.
    const previous = await loadWeb(deps, request);
    if (previous.web) await endWebSession(deps, request, reply, previous.web);

    await startWebSession(deps, reply, { user: vars.displayName ?? username, creds, vars, held });
    return reply.redirect(next ?? `${WEB_PATH}/`, 303);
  });
}
