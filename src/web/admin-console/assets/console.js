// The admin console: a page over the admin REST API. The admin's session ID is kept in this
// tab's sessionStorage only (never a cookie, so no other site can make the browser use it), and
// every value from the server is written with textContent, never as HTML.
const $ = (selector) => document.querySelector(selector);
const KEY = 'sessiond.admin.sessionId';
let nextCursor = null;

class ApiError extends Error {
  constructor(status, errorCode, message) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

async function api(method, path, body) {
  const headers = {};
  const sessionId = sessionStorage.getItem(KEY);
  if (sessionId) headers.authorization = `Bearer ${sessionId}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.errorCode ?? 'ERROR', data.message ?? `HTTP ${res.status}`);
  return data;
}

function say(text, ok = false) {
  const el = $('#message');
  el.textContent = text;
  el.className = ok ? 'ok' : '';
  el.hidden = !text;
}

function fail(error) {
  if (error instanceof ApiError && error.status === 401) {
    showSignIn('Your session has ended. Sign in again.');
    return;
  }
  say(error instanceof ApiError ? `${error.errorCode}: ${error.message}` : String(error));
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  row.append(td);
  return td;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

function showSignIn(text) {
  sessionStorage.removeItem(KEY);
  $('#console').hidden = true;
  $('#sign-out').hidden = true;
  $('#whoami').hidden = true;
  $('#sign-in').hidden = false;
  say(text ?? '');
}

async function showConsole() {
  const me = await api('GET', '/api/v1/session');
  $('#whoami').textContent = me.username;
  $('#whoami').hidden = false;
  $('#sign-out').hidden = false;
  $('#sign-in').hidden = true;
  $('#console').hidden = false;
  await loadSessions(false);
}

async function loadSessions(append) {
  const form = new FormData($('#session-filter'));
  const query = new URLSearchParams({ limit: '50' });
  for (const name of ['username', 'project']) {
    const value = String(form.get(name) ?? '').trim();
    if (value) query.set(name, value);
  }
  if (append && nextCursor) query.set('cursor', nextCursor);
  const page = await api('GET', `/api/v1/admin/sessions?${query}`);
  const body = $('#sessions');
  if (!append) body.replaceChildren();
  for (const s of page.sessions) {
    const row = document.createElement('tr');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = s.handle;
    box.setAttribute('aria-label', `Select ${s.handle}`);
    cell(row, '').append(box);
    cell(row, s.handle);
    cell(row, s.username);
    cell(row, s.project);
    cell(row, when(s.createdAt));
    cell(row, when(s.lastSeenAt));
    cell(row, when(s.expiresAt));
    body.append(row);
  }
  nextCursor = page.nextCursor;
  $('#next-page').hidden = !nextCursor;
  $('#select-all').checked = false;
}

async function endSelected() {
  const handles = [...document.querySelectorAll('#sessions input:checked')].map((box) => box.value);
  if (handles.length === 0) return say('Select the sessions to end first.');
  let ended = 0;
  let notFound = 0;
  for (let i = 0; i < handles.length; i += 200) {
    const { results } = await api('POST', '/api/v1/admin/sessions/invalidate', { handles: handles.slice(i, i + 200) });
    for (const r of results) r.success ? ended++ : notFound++;
  }
  await loadSessions(false);
  say(`Ended ${ended} session(s)${notFound ? `; ${notFound} had already ended` : ''}.`, true);
}

async function endUserSessions() {
  const username = String(new FormData($('#session-filter')).get('username') ?? '').trim();
  if (!username) return say('Type a username first.');
  if (!confirm(`End every session of ${username}?`)) return;
  const { ended } = await api('POST', `/api/v1/admin/users/${encodeURIComponent(username)}/sessions/invalidate`);
  await loadSessions(false);
  say(`Ended ${ended} session(s) of ${username}.`, true);
}

async function loadUsers() {
  const { users } = await api('GET', '/api/v1/admin/users');
  const body = $('#users');
  body.replaceChildren();
  for (const u of users) {
    const row = document.createElement('tr');
    cell(row, u.username);
    cell(row, u.userId);
    cell(row, u.admin ? 'yes' : 'no');
    cell(row, u.active === false ? 'no' : 'yes');
    body.append(row);
  }
}

async function loadAudit() {
  const { records } = await api('GET', '/api/v1/admin/audit?limit=100');
  const body = $('#audit');
  body.replaceChildren();
  for (const r of records) {
    const row = document.createElement('tr');
    cell(row, when(r.at));
    cell(row, r.event);
    cell(row, r.handle);
    cell(row, r.username ?? r.userId);
    cell(row, r.project);
    cell(row, r.reason);
    cell(row, r.actor);
    body.append(row);
  }
}

async function loadPool() {
  const body = $('#pool');
  body.replaceChildren();
  try {
    const pool = await api('GET', '/api/v1/admin/pool');
    $('#pool-summary').textContent = `${pool.entries.length} pooled session(s); hits ${pool.hits}, misses ${pool.misses}, evictions ${pool.evictions}`;
    for (const e of pool.entries) {
      const row = document.createElement('tr');
      cell(row, typeof e.key === 'string' ? e.key : JSON.stringify(e.key));
      cell(row, e.handle);
      cell(row, e.project);
      cell(row, e.login);
      cell(row, String(Math.round((e.idleMs ?? (e.idleSeconds ?? 0) * 1000) / 1000)));
      body.append(row);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) $('#pool-summary').textContent = 'This server has no web tier pool.';
    else throw error;
  }
}

async function loadWebhooks() {
  const { webhooks } = await api('GET', '/api/v1/admin/webhooks');
  const body = $('#webhooks');
  body.replaceChildren();
  for (const w of webhooks) {
    const row = document.createElement('tr');
    cell(row, w.url);
    cell(row, w.events.join(', '));
    cell(row, String(w.delivery.lastDeliveredSeq));
    cell(row, String(w.delivery.lag));
    cell(row, String(w.delivery.failures));
    cell(row, w.delivery.lastError);
    cell(row, when(w.delivery.nextAttemptAt));
    cell(row, w.delivery.failed ? 'failed' : w.delivery.failures > 0 ? 'retrying' : 'ok');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Delete';
    remove.dataset.webhook = w.id;
    remove.addEventListener('click', async () => {
      try {
        await api('DELETE', `/api/v1/admin/webhooks/${encodeURIComponent(w.id)}`);
        await loadWebhooks();
        say('Webhook deleted.', true);
      } catch (error) {
        fail(error);
      }
    });
    cell(row, '').append(remove);
    body.append(row);
  }
}

const loaders = { sessions: () => loadSessions(false), users: loadUsers, audit: loadAudit, pool: loadPool, webhooks: loadWebhooks };

function wire() {
  $('#sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      sessionStorage.removeItem(KEY);
      const login = await api('POST', '/api/v1/login', { username: form.get('username'), password: form.get('password') });
      sessionStorage.setItem(KEY, login.sessionId);
      event.target.reset();
      // An admin call tells whether this account may use the console at all.
      await api('GET', '/api/v1/admin/users');
      say('');
      await showConsole();
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) {
        await api('POST', '/api/v1/logout').catch(() => {});
        showSignIn('This account is not an administrator.');
      } else if (error instanceof ApiError && error.status === 401) {
        showSignIn('Wrong username or password.');
      } else fail(error);
    }
  });
  $('#sign-out').addEventListener('click', async () => {
    await api('POST', '/api/v1/logout').catch(() => {});
    showSignIn('Signed out.');
  });
  $('#session-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    loadSessions(false).catch(fail);
  });
  $('#next-page').addEventListener('click', () => loadSessions(true).catch(fail));
  $('#end-selected').addEventListener('click', () => endSelected().catch(fail));
  $('#end-user-sessions').addEventListener('click', () => endUserSessions().catch(fail));
  $('#select-all').addEventListener('change', (event) => {
    for (const box of document.querySelectorAll('#sessions input')) box.checked = event.target.checked;
  });
  $('#create-user').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await api('POST', '/api/v1/admin/users', { username: form.get('username'), password: form.get('password'), admin: form.get('admin') === 'on' });
      event.target.reset();
      await loadUsers();
      say('User added.', true);
    } catch (error) {
      fail(error);
    }
  });
  $('#create-webhook').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const events = [];
    if (form.get('created') === 'on') events.push('session.created');
    if (form.get('ended') === 'on') events.push('session.ended');
    try {
      const created = await api('POST', '/api/v1/admin/webhooks', { url: form.get('url'), events });
      event.target.reset();
      // The secret is answered once; show it until the admin leaves the tab.
      $('#webhook-secret code').textContent = created.secret;
      $('#webhook-secret').hidden = false;
      await loadWebhooks();
      say('Webhook added.', true);
    } catch (error) {
      fail(error);
    }
  });
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => {
      for (const other of document.querySelectorAll('nav button')) {
        other.setAttribute('aria-pressed', String(other === button));
        $(`#tab-${other.dataset.tab}`).hidden = other !== button;
      }
      say('');
      $('#webhook-secret').hidden = true;
      $('#webhook-secret code').textContent = '';
      loaders[button.dataset.tab]().catch(fail);
    });
  }
  if (sessionStorage.getItem(KEY)) showConsole().catch(fail);
}

wire();
