// The Users tab: every account action of the admin REST API, each refusal shown as the server
// words it (the last active admin, a taken name, a weak password).
import { api, userPath } from './api.js';
import { $, button, cell, confirmAction, emptyRow, formDialog, say, when } from './ui.js';

/** userId → username, for the audit tab; refreshed whenever users are fetched. */
export const usernames = new Map();

export async function fetchUsers() {
  const { users } = await api('GET', '/api/v1/admin/users');
  usernames.clear();
  const options = $('#usernames');
  options.replaceChildren();
  for (const u of users) {
    usernames.set(u.userId, u.username);
    const option = document.createElement('option');
    option.value = u.username;
    options.append(option);
  }
  return users;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs one account action, then shows what changed and moves focus there. */
async function act(work) {
  const done = await work();
  if (done === null) return say('Nothing was changed.', { ok: true, focus: true });
  await loadUsers({ focus: false });
  say(done, { ok: true, focus: true });
}

const actions = {
  async deactivate(u) {
    const ok = await confirmAction({
      title: `Deactivate ${u.username}?`,
      text: `${u.username} can no longer sign in, and every session of ${u.username} ends now.`,
      confirm: 'Deactivate and end sessions',
    });
    if (!ok) return null;
    const { ended } = await api('POST', `${userPath(u.username)}/deactivate`);
    return `${u.username} is deactivated; ${plural(ended, 'session')} ended.`;
  },
  async activate(u) {
    await api('POST', `${userPath(u.username)}/activate`);
    return `${u.username} can sign in again.`;
  },
  async password(u) {
    const ended = await formDialog('#password-dialog', {
      prepare: () => {
        $('#password-title').textContent = `Set the password of ${u.username}`;
        $('#password-note').textContent = `Every session of ${u.username} ends; they sign in again with the new password.`;
      },
      submit: async (form) => (await api('POST', `${userPath(u.username)}/password`, { newPassword: form.get('newPassword') })).ended,
    });
    return ended === null ? null : `The password of ${u.username} is set; ${plural(ended, 'session')} ended.`;
  },
  async role(u) {
    await api('PATCH', userPath(u.username), { admin: !u.admin });
    return u.admin ? `${u.username} is no longer an admin.` : `${u.username} is now an admin.`;
  },
  async permissions(u) {
    const saved = await formDialog('#permissions-dialog', {
      prepare: (form) => {
        $('#permissions-title').textContent = `Permissions of ${u.username}`;
        for (const box of form.querySelectorAll('input[name=permission]')) box.checked = u.permissions.includes(box.value);
        const known = [...form.querySelectorAll('input[name=permission]')].map((b) => b.value);
        form.elements.others.value = u.permissions.filter((p) => !known.includes(p)).join(', ');
      },
      submit: async (form) => {
        const others = String(form.get('others') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
        const permissions = [...new Set([...form.getAll('permission').map(String), ...others])];
        return (await api('PATCH', userPath(u.username), { permissions })).permissions;
      },
    });
    return saved === null ? null : `${u.username} may now: ${saved.length ? saved.join(', ') : 'nothing beyond their own sessions'}.`;
  },
  async endSessions(u) {
    const ok = await confirmAction({
      title: `End every session of ${u.username}?`,
      text: `${u.username} is signed out everywhere and can sign in again.`,
      confirm: 'End sessions',
    });
    if (!ok) return null;
    const { ended } = await api('POST', `${userPath(u.username)}/sessions/invalidate`);
    return `Ended ${plural(ended, 'session')} of ${u.username}.`;
  },
  async remove(u) {
    const ok = await confirmAction({
      title: `Delete ${u.username}?`,
      text: `The account ${u.username} is removed and every session of it ends. This cannot be undone.`,
      confirm: `Delete ${u.username}`,
    });
    if (!ok) return null;
    const { ended } = await api('DELETE', userPath(u.username));
    return `${u.username} is deleted; ${plural(ended, 'session')} ended.`;
  },
};

function render(users, fail) {
  const body = $('#users');
  body.replaceChildren();
  if (users.length === 0) emptyRow(body, 6, 'No users.');
  for (const u of users) {
    const row = document.createElement('tr');
    row.dataset.username = u.username;
    cell(row, u.username);
    const role = document.createElement('span');
    role.className = u.admin ? 'badge admin' : 'badge';
    role.textContent = u.admin ? 'admin' : 'user';
    cell(row, '').append(role);
    const status = document.createElement('span');
    status.className = u.active ? 'badge' : 'badge off';
    status.textContent = u.active ? 'active' : 'deactivated';
    cell(row, '').append(status);
    cell(row, u.permissions.join(', ') || '—');
    cell(row, when(u.createdAt), 'time');
    const tools = document.createElement('div');
    tools.className = 'actions';
    const add = (text, name, className) =>
      tools.append(button(text, { label: `${text}: ${u.username}`, className, onClick: () => act(() => actions[name](u)).catch(fail) }));
    if (u.active) add('Deactivate', 'deactivate');
    else add('Activate', 'activate');
    add('Set password', 'password');
    add(u.admin ? 'Remove admin' : 'Make admin', 'role');
    add('Permissions', 'permissions');
    add('End sessions', 'endSessions');
    add('Delete', 'remove', 'small danger');
    cell(row, '').append(tools);
    body.append(row);
  }
  const admins = users.filter((u) => u.admin && u.active).length;
  $('#users-caption').textContent = `Users: ${plural(users.length, 'account')}, ${plural(admins, 'active admin')}`;
}

let failHandler = (error) => {
  throw error;
};

export async function loadUsers({ focus = true } = {}) {
  render(await fetchUsers(), failHandler);
  if (focus) $('#users-table').focus();
}

export function wireUsers(fail) {
  failHandler = fail;
  $('#create-user').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const username = String(form.get('username'));
      await api('POST', '/api/v1/admin/users', { username, password: form.get('password'), admin: form.get('admin') === 'on' });
      event.target.reset();
      await loadUsers({ focus: false });
      say(`${username} is added.`, { ok: true, focus: true });
    } catch (error) {
      fail(error);
    }
  });
}
