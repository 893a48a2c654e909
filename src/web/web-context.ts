import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginThrottle } from '../core/login-throttle.ts';
import type { AuditEventName } from '../core/types.ts';
import type { SafeEsm } from '../esm/safe-esm.ts';
import type { AuthenticationAnswer, AuthenticationReason, RequestKeys } from '../esm/types.ts';
import type { SessiondContext } from '../http/context.ts';
import { requestKeysOf, WEB_COOKIE, WEB_PATH, WebContainer } from './container-services.ts';
import { errorPage, sendPage } from './pages.ts';
import type { ServerSessions } from './server-sessions.ts';
import { UpstreamError } from './upstream.ts';
import { WebSessions, type HeldSession, type LoadedWebSession } from './web-sessions.ts';

/** Everything the web routes share, built once by the web tier. */
export interface WebDeps {
  ctx: SessiondContext;
  esm: SafeEsm;
  sessions: ServerSessions;
  webSessions: WebSessions;
  /** The login limits (ctx.webLoginThrottle): the API's limits, counted for web sign-ins. */
  limiter: LoginThrottle;
  secureCookies: boolean;
}

/** A local path under /web/ that is safe to send a browser back to after sign-in. */
export function safeNext(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 512 && /^\/web\/[A-Za-z0-9/_.%-]*$/.test(value) && !value.includes('//') ? value : undefined;
}

export function container(deps: WebDeps, request: FastifyRequest, reply: FastifyReply, vars: Record<string, string>): WebContainer {
  return new WebContainer(request, reply, vars, {
    secureCookies: deps.secureCookies,
    openServerSession: async (form) =>
      deps.sessions.view(await deps.sessions.open(form, request.ip, { userAgent: request.headers['user-agent'] })),
    checkCredentials: (login, password) => deps.sessions.upstream.checkCredentials({ username: login, password, address: request.ip }),
  });
}

export function keysAndContainer(deps: WebDeps, request: FastifyRequest, reply: FastifyReply, vars: Record<string, string>, path?: Record<string, string>) {
  const c = container(deps, request, reply, vars);
  const keys: RequestKeys = requestKeysOf(request, vars, path);
  return { keys, c };
}

export function setWebCookie(deps: WebDeps, reply: FastifyReply, id: string): void {
  void reply.setCookie(WEB_COOKIE, id, { path: WEB_PATH, httpOnly: true, sameSite: 'lax', secure: deps.secureCookies });
}

export function clearWebCookie(deps: WebDeps, reply: FastifyReply): void {
  void reply.clearCookie(WEB_COOKIE, { path: WEB_PATH, httpOnly: true, sameSite: 'lax', secure: deps.secureCookies });
}

export async function audit(deps: WebDeps, event: AuditEventName, handle: string, reason: string | null): Promise<void> {
  const record = { at: deps.ctx.clock.now(), event, handle, userId: null, project: null, reason, actor: 'web' };
  deps.ctx.events.emit(record);
  try {
    await deps.ctx.store.audit.append([record]);
  } catch (error) {
    deps.ctx.logger.warn({ err: error, event }, 'could not write a web audit record');
  }
}

/** The request's web session, or null; `hadCookie` tells a closed session from none at all. */
export async function loadWeb(deps: WebDeps, request: FastifyRequest): Promise<{ web: LoadedWebSession | null; hadCookie: boolean }> {
  const cookie = request.cookies[WEB_COOKIE];
  if (cookie === undefined) return { web: null, hadCookie: false };
  const web = await deps.webSessions.load(cookie);
  if (!web) await closeExpired(deps, cookie);
  return { web, hadCookie: true };
}

/**
 * A web session that timed out is not a logout (the module is not asked): its server sessions
 * are simply closed, so they do not run on at the upstream until their own timeout.
 */
