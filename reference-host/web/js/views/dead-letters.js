// Dead letters: events that failed for good or ran out of attempts; replay one or all.
import { api, enc } from '../api.js';
import { cell, fill, h, notice, table, token } from '../dom.js';
import { formatTime } from '../format.js';
import { refreshControl } from '../refresh.js';

export async function deadLettersSection(ctx, page, panel) {
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div', { id: 'dead-letters', class: 'table-box' });
  const replay = async (messageIds) => {
    const answer = await api('POST', `/integrations/${enc(page.id)}/dead-letters/replay`, messageIds ? { message_ids: messageIds } : { all: true });
    await refresh.run();
    const gone = answer.not_dead_letters?.length ? ` ${answer.not_dead_letters.length} of those asked for were no longer dead letters (replayed or delivered meanwhile).` : '';
    fill(status, notice('ok', `Replayed ${answer.replayed} event${answer.replayed === 1 ? '' : 's'}; they are back in the delivery queue.${gone}`));
  };
  async function load() {
    const { data } = await api('GET', `/integrations/${enc(page.id)}/dead-letters?limit=100`, undefined, ctx);
    fill(list, data.length === 0 ? h('p', { class: 'empty' }, 'No dead letters.') : table(['Message ID', 'Event', 'Type', 'Reason', 'HTTP', 'Attempts', 'Dead since', ''],
      data.map((d) => h('tr', { 'data-message-id': d.message_id },
        cell('Message ID', token(d.message_id)),
        cell('Event', d.event.event ?? d.event.name ?? ''),
        cell('Type', d.event.type ?? ''),
        h('td', { 'data-label': 'Reason', class: 'answer' }, d.reason ?? ''),
        cell('HTTP', d.http_status ?? ''),
        cell('Attempts', String(d.attempts)),
        cell('Dead since', formatTime(d.dead_at)),
        cell('', h('button', { type: 'button', class: 'secondary', 'aria-label': `Replay ${d.message_id}`, onclick: () => replay([d.message_id]) }, 'Replay'))))));
  }
  const refresh = refreshControl(ctx, { pane: 'dead letters', load, autoMs: 10_000, autoOn: false });
  fill(panel,
    h('div', { class: 'section-head' }, h('h2', { id: 'section-title' }, 'Dead letters'), refresh.element),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'secondary', onclick: () => replay() }, 'Replay all dead letters')),
    status, list);
  await refresh.start();
}
