// The admin console: a page over the admin REST API, in small modules (one per tab). Nothing
// here has power of its own: every action is an API call that checks the admin's session.
import { api, ApiError, session } from './api.js';
import { loadAudit, wireAudit } from './audit-tab.js';
import { loadPool, wirePool } from './pool-tab.js';
import { loadSessions, wireSessions } from './sessions-tab.js';
import { tabList } from './tabs.js';
import { $, say } from './ui.js';
import { loadUsers, wireUsers } from './users-tab.js';
import { loadWebhooks, wireWebhooks } from './webhooks-tab.js';

function showSignIn(text, ok = false) {
  session.clear();
  $('#console').hidden = true;
  $('#sign-out').hidden = true;
  $('#whoami').hidden = true;
  $('#sign-in').hidden = false;
  say(text ?? '', { ok });
  $('#sign-in input[name=username]').focus();
}

/** A refusal or failure: shown where the admin is; a lost session or lost admin rights sign out. */
function fail(error) {
  if (error instanceof ApiError && error.status === 401) return showSignIn('Your session has ended. Sign in again.');
  if (error instanceof ApiError && error.status === 403) {
    api('POST', '/api/v1/logout').catch(() => {});
    return showSignIn('This account is not an administrator.');
  }
  say(error instanceof ApiError ? `Refused (${error.errorCode}): ${error.message}` : `Something went wrong: ${String(error)}`, { focus: true });
}

const loaders = {
  sessions: () => loadSessions('first', { focus: false }),
  users: () => loadUsers({ focus: false }),
  audit: () => loadAudit('first', { focus: false }),
  pool: () => loadPool({ focus: false, fail }),
  webhooks: () => loadWebhooks({ focus: false }),
};
const tabs = tabList($('[role=tablist]'), (name) => {
  say('');
  loaders[name]().catch(fail);
});

async function showConsole() {
  const me = await api('GET', '/api/v1/session');
  $('#whoami').textContent = me.username;
  $('#whoami').hidden = false;
  $('#sign-out').hidden = false;
  $('#sign-in').hidden = true;
  $('#console').hidden = false;
  // Signed in: the Sessions tab is selected and has keyboard focus.
  tabs.select('sessions');
}

$('#sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    session.clear();
    const login = await api('POST', '/api/v1/login', { username: form.get('username'), password: form.get('password') });
    session.set(login.sessionId);
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
    } else if (error instanceof ApiError && error.status === 429) {
      showSignIn('Too many attempts. Wait a moment and try again.');
    } else fail(error);
  }
});

$('#sign-out').addEventListener('click', async () => {
  await api('POST', '/api/v1/logout').catch(() => {});
  showSignIn('Signed out.', true);
});

wireSessions(fail);
wireUsers(fail);
wireAudit(fail);
wirePool(fail);
wireWebhooks(fail);
if (session.get()) showConsole().catch(fail);
