// The Audit tab: the audit trail newest first, filtered by user, handle and event, paged
// (older pages by the server's cursor; newer ones by the cursors already walked).
import { api, withQuery } from './api.js';
import { $, cell, emptyRow, focusTable, when } from './ui.js';
import { fetchUsers, usernames } from './users-tab.js';

/** Every audit event name the server writes (core's AUDIT_EVENT_NAMES; a test holds them equal). */
export const AUDIT_EVENTS = [
  'session.created',
  'session.ended',
  'pool.released',
  'pool.reused',
  'pool.missed',
  'pool.evicted',
  'pool.close-failed',
  'web.login',
  'web.logout',
  'user.created',
  'user.activated',
  'user.deactivated',
  'user.updated',
  'user.deleted',
  'user.password-reset',
  'user.password-changed',
  'login.failed',
  'webhook.created',
  'webhook.deleted',
];

const PAGE = 25;
/** The cursor of each page walked so far: [null (the newest), older, older…]. */
let walked = [null];
let next = null;

function filter() {
  const form = new FormData($('#audit-filter'));
  const text = (name) => String(form.get(name) ?? '').trim();
  return { username: text('username'), handle: text('handle'), event: text('event') };
}

function render(records) {
  const body = $('#audit');
  body.replaceChildren();
  if (records.length === 0) emptyRow(body, 7, 'No audit records match.');
  for (const r of records) {
    const row = document.createElement('tr');
    cell(row, when(r.at), 'time');
    cell(row, r.event);
    cell(row, r.userId ? (usernames.get(r.userId) ?? r.userId) : '');
    cell(row, r.handle, 'handle');
    cell(row, r.project);
    cell(row, r.reason);
    cell(row, r.actor, 'mono');
    body.append(row);
  }
  const page = walked.length;
  const f = filter();
  const by = [f.username && `user ${f.username}`, f.handle && `handle ${f.handle}`, f.event && `event ${f.event}`].filter(Boolean).join(', ');
  const status = `Page ${page}${records.length ? `: records ${(page - 1) * PAGE + 1}–${(page - 1) * PAGE + records.length}` : ''}`;
  $('#audit-caption').textContent = `Audit records, newest first${by ? `, for ${by}` : ''} — ${status}`;
  $('#audit-status').textContent = status;
  $('#audit-newer').disabled = walked.length <= 1;
  $('#audit-older').disabled = !next;
}

/** Loads the newest page ('first'), the one after ('older') or before ('newer') the one shown. */
export async function loadAudit(which = 'first', { focus = true } = {}) {
  if (usernames.size === 0) await fetchUsers();
  if (which === 'first') walked = [null];
  const at = which === 'older' ? [...walked, next] : which === 'newer' ? walked.slice(0, -1) : walked;
  const cursor = at[at.length - 1];
  const page = await api('GET', withQuery('/api/v1/admin/audit', { ...filter(), limit: PAGE, cursor }));
  walked = at;
  next = page.nextCursor;
  render(page.records);
  if (focus) focusTable('#audit-table');
}

export function wireAudit(fail) {
  const select = $('#audit-event');
  for (const name of AUDIT_EVENTS) {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name;
    select.append(option);
  }
  $('#audit-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    loadAudit('first').catch(fail);
  });
  $('#audit-older').addEventListener('click', () => loadAudit('older').catch(fail));
  $('#audit-newer').addEventListener('click', () => loadAudit('newer').catch(fail));
}
