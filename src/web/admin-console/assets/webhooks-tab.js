// The Webhooks tab: registered endpoints and where their deliveries stand, registering one (its
// signing secret is shown once, right then, and never again) and deleting one after a confirmation.
import { api } from './api.js';
import { $, button, cell, confirmAction, emptyRow, focusTable, say, when } from './ui.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** How a webhook's deliveries stand, in words: up to date, behind, retrying, or given up. */
function deliveryState(d) {
  if (d.failed) return { badge: 'failed', className: 'badge off', text: `gave up after 24 h of failures; last: ${d.lastError ?? 'unknown'}` };
  if (d.failures > 0) {
    const next = d.nextAttemptAt ? `next attempt ${when(d.nextAttemptAt)}` : 'next attempt soon';
    return { badge: 'retrying', className: 'badge warn', text: `${plural(d.failures, 'failure')}, ${next}; last: ${d.lastError ?? 'unknown'}` };
  }
  return { badge: 'ok', className: 'badge', text: d.lag === 0 ? 'up to date' : `${plural(d.lag, 'event')} to send` };
}

function render(webhooks, fail) {
  const body = $('#webhooks');
  body.replaceChildren();
  if (webhooks.length === 0) emptyRow(body, 8, 'No webhooks are registered.');
  for (const w of webhooks) {
    const row = document.createElement('tr');
    row.dataset.id = w.id;
    cell(row, w.id, 'mono');
    cell(row, w.url, 'mono');
    cell(row, w.events.join(', '));
    cell(row, when(w.createdAt), 'time');
    cell(row, `seq ${w.delivery.lastDeliveredSeq}`);
    cell(row, String(w.delivery.lag));
    const state = deliveryState(w.delivery);
    const badge = document.createElement('span');
    badge.className = state.className;
    badge.textContent = state.badge;
    const td = cell(row, '');
    td.append(badge, ` ${state.text}`);
    cell(row, '').append(button('Delete', { label: `Delete webhook ${w.id}`, className: 'small danger', onClick: () => remove(w).catch(fail) }));
    body.append(row);
  }
  const failing = webhooks.filter((w) => w.delivery.failures > 0 || w.delivery.failed).length;
  $('#webhooks-caption').textContent = `Webhooks: ${plural(webhooks.length, 'endpoint')}, ${failing} failing`;
}

let failed = (error) => {
  throw error;
};

export async function loadWebhooks({ focus = true } = {}) {
  const { webhooks } = await api('GET', '/api/v1/admin/webhooks');
  render(webhooks, failed);
  if (focus) focusTable('#webhooks-table');
}

async function remove(w) {
  const ok = await confirmAction({
    title: `Delete the webhook ${w.id}?`,
    text: `Nothing more is delivered to ${w.url}${w.delivery.lag ? `, not even the ${plural(w.delivery.lag, 'event')} it has not received yet` : ''}. This cannot be undone.`,
    confirm: 'Delete webhook',
  });
  if (!ok) return say('Nothing was deleted.', { ok: true, focus: true });
  await api('DELETE', `/api/v1/admin/webhooks/${encodeURIComponent(w.id)}`);
  await loadWebhooks({ focus: false });
  say(`The webhook ${w.id} is deleted; nothing more is delivered to ${w.url}.`, { ok: true, focus: true });
}

/** Shows a secret sessiond made, once, in a modal dialog; forgets it from the page on close. */
function showSecretOnce(secret) {
  const dialog = $('#secret-dialog');
  const field = $('#secret-value');
  field.value = secret;
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        field.value = '';
        resolve();
      },
      { once: true },
    );
    dialog.showModal();
    field.focus();
    field.select();
  });
}

async function register(form) {
  const data = new FormData(form);
  const events = data.getAll('events').map(String);
  if (events.length === 0) return say('Choose at least one event type to deliver.', { focus: true });
  const secret = String(data.get('secret') ?? '');
  const created = await api('POST', '/api/v1/admin/webhooks', { url: String(data.get('url') ?? '').trim(), events, ...(secret ? { secret } : {}) });
  form.reset();
  await loadWebhooks({ focus: false });
  // A secret the admin typed is theirs already; one sessiond made is shown now and never again.
  if (!secret) await showSecretOnce(created.secret);
  say(`Registered ${created.id} for ${created.url}: it receives ${created.events.join(' and ')} from the next event on.`, { ok: true, focus: true });
}

export function wireWebhooks(fail) {
  failed = fail;
  $('#webhooks-refresh').addEventListener('click', () => loadWebhooks().catch(fail));
  $('#create-webhook').addEventListener('submit', (event) => {
    event.preventDefault();
    register(event.target).catch(fail);
  });
}
