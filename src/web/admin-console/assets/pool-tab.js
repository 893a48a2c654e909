// The Pool tab: the web tier's pooled server sessions and counters, and evicting one (it is
// closed at the upstream, after a confirmation).
import { api } from './api.js';
import { $, button, cell, confirmAction, emptyRow, focusTable, say } from './ui.js';

async function evict(entry) {
  const ok = await confirmAction({
    title: `Evict ${entry.handle}?`,
    text: `The pooled session of ${entry.login} on ${entry.project} is closed at the upstream; the next web login with its key signs in anew.`,
    confirm: 'Evict and close',
  });
  if (!ok) return say('Nothing was evicted.', { ok: true, focus: true });
  const { closed } = await api('DELETE', `/api/v1/admin/pool/${encodeURIComponent(entry.handle)}`);
  await loadPool({ focus: false });
  say(closed ? `Evicted ${entry.handle}; its session is closed.` : `Evicted ${entry.handle}, but the upstream could not close it (see the log).`, {
    ok: closed,
    focus: true,
  });
}

export async function loadPool({ focus = true, fail } = {}) {
  const pool = await api('GET', '/api/v1/admin/pool');
  $('#pool-summary').textContent = `${pool.entries.length} pooled session(s). Hits ${pool.hits}, misses ${pool.misses}, evictions ${pool.evictions}, failed closes ${pool.closeFailures}.`;
  const body = $('#pool');
  body.replaceChildren();
  if (pool.entries.length === 0) emptyRow(body, 6, 'The pool is empty.');
  for (const e of pool.entries) {
    const row = document.createElement('tr');
    row.dataset.handle = e.handle;
    cell(row, e.key, 'mono');
    cell(row, e.handle, 'handle');
    cell(row, e.project);
    cell(row, e.login);
    cell(row, String(e.idleSeconds));
    cell(row, '').append(button('Evict', { label: `Evict ${e.handle}`, className: 'small danger', onClick: () => evict(e).catch(fail ?? failed) }));
    body.append(row);
  }
  $('#pool-caption').textContent = `Pooled server sessions (${pool.entries.length})`;
  if (focus) focusTable('#pool-table');
}

let failed = (error) => {
  throw error;
};

export function wirePool(fail) {
  failed = fail;
  $('#pool-refresh').addEventListener('click', () => loadPool().catch(fail));
}
