// Privacy (GDPR/CCPA): delete a user at the vendor, shown only when the plugin declares `user_deletion`.
// The confirmation names the user and where the integration sends; the list of requests refreshes itself
// until every one is complete (or failed).
import { api, enc } from '../api.js';
import { openDialog } from '../dialog.js';
import { cell, fill, h, notice, table } from '../dom.js';
import { formatTime, plural } from '../format.js';
import { refreshControl } from '../refresh.js';
import { environmentWords } from './environment.js';

const OPEN = new Set(['requested', 'pending']);

function usersWords(d) {
  return [d.user_ids ? plural(d.user_ids, 'user ID') : null, d.anonymous_ids ? plural(d.anonymous_ids, 'anonymous ID') : null].filter(Boolean).join(', ');
}

export async function privacySection(ctx, page, panel) {
  const { manifest, integration } = page;
  const vendor = manifest.name;
  const where = environmentWords(integration);
  const identity = h('input', { id: 'delete-identity', type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'delete-identity-help' });
  const anonymous = h('input', { id: 'delete-anonymous', type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'delete-anonymous-help' });
  const requestedBy = h('input', { id: 'delete-requested-by', type: 'text', maxlength: 200, placeholder: 'A person or a ticket' });
  const formError = h('p', { class: 'error', id: 'delete-error', 'aria-live': 'polite' });
  const result = h('div', { 'aria-live': 'polite', id: 'deletion-result' });
  const list = h('div', { id: 'deletions' });
  let deletions = [];

  async function load() {
    const answer = await api('GET', `/integrations/${enc(page.id)}/user-deletions?limit=50`, undefined, ctx);
    deletions = answer.data;
    fill(list, deletions.length === 0 ? h('p', { class: 'empty' }, 'No deletion requests yet.') : table(
      ['Requested', 'Status', 'Users', 'Events dropped', `${vendor} requests`, 'Message', 'Completed', 'Requested by'],
      deletions.map((d) => {
        const users = cell('Users', usersWords(d), ' ', h('button', { type: 'button', class: 'link', 'aria-label': `Show the users of deletion ${d.id}`, onclick: async (e) => {
          const one = await api('GET', `/integrations/${enc(page.id)}/user-deletions/${enc(d.id)}`);
          e.target.replaceWith(h('span', { class: 'ids' }, [...(one.user_id_list ?? []), ...(one.anonymous_id_list ?? []).map((a) => `${a} (anonymous)`)].join(', ')));
        } }, 'Show'));
        return h('tr', { 'data-deletion': d.id, 'data-status': d.status },
          cell('Requested', formatTime(d.requested_at)),
          cell('Status', h('span', { class: `badge deletion-${d.status}` }, d.status)),
          users,
          cell('Events dropped', String(d.events_dropped)),
          cell(`${vendor} requests`, d.vendor_requests.length === 0 ? 'not sent yet' : d.vendor_requests.map((r) => `${r.request_id} (${r.status})`).join(', ')),
          cell('Message', d.message ?? ''),
          cell('Completed', d.completed_at ? formatTime(d.completed_at) : ''),
          cell('Requested by', d.requested_by));
      }), { id: 'deletion-list' }));
  }

  const refresh = refreshControl(ctx, { pane: 'deletion requests', load, autoMs: 2000, until: () => !deletions.some((d) => OPEN.has(d.status)) });

  const form = h('form', { class: 'panel narrow', novalidate: true, id: 'delete-user', onsubmit: (e) => {
    e.preventDefault();
    const ids = { identity: identity.value.trim(), anonymous: anonymous.value.trim() };
    if (!ids.identity && !ids.anonymous) {
      formError.textContent = 'Enter the user ID, the anonymous ID, or both.';
      identity.setAttribute('aria-invalid', 'true');
      identity.focus();
      return;
    }
    formError.textContent = '';
    identity.setAttribute('aria-invalid', 'false');
    const who = [ids.identity ? `user ID ${ids.identity}` : null, ids.anonymous ? `anonymous ID ${ids.anonymous}` : null].filter(Boolean).join(' and ');
    const name = ids.identity || ids.anonymous;
    return openDialog({
      title: `Delete ${name} from ${vendor}?`,
      body: [
        h('p', {}, `${vendor} deletes the user with ${who}, and every event of theirs, from ${where}.`),
        h('p', {}, 'Their events still waiting in this integration\'s queue are dropped now (logged as filtered, "user deleted"). This cannot be undone.'),
      ],
      confirm: `Delete ${name}`,
      danger: true,
      async onConfirm() {
        const body = { user_ids: ids.identity ? [ids.identity] : [], anonymous_ids: ids.anonymous ? [ids.anonymous] : [] };
        if (requestedBy.value.trim()) body.requested_by = requestedBy.value.trim();
        const created = await api('POST', `/integrations/${enc(page.id)}/user-deletions`, body);
        fill(result, notice('ok', `Deletion of ${name} requested (${created.id}); ${plural(created.events_dropped, 'waiting event')} dropped. The list below follows it until ${vendor} says it is complete.`));
        identity.value = '';
        anonymous.value = '';
        requestedBy.value = '';
        await refresh.run();
        refresh.resume();
      },
    });
  } },
    h('div', { class: 'field' }, h('label', { for: 'delete-identity' }, 'User ID'), identity, h('p', { class: 'help', id: 'delete-identity-help' }, 'The userId your events carry.')),
    h('div', { class: 'field' }, h('label', { for: 'delete-anonymous' }, 'Anonymous ID'), anonymous, h('p', { class: 'help', id: 'delete-anonymous-help' }, 'The anonymousId of a visitor who never signed in (optional when you give the user ID).')),
    h('div', { class: 'field' }, h('label', { for: 'delete-requested-by' }, 'Requested by (optional)'), requestedBy),
    formError,
    h('button', { type: 'submit', class: 'danger' }, 'Delete a user'));

  fill(panel,
    h('h2', { id: 'section-title' }, 'Privacy'),
    h('p', { class: 'help' }, `Delete a person's data at ${vendor} (a GDPR or CCPA request) in ${where}.`),
    form,
    result,
    h('div', { class: 'section-head' }, h('h3', {}, 'Deletion requests'), refresh.element),
    list);
  await refresh.start();
}
