import { csrfCheck, csrfTokenFor } from './csrf-binding.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PROJECT_PATTERN } from '../core/input-rules.ts';
import { WEB_PATH } from './container-services.ts';
import { errorPage, homePage, projectPage, sendPage } from './pages.ts';
import { UpstreamError } from './upstream.ts';
import { isUnavailable, keysAndContainer, loadWeb, notAuthorized, signInRequired, upstreamDown, type WebDeps } from './web-context.ts';
import type { HeldSession, LoadedWebSession } from './web-sessions.ts';

const projectParam = z.object({ project: z.string().regex(PROJECT_PATTERN) });
const variableBody = z.object({ name: z.string().trim().min(1).max(64), value: z.string().max(1024).default('') });
const MAX_VARIABLES = 50;

function badProject(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 404, 'No such project', errorPage('Project names are 1-64 letters, digits, _ or -.'));
}

/** GET /web/, GET /web/open, GET /web/projects/{project} and its variables form. */
export function registerProjectRoutes(app: FastifyInstance, deps: WebDeps): void {
  /** The signed-in web session, or the module's sign-in answer. */
  async function requireWeb(request: FastifyRequest, reply: FastifyReply, originalUrl: string, project: string) {
    const { web, hadCookie } = await loadWeb(deps, request);
    if (web) return { web };
    return { answered: await signInRequired(deps, request, reply, hadCookie ? 'SESSION_CLOSED' : 'NO_SESSION_FOUND', originalUrl, project) };
  }

  /** isRequestAuthorized for every server session this request touches. */
  async function authorized(request: FastifyRequest, reply: FastifyReply, web: LoadedWebSession, held: HeldSession[], path: Record<string, string>) {
    const { keys, c } = keysAndContainer(deps, request, reply, web.data.vars, path);
    for (const h of held) if (!(await deps.esm.isRequestAuthorized(keys, c, deps.sessions.view(h)))) return false;
    return true;
  }

  app.get('/', async (request, reply) => {
    const found = await requireWeb(request, reply, `${WEB_PATH}/`, '');
    if (!found.web) return found.answered;
    const { web } = found;
    const held = Object.values(web.data.sessions);
    const allowed = await authorized(request, reply, web, held, {});
    const vars = web.data.vars;
    if (!(await deps.webSessions.update(web, (d) => void (d.vars = vars)))) {
      return signInRequired(deps, request, reply, 'SESSION_CLOSED', `${WEB_PATH}/`, '');
    }
    if (!allowed) return notAuthorized(deps, request, reply, web.data.vars);
    return sendPage(reply, 200, 'Projects', homePage({ user: web.data.user, csrf: csrfTokenFor(request, reply), sessions: Object.values(web.data.sessions) }));
  });

  app.get('/open', async (request, reply) => {
    const q = projectParam.safeParse(request.query);
    if (!q.success) return badProject(reply);
    return reply.redirect(`${WEB_PATH}/projects/${q.data.project}`, 303);
  });

  app.get('/projects/:project', async (request, reply) => {
    const p = projectParam.safeParse(request.params);
    if (!p.success) return badProject(reply);
    const { project } = p.data;
    const here = `${WEB_PATH}/projects/${project}`;
    const found = await requireWeb(request, reply, here, project);
    if (!found.web) return found.answered;
    const open: ProjectOpen = { deps, request, reply, web: found.web, project, here, ...keysAndContainer(deps, request, reply, found.web.data.vars, { project }) };

    const checked = await checkHeldSession(open);
    if ('answered' in checked) return checked.answered;
    const opened = checked.held ? { added: undefined } : await openServerSession(open);
    if ('answered' in opened) return opened.answered;
    const remembered = await rememberSession(open, checked.dead, opened.added);
    if ('answered' in remembered) return remembered.answered;

    const { held } = remembered;
    if (!(await authorized(request, reply, found.web, [held], { project }))) return notAuthorized(deps, request, reply, found.web.data.vars);
    const note = checked.dead ? 'Your earlier server session for this project had ended; a new one was opened.' : undefined;
    return sendPage(
      reply,
      200,
      `Project ${project}`,
      projectPage({ user: found.web.data.user, csrf: csrfTokenFor(request, reply), session: held, variables: held.variables, ...(note ? { note } : {}) }),
      'wide',
    );
  });

  app.post('/projects/:project/variables', { preHandler: csrfCheck(app) }, async (request, reply) => {
    const p = projectParam.safeParse(request.params);
    if (!p.success) return badProject(reply);
    const { project } = p.data;
    const { web } = await loadWeb(deps, request);
    const held = web?.data.sessions[project];
    if (!web || !held) return reply.redirect(`${WEB_PATH}/projects/${project}`, 303);
    const body = variableBody.safeParse(request.body);
    if (!body.success) return sendPage(reply, 400, 'Bad request', errorPage('A variable needs a name (1-64 characters) and a value of at most 1024 characters.'));
    if (!(await authorized(request, reply, web, [held], { project }))) return notAuthorized(deps, request, reply, web.data.vars);
    if (!Object.hasOwn(held.variables, body.data.name) && Object.keys(held.variables).length >= MAX_VARIABLES) {
      return sendPage(reply, 400, 'Bad request', errorPage(`A server session holds at most ${MAX_VARIABLES} variables.`));
    }
    const { name, value } = body.data;
    await deps.webSessions.update(web, (d) => {
      const current = d.sessions[project];
      if (current?.handle === held.handle) current.variables[name] = value;
    });
    return reply.redirect(`${WEB_PATH}/projects/${project}`, 303);
  });
}

