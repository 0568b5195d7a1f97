// Data quality: what the plugin changed in this integration's events over the last 24 hours, each kind
// of change with its count, the events and properties it hit, and sample events that open the same
// four panes as the live view. Every number is read from the host's data-quality endpoint.
import { api, enc } from '../api.js';
import { fill, h, notice } from '../dom.js';
import { formatClock, formatNumber, formatTime, plural } from '../format.js';
import { refreshControl } from '../refresh.js';
import { eventDetail } from './event-detail.js';

/** A short list of names with their counts; says how many more there are. */
function countList(title, items, distinct, cls) {
  const more = distinct - items.length;
  return h('div', { class: `quality-list ${cls}` },
    h('h4', {}, title),
    h('ul', {}, items.map((item) => h('li', { 'data-name': item.name },
      h('span', { class: 'name' }, item.name === '' ? '(none named)' : item.name), ' ',
      h('span', { class: 'count' }, formatNumber(item.count))))),
    more > 0 ? h('p', { class: 'help' }, `and ${plural(more, 'other')}`) : null);
}

function kindSection(kind, open) {
  const id = `quality-${kind.code}`;
  return h('section', { class: 'quality-kind', id, 'data-code': kind.code, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, h('code', {}, kind.code), ' ', h('span', { class: 'quality-count' }, plural(kind.count, 'time'))),
    h('p', { class: 'help' }, kind.description),
    h('div', { class: 'quality-lists' },
      countList('Events', kind.events, kind.distinct_events, 'events'),
      countList('Properties', kind.properties, kind.distinct_properties, 'properties')),
    h('div', { class: 'quality-samples' },
      h('h4', {}, 'Sample events'),
      h('ul', {}, kind.samples.map((messageId) => h('li', {},
        h('button', { type: 'button', class: 'link open-event', 'data-message-id': messageId, 'aria-label': `Details of ${messageId}`, onclick: () => open(messageId) }, messageId))))));
}

export function drawQuality(answer, open) {
  const span = `from ${formatTime(answer.from)} to now`;
  if (answer.kinds.length === 0) return [h('p', { class: 'empty', id: 'quality-empty' }, `No warnings ${span}: every event went as it was sent.`)];
  return [
    h('p', { class: 'help', id: 'quality-total' }, `${plural(answer.total, 'change')} in ${plural(answer.kinds.length, 'kind')}, ${span} (figures as of ${formatClock(answer.generated_at)}).`),
    answer.kinds.map((kind) => kindSection(kind, open)),
  ];
}

export async function dataQualitySection(ctx, page, panel) {
  const body = h('div', { id: 'data-quality' });
  const detail = h('div', { id: 'quality-detail' });
  let request;
  const open = async (messageId) => {
    request?.abort();
    request = new AbortController();
    fill(detail, h('p', { class: 'help' }, 'Loading the event…'));
    try {
      const section = await eventDetail(page, messageId, { signal: request.signal });
      fill(detail, section);
      section.querySelector('h3').focus();
    } catch (error) {
      if (error?.name === 'AbortError') return;
      fill(detail, error?.status === 404
        ? notice('warn', `Event ${messageId} is no longer in the delivery logs: they are kept for a limited time, and its count stays until its hour passes that time too.`)
        : h('p', { class: 'error' }, error.message));
    }
  };
  ctx.onDispose(() => request?.abort());
  const refresh = refreshControl(ctx, {
    pane: 'data quality',
    autoMs: 30_000,
    autoOn: false,
    load: async () => fill(body, drawQuality(await api('GET', `/integrations/${enc(page.id)}/data-quality`, undefined, ctx), open)),
  });
  fill(panel,
    h('div', { class: 'section-head' }, h('h2', { id: 'section-title' }, 'Data quality'), refresh.element),
    h('p', { class: 'help' }, `Every change ${page.manifest.name}'s plugin made to events on their way (a value cut, a property dropped, a null read as absent), counted per kind over the last 24 hours, with the events and properties it hit. Open a sample to see the event as received, the request it became and the warning.`),
    body,
    detail);
  await refresh.start();
}
