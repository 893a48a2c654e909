// The Sessions tab: live sessions by handle, paged both ways with a total, searched by username
// prefix and project, ended only after a confirmation.
import { api, withQuery } from './api.js';
import { $, cell, confirmAction, emptyRow, focusTable, say, when } from './ui.js';

const state = { page: 1, limit: 25, cursor: {}, next: null, previous: null, total: 0, shown: [] };

function filter() {
  const form = new FormData($('#session-filter'));
  const text = (name) => String(form.get(name) ?? '').trim();
  return { usernamePrefix: text('usernamePrefix'), project: text('project'), limit: Number(form.get('limit')) || 25 };
}

function render(sessions) {
  const body = $('#sessions');
  body.replaceChildren();
  if (sessions.length === 0) emptyRow(body, 9, 'No live sessions match.');
  for (const s of sessions) {
    const row = document.createElement('tr');
    row.dataset.handle = s.handle;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = s.handle;
    box.setAttribute('aria-label', `Select ${s.username}'s session ${s.handle}`);
    cell(row, '').append(box);
    cell(row, s.handle, 'handle');
    cell(row, s.username);
    cell(row, s.project);
    cell(row, s.ip ?? 'unknown', 'ip');
    cell(row, s.userAgent ?? 'unknown', 'ua').title = s.userAgent ?? 'unknown';
    cell(row, when(s.createdAt), 'time');
    cell(row, when(s.lastSeenAt), 'time');
    cell(row, when(s.expiresAt), 'time');
    body.append(row);
  }
  $('#select-all').checked = false;
  const first = (state.page - 1) * state.limit + 1;
  const range = sessions.length ? `${first}–${first + sessions.length - 1} of ${state.total}` : `none of ${state.total}`;
  const status = `Page ${state.page}: sessions ${range}`;
  $('#sessions-caption').textContent = `Live sessions, oldest first — ${status}`;
  $('#page-status').textContent = status;
  $('#prev-page').disabled = !state.previous;
  $('#next-page').disabled = !state.next;
}

/**
 * Loads a page: 'first' (a new search), 'next', 'previous', or 'again' (the page shown, after
 * something on it ended). Focus moves to the table unless `focus` is false.
 */
export async function loadSessions(which = 'first', { focus = true } = {}) {
  const f = filter();
  state.limit = f.limit;
  let cursor = {};
  if (which === 'next' && state.next) cursor = { cursor: state.next };
  else if (which === 'previous' && state.previous) cursor = { before: state.previous };
  else if (which === 'again') cursor = state.cursor;
  let page = await api('GET', withQuery('/api/v1/admin/sessions', { ...f, ...cursor, count: 'true' }));
  // Back at the start, or the page emptied under us: show the first page whole instead.
  if ((cursor.before && !page.previousCursor) || (which === 'again' && page.sessions.length === 0 && state.page > 1)) {
    cursor = {};
    page = await api('GET', withQuery('/api/v1/admin/sessions', { ...f, count: 'true' }));
  }
  if (!cursor.cursor && !cursor.before) state.page = 1;
  else if (which === 'next') state.page += 1;
  else if (which === 'previous') state.page -= 1;
  Object.assign(state, { cursor, next: page.nextCursor, previous: page.previousCursor, total: page.total, shown: page.sessions });
  render(page.sessions);
  if (focus) focusTable('#sessions-table');
}

async function endSelected() {
  const boxes = [...document.querySelectorAll('#sessions input:checked')];
  if (boxes.length === 0) return say('Select the sessions to end first.', { focus: true });
  const chosen = state.shown.filter((s) => boxes.some((b) => b.value === s.handle));
  const who = [...new Set(chosen.map((s) => s.username))].join(', ');
  const ok = await confirmAction({
    title: `End ${chosen.length} session${chosen.length === 1 ? '' : 's'}?`,
    text: `Sessions of ${who} end at once; whoever holds them must sign in again.`,
    confirm: `End ${chosen.length} session${chosen.length === 1 ? '' : 's'}`,
  });
  if (!ok) return say('Nothing was ended.', { ok: true, focus: true });
  let ended = 0;
  let gone = 0;
  const handles = chosen.map((s) => s.handle);
  for (let i = 0; i < handles.length; i += 200) {
    const { results } = await api('POST', '/api/v1/admin/sessions/invalidate', { handles: handles.slice(i, i + 200) });
    for (const r of results) r.success ? ended++ : gone++;
  }
  await loadSessions('again', { focus: false });
  say(`Ended ${ended} session(s)${gone ? `; ${gone} had already ended` : ''}.`, { ok: true, focus: true });
}

export function wireSessions(fail) {
  $('#session-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    say('');
    loadSessions('first').catch(fail);
  });
  $('#next-page').addEventListener('click', () => loadSessions('next').catch(fail));
  $('#prev-page').addEventListener('click', () => loadSessions('previous').catch(fail));
  $('#end-selected').addEventListener('click', () => endSelected().catch(fail));
  $('#select-all').addEventListener('change', (event) => {
    for (const box of document.querySelectorAll('#sessions input')) box.checked = event.target.checked;
  });
}
