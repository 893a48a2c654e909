import type { FastifyReply } from 'fastify';

/**
 * The web tier's pages: small, server-rendered, every value escaped. They never show a
 * session ID, a password or an internal error; a server session appears by its handle.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Where the pages find the stylesheet they share with the admin console (served by the web tier itself). */
export const STYLESHEET_URL = '/web/console.css';

// No script at all; styles only from the shared stylesheet (no inline style), forms only to this site.
const HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function layout(title: string, body: string, width: 'narrow' | 'wide'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · sessiond</title>
<link rel="stylesheet" href="${STYLESHEET_URL}"></head>
<body>
<header class="topbar"><p class="brand">sessiond</p></header>
<main class="card stack${width === 'narrow' ? ' narrow' : ''}">
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body></html>
`;
}

/** A 5xx page shows the request ID (X-Request-Id) as its error ID: the log lines of the failure carry it. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string, width: 'narrow' | 'wide' = 'narrow'): FastifyReply {
  const errorId = status >= 500 ? `\n<p class="error-id">Error ID: <code id="error-id">${escapeHtml(reply.request.id)}</code></p>` : '';
  return reply.status(status).headers(HEADERS).type('text/html; charset=utf-8').send(layout(title, body + errorId, width));
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export function loginPage(input: { csrf: string; message?: string; username?: string; project?: string; next?: string; reason?: string }): string {
  return `${input.message ? `<p role="alert" id="message" class="message">${escapeHtml(input.message)}</p>` : ''}
<form method="post" action="/web/login" id="login">
${hidden('_csrf', input.csrf)}
${input.next ? hidden('next', input.next) : ''}
${input.reason ? hidden('reason', input.reason) : ''}
<p><label>Username <input name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}"></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><label>Project <input name="project" value="${escapeHtml(input.project ?? 'default')}"></label></p>
<p><button type="submit">Sign in</button></p>
</form>`;
}

export interface HeldView {
  handle: string;
  project: string;
  login: string;
}

function logoutForm(csrf: string): string {
  return `<form method="post" action="/web/logout" id="logout">${hidden('_csrf', csrf)}<button type="submit" class="secondary">Sign out</button></form>`;
}

export function homePage(input: { user: string; csrf: string; sessions: HeldView[] }): string {
  const rows = input.sessions
    .map((s) => `<li class="project"><a href="/web/projects/${encodeURIComponent(s.project)}">${escapeHtml(s.project)}</a> (session ${escapeHtml(s.handle)})</li>`)
    .join('\n');
  return `<p id="user" class="signed-in">Signed in as <strong>${escapeHtml(input.user)}</strong></p>
<h2>Open projects</h2>
<ul id="projects" class="plain">${rows || '<li>none</li>'}</ul>
<form method="get" action="/web/open" id="open" class="inline"><label>Open project <input name="project" required></label> <button type="submit">Open</button></form>
<p><a href="/web/sessions" id="sessions-link">Where you are signed in</a></p>
${logoutForm(input.csrf)}`;
}

export function projectPage(input: { user: string; csrf: string; session: HeldView; variables: Record<string, string>; note?: string }): string {
  const vars = Object.entries(input.variables)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}</code> = <code>${escapeHtml(v)}</code></li>`)
    .join('\n');
  const project = encodeURIComponent(input.session.project);
  return `${input.note ? `<p id="note" class="message ok">${escapeHtml(input.note)}</p>` : ''}
<dl id="session" class="facts">
<dt>Project</dt><dd id="project">${escapeHtml(input.session.project)}</dd>
<dt>Server session</dt><dd id="handle">${escapeHtml(input.session.handle)}</dd>
<dt>Signed in upstream as</dt><dd id="login">${escapeHtml(input.session.login)}</dd>
<dt>Web user</dt><dd id="user">${escapeHtml(input.user)}</dd>
</dl>
<h2>Session variables</h2>
<ul id="variables" class="plain">${vars || '<li>none</li>'}</ul>
<form method="post" action="/web/projects/${project}/variables" id="set-variable" class="inline">
${hidden('_csrf', input.csrf)}
<label>Name <input name="name" required></label> <label>Value <input name="value"></label> <button type="submit">Set</button>
</form>
<p><a href="/web/">All projects</a></p>
${logoutForm(input.csrf)}`;
}

/** The generic error page: a short sentence (server errors add only an ID to quote: see sendPage). */
export function errorPage(message: string): string {
  return `<p id="message" class="message">${escapeHtml(message)}</p>
<p><a href="/web/login">Sign in</a></p>`;
}

/** One of the signed-in user's own sessions, as the sessions page lists it. */
export interface OwnSessionRow {
  handle: string;
  project: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** Held by this browser's web session (it cannot end these here: signing out does). */
  here: boolean;
}

/** /web/sessions: where the user is signed in, with forms to end sessions elsewhere and to change the password. */
export function sessionsPage(input: { user: string; csrf: string; sessions: OwnSessionRow[]; message?: string }): string {
  const rows = input.sessions
    .map((s) => {
      const action = s.here
        ? '<td class="here">this browser</td>'
        : `<td><form method="post" action="/web/sessions/end" class="end">${hidden('_csrf', input.csrf)}${hidden('handle', s.handle)}<button type="submit" class="small danger">End</button></form></td>`;
      return `<tr data-handle="${escapeHtml(s.handle)}"><td>${escapeHtml(s.project)}</td><td>${escapeHtml(s.createdAt.toISOString())}</td><td>${escapeHtml(s.lastSeenAt.toISOString())}</td><td class="ip">${escapeHtml(s.ip ?? 'unknown')}</td><td class="ua" title="${escapeHtml(s.userAgent ?? 'unknown')}">${escapeHtml(s.userAgent ?? 'unknown')}</td>${action}</tr>`;
    })
    .join('\n');
  return `${input.message ? `<p role="status" id="message" class="message ok">${escapeHtml(input.message)}</p>` : ''}
<p id="user" class="signed-in">Signed in as <strong>${escapeHtml(input.user)}</strong></p>
<div class="table-wrap"><table id="sessions">
<caption>Where you are signed in</caption>
<thead><tr><th scope="col">Project</th><th scope="col">Signed in</th><th scope="col">Last seen</th><th scope="col">Address</th><th scope="col">Browser or app</th><th scope="col"></th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
<form method="post" action="/web/sessions/end-others" id="end-others">${hidden('_csrf', input.csrf)}<button type="submit" class="danger">Sign out everywhere else</button></form>
<h2>Change password</h2>
<form method="post" action="/web/sessions/password" id="password">
${hidden('_csrf', input.csrf)}
<p><label>Current password <input name="currentPassword" type="password" autocomplete="current-password" required></label></p>
<p><label>New password <input name="newPassword" type="password" autocomplete="new-password" required></label></p>
<p><button type="submit">Change password</button></p>
</form>
<p><a href="/web/">All projects</a></p>
${logoutForm(input.csrf)}`;
}
