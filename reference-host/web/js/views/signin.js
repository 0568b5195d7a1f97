import { api, token } from '../api.js';
import { h } from '../dom.js';
import { render, show } from '../router.js';

/** Sign in with the admin token, kept for this tab's session only. */
export function signIn(ctx, message) {
  const input = h('input', { id: 'admin-token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'token-help token-error' });
  const error = h('p', { id: 'token-error', class: 'error', 'aria-live': 'polite' }, message ?? '');
  const form = h('form', { class: 'panel narrow', onsubmit: async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (!value) return void (error.textContent = 'Enter the admin token.');
    token.set(value);
    try {
      await api('GET', '/integration-catalog');
      await render();
    } catch {
      signIn(ctx, 'That admin token was not accepted.');
      document.getElementById('admin-token')?.focus();
    }
  } },
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'admin', hidden: true }),
    h('div', { class: 'field' },
      h('label', { for: 'admin-token' }, 'Admin token'),
      h('p', { id: 'token-help', class: 'help' }, 'Printed by npm start (or DATAFLY_ADMIN_TOKEN). Kept for this tab only.'),
      input,
      error),
    h('button', { type: 'submit' }, 'Sign in'));
  show(ctx, 'Sign in', h('h1', {}, 'Sign in'), form);
}
