// Delivery logs: every attempt of every event, newest first, filtered and paged; a row opens the
// event's four panes. The row format is shared with the live stream.
import { api, enc } from '../api.js';
import { cell, fill, h, token } from '../dom.js';
import { formatWhen, saysNothing, STATUSES } from '../format.js';
import { refreshControl } from '../refresh.js';
import { eventDetail } from './event-detail.js';

export const LOG_COLUMNS = ['Time', 'Status', 'Event', 'Type', 'User', 'Message ID', 'HTTP', 'Answer', 'Warnings', 'Attempt', 'ms'];

/** One delivery log as a table row; `onOpen(messageId, row)` shows its detail. */
export function deliveryRow(log, onOpen) {
  const user = log.user_id !== null && log.user_id !== undefined ? token(log.user_id) : log.anonymous_id ? [token(log.anonymous_id), ' (anonymous)'] : '';
  const answer = log.message ?? (saysNothing(log.response) ? '' : log.response);
  const row = h('tr', { 'data-message-id': log.message_id, 'data-log-id': log.id, 'data-status': log.status, 'aria-selected': 'false' },
    cell('Time', h('time', { datetime: log.created_at }, formatWhen(log.created_at))),
    cell('Status', h('span', { class: `badge ${log.status}` }, log.status)),
    cell('Event', log.event_name ?? ''),
    cell('Type', log.event_type ?? ''),
    cell('User', user),
    cell('Message ID', h('button', { type: 'button', class: 'link open-event', 'aria-label': `Details of ${log.message_id}` }, token(log.message_id))),
    cell('HTTP', log.http_status ?? ''),
    h('td', { 'data-label': 'Answer', class: 'answer' }, answer ?? ''),
    h('td', { 'data-label': 'Warnings', class: 'warnings' }, log.warnings.join('; ')),
    cell('Attempt', String(log.attempt)),
    cell('ms', String(log.duration_ms)));
  row.addEventListener('click', () => onOpen(log.message_id, row));
  return row;
}

export async function logsSection(ctx, page, panel) {
  const state = { cursors: [''] };
  const status = h('select', { id: 'log-status' }, h('option', { value: '' }, 'All statuses'), STATUSES.map((s) => h('option', { value: s }, s)));
  const eventName = h('input', { id: 'log-event', type: 'text', spellcheck: 'false' });
  const user = h('input', { id: 'log-user', type: 'text', spellcheck: 'false', placeholder: 'userId or anonymousId' });
  const messageId = h('input', { id: 'log-message', type: 'text', spellcheck: 'false' });
  const list = h('div', { id: 'delivery-logs', class: 'table-box' });
  const pager = h('div', { class: 'pager' });
  const detail = h('div', { id: 'log-detail' });

  const open = async (id, row) => {
    for (const r of list.querySelectorAll('tr[aria-selected="true"]')) r.setAttribute('aria-selected', 'false');
    row.setAttribute('aria-selected', 'true');
    try {
      const section = await eventDetail(page, id, ctx);
      fill(detail, section);
      section.querySelector('h3').focus();
    } catch (error) {
      fill(detail, h('p', { class: 'error' }, error.message));
    }
  };

  async function load() {
    const cursor = state.cursors[state.cursors.length - 1];
    const q = new URLSearchParams({ limit: '25' });
    if (status.value) q.set('status', status.value);
    if (eventName.value.trim()) q.set('event_name', eventName.value.trim());
    if (user.value.trim()) q.set('user', user.value.trim());
    if (messageId.value.trim()) q.set('message_id', messageId.value.trim());
    if (cursor) q.set('cursor', cursor);
    const result = await api('GET', `/integrations/${enc(page.id)}/delivery-logs?${q}`, undefined, ctx);
    fill(list, result.data.length === 0
      ? h('p', { class: 'empty' }, state.cursors.length > 1 || q.size > 1 ? 'No delivery matches.' : 'No deliveries yet.')
      : h('table', { class: 'responsive deliveries' },
          h('thead', {}, h('tr', {}, LOG_COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, result.data.map((log) => deliveryRow(log, open)))));
    fill(pager,
      h('button', { type: 'button', class: 'secondary', disabled: state.cursors.length === 1, onclick: () => { state.cursors.pop(); void refresh.run(); } }, 'Newer'),
      h('button', { type: 'button', class: 'secondary', disabled: !result.has_more, onclick: () => { state.cursors.push(result.next_cursor); void refresh.run(); } }, 'Older'));
  }

  const refresh = refreshControl(ctx, { pane: 'delivery logs', load, autoMs: 10_000, autoOn: false });
  const restart = () => {
    state.cursors = [''];
    void refresh.run();
  };
  status.addEventListener('change', restart);
  const form = h('form', { class: 'toolbar filters', 'aria-label': 'Filter the delivery logs', onsubmit: (e) => { e.preventDefault(); restart(); } },
    h('label', { for: 'log-status' }, 'Status', status),
    h('label', { for: 'log-event' }, 'Event name', eventName),
    h('label', { for: 'log-user' }, 'User', user),
    h('label', { for: 'log-message' }, 'Message ID', messageId),
    h('button', { type: 'submit', class: 'secondary' }, 'Apply filters'));
  fill(panel, h('div', { class: 'section-head' }, h('h2', { id: 'section-title' }, 'Delivery logs'), refresh.element), form, list, pager, detail);
  await refresh.start();
}
