// Small pieces every tab uses. Every value from the server is written with textContent, never
// as HTML, and keyboard focus is moved to whatever changed.
export const $ = (selector) => document.querySelector(selector);

/** Shows what happened (ok) or a refusal; with `focus`, moves keyboard focus to it. */
export function say(text, { ok = false, focus = false } = {}) {
  const el = $('#message');
  el.textContent = text;
  el.classList.toggle('ok', ok);
  el.hidden = !text;
  if (text && focus) el.focus();
}

export function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  row.append(td);
  return td;
}

export function button(text, { label, className = 'small secondary', onClick }) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.className = className;
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

/** A row saying the table is empty, across all its columns. */
export function emptyRow(body, columns, text) {
  const row = document.createElement('tr');
  const td = cell(row, text, 'empty');
  td.colSpan = columns;
  body.append(row);
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '');

/** Moves focus to a table (its caption is read out) after its rows changed. */
export function focusTable(selector) {
  $(selector).focus();
}

/**
 * Asks before anything ends: a modal <dialog> that answers true only for its confirm button.
 * Escape and Cancel answer false; focus starts on Cancel and goes back where it was.
 */
export function confirmAction({ title, text, confirm }) {
  const dialog = $('#confirm');
  $('#confirm-title').textContent = title;
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = confirm;
  const opener = document.activeElement;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
        resolve(dialog.returnValue === 'ok');
      },
      { once: true },
    );
    dialog.showModal();
    $('#confirm-cancel').focus();
  });
}

/**
 * Opens a dialog holding a form; on submit resolves with what `submit` answers for the form's
 * data, or null on Cancel or Escape. A refusal (`submit` throws) closes it and rejects, so the
 * caller shows it like any other.
 */
export function formDialog(dialogSelector, { prepare, submit }) {
  const dialog = $(dialogSelector);
  const form = dialog.querySelector('form');
  form.reset();
  prepare?.(form);
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const close = (value) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(value);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      try {
        close(await submit(new FormData(form)));
      } catch (error) {
        close(Promise.reject(error));
      }
    };
    const onCancel = (event) => {
      event.preventDefault();
      close(null);
    };
    const cancel = dialog.querySelector('.dialog-cancel');
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    form.querySelector('input')?.focus();
  });
}
