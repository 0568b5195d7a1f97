// Modal dialogs on <dialog>: focus moves in (to the first field, or the confirming button) and back
// to the opener on close; Enter confirms, Escape cancels. The confirm action may fail: its error is
// shown in the dialog, which stays open.
import { h } from './dom.js';

let counter = 0;

/**
 * Opens a dialog. `body`: nodes; `fields`: inputs inside the form (the first gets focus);
 * `onConfirm(form)`: async, throws to keep the dialog open with its message; `opener` gets the focus
 * back (the focused element by default). Answers true when confirmed, false when cancelled.
 */
export function openDialog({ title, body = [], confirm, danger = false, onConfirm = async () => {}, cancel = 'Cancel', opener = document.activeElement }) {
  const id = `dialog-${++counter}`;
  const error = h('p', { class: 'error', id: `${id}-error`, role: 'alert' });
  const confirmButton = h('button', { type: 'submit', class: danger ? 'danger' : '' }, confirm);
  const cancelButton = h('button', { type: 'button', class: 'secondary' }, cancel);
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: `${id}-title` }, title),
    h('div', { id: `${id}-body`, class: 'dialog-body' }, body),
    error,
    h('div', { class: 'toolbar dialog-actions' }, confirmButton, cancelButton));
  const dialog = h('dialog', { 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-body` }, form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    let done = false;
    // Closing and giving the focus back happen together, so nothing sees the focus in between.
    const finish = (confirmed) => {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(confirmed);
    };
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.addEventListener('close', () => finish(false));
    cancelButton.addEventListener('click', () => finish(false));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      confirmButton.disabled = true;
      try {
        await onConfirm(form);
        finish(true);
      } catch (failure) {
        error.textContent = failure?.message ?? String(failure);
        confirmButton.disabled = false;
        (form.querySelector('[aria-invalid="true"]') ?? confirmButton).focus();
      }
    });
    dialog.showModal();
    (form.querySelector('.dialog-body input, .dialog-body textarea, .dialog-body select') ?? confirmButton).focus();
  });
}