async function closeExpired(deps: WebDeps, cookie: string): Promise<void> {
  const data = await deps.webSessions.takeExpired(cookie);
  for (const held of Object.values(data?.sessions ?? {})) {
    try {
      await deps.sessions.close(held);
    } catch (error) {
      deps.ctx.logger.warn({ err: error, handle: held.handle }, 'web: could not close the server session of an expired web session');
    }
  }
}

/** Starts a web session holding one server session: a new web session ID at every sign-in. */
export async function startWebSession(
  deps: WebDeps,
  reply: FastifyReply,
  input: { user: string; creds: { login: string; password: string } | null; vars: Record<string, string>; held: HeldSession },
): Promise<LoadedWebSession> {
  const data = WebSessions.newData(input.user, input.creds, input.vars);
  data.sessions[input.held.project] = input.held;
  const web = await deps.webSessions.create(data);
  setWebCookie(deps, reply, web.id);
  await audit(deps, 'web.login', web.record.handle, `server session ${input.held.handle}`);
  return web;
}

/**
 * Carries out the module's answer to handlesAuthenticationRequest. COLLECT_SESSION_NOW asks
 * the module for a server session and signs the user in with it; USE_CUSTOM_LOGIN_PAGE sends
 * the browser to the module's page. Answers null when the stock login form should be shown.
 */
export async function followAnswer(
  deps: WebDeps,
  reply: FastifyReply,
  answer: AuthenticationAnswer,
  at: { keys: RequestKeys; c: WebContainer; vars: Record<string, string>; originalUrl: string; project: string },
): Promise<FastifyReply | null> {
  if (answer === 'COLLECT_SESSION_NOW') {
    const session = await deps.esm.getServerSession(at.keys, at.c);
    if (session) {
      const held = deps.sessions.held(session);
      await startWebSession(deps, reply, { user: at.vars.displayName ?? session.getLogin(), creds: null, vars: at.vars, held });
      return reply.redirect(at.originalUrl, 303);
    }
    if (at.c.upstreamUnavailable) return upstreamDown(reply);
  }
  if (answer === 'USE_CUSTOM_LOGIN_PAGE') {
    const url = await deps.esm.getCustomLoginURL(at.originalUrl, at.project);
    // A module pointing back at the stock form gets the stock form, not a redirect loop.
    if (!url.startsWith(`${WEB_PATH}/login`)) return reply.redirect(url, 303);
  }
  return null;
}

/** No (live) web session on a page that needs one: the module decides how the user signs in. */
export async function signInRequired(
  deps: WebDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  reason: AuthenticationReason,
  originalUrl: string,
  project: string,
): Promise<FastifyReply> {
  const vars: Record<string, string> = {};
  const { keys, c } = keysAndContainer(deps, request, reply, vars, project ? { project } : {});
  const answer = await deps.esm.handlesAuthenticationRequest(keys, c, reason);
  const handled = await followAnswer(deps, reply, answer, { keys, c, vars, originalUrl, project });
  if (handled) return handled;
  const query = new URLSearchParams({ next: originalUrl, reason });
  return reply.redirect(`${WEB_PATH}/login?${query.toString()}`, 303);
}

/** isRequestAuthorized answered false: the module's failure page, else the stock one. */
export async function notAuthorized(deps: WebDeps, request: FastifyRequest, reply: FastifyReply, vars: Record<string, string>): Promise<FastifyReply> {
  const c = container(deps, request, reply, vars);
  const url = await deps.esm.getFailureURL('AUTHORIZATION_REQUEST', c);
  if (url) return reply.redirect(url, 303);
  return sendPage(reply, 403, 'Not authorized', errorPage('You are not authorized to view this page.'));
}

/** The upstream could not be reached: a clear message, nothing internal. */
export function upstreamDown(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 503, 'Unavailable', errorPage('The session server is not available right now. Please try again shortly.'));
}

export function isUnavailable(error: unknown): boolean {
  return error instanceof UpstreamError && error.failure === 'UNAVAILABLE';
}