/** Removes the project's entry only if it is still the session this request saw. */
function dropIfSame(sessions: Record<string, HeldSession>, project: string, held: HeldSession): void {
  if (sessions[project]?.handle === held.handle) delete sessions[project];
}

/** What one project open knows as it goes through its steps (GET /web/projects/{project}). */
interface ProjectOpen {
  deps: WebDeps;
  request: FastifyRequest;
  reply: FastifyReply;
  web: LoadedWebSession;
  project: string;
  /** This page's path: where the user comes back after signing in. */
  here: string;
  keys: ReturnType<typeof keysAndContainer>['keys'];
  c: ReturnType<typeof keysAndContainer>['c'];
}

/** A step that has already answered the request (a sign-in page, an error page). */
type Answered = { answered: FastifyReply };

/**
 * Step 1: is the server session this web session holds for the project still alive at the
 * upstream? One that ended under the user (elsewhere, or expired) is `dead`: the module decides
 * whether a new one is opened, or the user must sign in again.
 */
async function checkHeldSession(open: ProjectOpen): Promise<Answered | { held?: HeldSession; dead?: HeldSession }> {
  const { deps, request, reply, web, project } = open;
  const held = web.data.sessions[project];
  if (!held) return {};
  let alive: boolean;
  try {
    alive = await deps.sessions.upstream.isAlive(held.sessionId);
  } catch (error) {
    request.log.warn({ err: error, handle: held.handle }, 'web: could not check a server session at the upstream');
    return { answered: upstreamDown(reply) };
  }
  if (alive) return { held };
  const reconnect = web.data.creds !== null && (await deps.esm.canReconnectSession(open.c, deps.sessions.view(held), 'SESSION_ENDED'));
  if (reconnect) return { dead: held };
  await deps.webSessions.update(web, (d) => dropIfSame(d.sessions, project, held));
  return { answered: await signInRequired(deps, request, reply, 'SESSION_CLOSED', open.here, project) };
}

/**
 * Step 2: a server session for the project, for a web session that holds none: opened with the
 * credentials it signed in with (the pool may hand back a released one), or asked of the module
 * when the module collected this web session itself.
 */
async function openServerSession(open: ProjectOpen): Promise<Answered | { added: HeldSession }> {
  const { deps, request, reply, web, project } = open;
  const refused = () => ({ answered: sendPage(reply, 403, 'Cannot open project', errorPage('This project could not be opened for your account.')) });
  if (web.data.creds) {
    try {
      // These credentials were accepted by the upstream when this web session signed in.
      return {
        added: await deps.sessions.open({ ...web.data.creds, project }, request.ip, {
          credentialsProven: true,
          userAgent: request.headers['user-agent'],
        }),
      };
    } catch (error) {
      if (isUnavailable(error)) return { answered: upstreamDown(reply) };
      request.log.info({ failure: error instanceof UpstreamError ? error.failure : 'unknown' }, 'web: could not open a server session');
      return refused();
    }
  }
  const session = await deps.esm.getServerSession(open.keys, open.c);
  if (!session || session.getProjectName() !== project) {
    if (session) await closeQuietly(open, deps.sessions.held(session));
    if (open.c.upstreamUnavailable) return { answered: upstreamDown(reply) };
    return refused();
  }
  return { added: deps.sessions.held(session) };
}

/**
 * Step 3: the web session forgets the dead server session and remembers the new one, saved
 * against its freshest copy so two tabs opening projects at once lose nothing. A session opened
 * twice (the other tab won) is closed; one opened for a web session that signed out meanwhile
 * belongs to no one and is closed too.
 */
async function rememberSession(open: ProjectOpen, dead: HeldSession | undefined, added: HeldSession | undefined): Promise<Answered | { held: HeldSession }> {
  const { deps, web, project } = open;
  let duplicate: HeldSession | undefined;
  const vars = web.data.vars;
  const saved = await deps.webSessions.update(web, (d) => {
    if (dead) dropIfSame(d.sessions, project, dead);
    if (added) {
      if (d.sessions[project]) duplicate = added;
      else d.sessions[project] = added;
    }
    d.vars = vars;
  });
  if (!saved) {
    if (added) await closeQuietly(open, added);
    return { answered: await signInRequired(deps, open.request, open.reply, 'SESSION_CLOSED', open.here, project) };
  }
  if (duplicate) await closeQuietly(open, duplicate);
  return { held: web.data.sessions[project]! };
}

/** Closes a server session no web session holds; a failure is only logged (it expires upstream). */
async function closeQuietly(open: ProjectOpen, held: HeldSession): Promise<void> {
  try {
    await open.deps.sessions.close(held);
  } catch (error) {
    open.request.log.warn({ err: error, handle: held.handle }, 'web: could not close an unneeded server session; it expires at the upstream');
  }
}
