// The live event stream: deliveries appear as they happen; the connection reconnects by itself and
// says so; pause and resume (nothing is missed: resuming asks for everything after the last one
// seen); filters by status, event name and user. A row opens the event's four panes.
import { fill, h } from '../dom.js';
import { formatClock, STATUSES } from '../format.js';
import { openDeliveryStream } from '../stream.js';
import { eventDetail } from './event-detail.js';
import { deliveryRow, LOG_COLUMNS } from './logs.js';

const MAX_ROWS = 200;

export async function liveSection(ctx, page, panel, query) {
  const filters = { status: query.get('status') ?? '', event_name: query.get('event_name') ?? '', user: query.get('user') ?? '' };
  const status = h('select', { id: 'live-status', name: 'status' }, h('option', { value: '' }, 'All statuses'), STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, s)));
  const eventName = h('input', { id: 'live-event', name: 'event_name', type: 'text', value: filters.event_name, placeholder: 'Order Completed', spellcheck: 'false' });
  const user = h('input', { id: 'live-user', name: 'user', type: 'text', value: filters.user, placeholder: 'userId or anonymousId', spellcheck: 'false' });
  const connection = h('p', { id: 'stream-state', class: 'stream-state', role: 'status' }, 'Connecting…');
  const pauseButton = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false' }, 'Pause');
  const count = h('p', { class: 'help', id: 'live-count' });
  const tbody = h('tbody');
  const list = h('table', { class: 'responsive deliveries', id: 'live-events' },
    h('caption', { class: 'visually-hidden' }, 'Deliveries, newest first'),
    h('thead', {}, h('tr', {}, LOG_COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
    tbody);
  const empty = h('p', { class: 'empty', id: 'live-empty' }, 'Waiting for deliveries…');
  const detail = h('div', { id: 'live-detail' });
  const shown = new Set();
  let stream;
  let paused = false;
  let lostAt;
  let detailRequest;

  function setState(kind, text) {
    connection.className = `stream-state ${kind}`;
    connection.textContent = text;
  }

  function counted() {
    count.textContent = `${tbody.rows.length} deliver${tbody.rows.length === 1 ? 'y' : 'ies'} shown, newest first${tbody.rows.length >= MAX_ROWS ? ` (the latest ${MAX_ROWS})` : ''}.`;
    empty.hidden = tbody.rows.length > 0;
  }

  async function open(messageId, row) {
    for (const r of tbody.querySelectorAll('tr[aria-selected="true"]')) r.setAttribute('aria-selected', 'false');
    row?.setAttribute('aria-selected', 'true');
    detailRequest?.abort();
    detailRequest = new AbortController();
    fill(detail, h('p', { class: 'help' }, 'Loading the event…'));
    try {
      const section = await eventDetail(page, messageId, { signal: detailRequest.signal });
      fill(detail, section);
      section.querySelector('h3').focus();
    } catch (error) {
      if (error?.name !== 'AbortError') fill(detail, h('p', { class: 'error' }, error.message));
    }
  }

  function add(log) {
    if (shown.has(log.id)) return;
    shown.add(log.id);
    const row = deliveryRow(log, (messageId, r) => open(messageId, r));
    // Newest first: a row goes above every row with a smaller id.
    const before = [...tbody.rows].find((r) => Number(r.dataset.logId) < log.id);
    tbody.insertBefore(row, before ?? null);
    while (tbody.rows.length > MAX_ROWS) {
      shown.delete(Number(tbody.rows[tbody.rows.length - 1].dataset.logId));
      tbody.rows[tbody.rows.length - 1].remove();
    }
    counted();
  }

  function connect(since) {
    stream = openDeliveryStream(page.id, { filters, since }, {
      onDelivery: add,
      onState(state, info) {
        if (state === 'open') {
          if (lostAt) setState('back', `Reconnected at ${formatClock(new Date())} (the connection was lost at ${formatClock(lostAt)}); deliveries made meanwhile are included.`);
          else setState('live', info?.resumed ? 'Live again: resumed after the last delivery shown.' : 'Live: new deliveries appear as they happen.');
          lostAt = undefined;
        } else if (state === 'behind') {
          setState('lost', 'This page fell behind the deliveries, so the host stopped the stream. Resuming after the last delivery shown…');
        } else if (state === 'lost') {
          lostAt ??= new Date();
          setState('lost', `Disconnected since ${formatClock(lostAt)}: the host does not answer. Reconnecting by itself…`);
        } else if (state === 'gone') {
          setState('lost', info.status === 404 ? 'This integration no longer exists.' : `The host refused the stream (${info.status}).`);
        }
      },
    });
  }

  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.setAttribute('aria-pressed', String(paused));
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (paused) {
      const since = stream.lastEventId;
      stream.close();
      stream = { close() {}, lastEventId: since };
      lostAt = undefined;
      setState('paused', 'Paused: new deliveries are not shown until you resume; none is missed.');
    } else {
      setState('', 'Resuming…');
      connect(stream.lastEventId);
    }
  });

  /** New filters: the address keeps them (a bookmark reopens them), the list starts over from the host's backlog. */
  function apply(next) {
    Object.assign(filters, next);
    const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    history.replaceState(null, '', `#/integrations/${encodeURIComponent(page.id)}/live${q.size ? `?${q}` : ''}`);
    stream.close();
    tbody.replaceChildren();
    shown.clear();
    fill(detail);
    counted();
    clearButton.hidden = !(filters.status || filters.event_name || filters.user);
    paused = false;
    pauseButton.setAttribute('aria-pressed', 'false');
    pauseButton.textContent = 'Pause';
    lostAt = undefined;
    setState('', 'Connecting…');
    connect(0);
  }

  const clearButton = h('button', { type: 'button', class: 'secondary', hidden: !(filters.status || filters.event_name || filters.user), onclick: () => {
    status.value = '';
    eventName.value = '';
    user.value = '';
    apply({ status: '', event_name: '', user: '' });
  } }, 'Clear filters');
  const form = h('form', { class: 'toolbar filters', 'aria-label': 'Filter the live stream', onsubmit: (e) => {
    e.preventDefault();
    apply({ status: status.value, event_name: eventName.value.trim(), user: user.value.trim() });
  } },
    h('label', { for: 'live-status' }, 'Status', status),
    h('label', { for: 'live-event' }, 'Event name', eventName),
    h('label', { for: 'live-user' }, 'User', user),
    h('button', { type: 'submit', class: 'secondary' }, 'Apply filters'),
    clearButton);
  status.addEventListener('change', () => form.requestSubmit());

  fill(panel,
    h('div', { class: 'section-head' }, h('h2', { id: 'section-title' }, 'Live events'), h('div', { class: 'toolbar' }, pauseButton)),
    connection,
    form,
    count,
    h('div', { class: 'live-layout' }, h('div', { class: 'live-list' }, list, empty), detail));
  counted();
  connect(0);
  ctx.onDispose(() => {
    stream.close();
    detailRequest?.abort();
  });
}
