// One event's path, in four panes: the event as received, the vendor request it became, the vendor's answer
// to every attempt, and the warnings and filter reasons.
import { api, enc } from '../api.js';
import { codeBlock, h } from '../dom.js';
import { formatTime, pretty, prettyText, saysNothing } from '../format.js';
import { guideHint, sandboxHint } from '../hints.js';

function pane(id, title, ...content) {
  return h('section', { class: 'pane', id, 'aria-labelledby': `${id}-title` }, h('h3', { id: `${id}-title` }, title), ...content);
}

function itemsHelp(trace, call) {
  if (trace.calls_source === 'recomputed') return 'Shown with this event as its only item.';
  return call.items > 1 ? `Shown with this event as its only item; the real request carried ${call.items} items.` : 'This event was the only item of the request.';
}

function requestPane(trace, manifest) {
  const { calls } = trace;
  if (trace.calls_note) return [h('p', { class: 'empty' }, `No request to show: ${trace.calls_note}.`)];
  if (calls.length === 0) return [h('p', { class: 'empty' }, `It became no ${manifest.name} request (filtered, or refused before sending).`)];
  // Delivered attempts keep no copy of their requests: the host recomputes them from the stored event.
  const source = trace.calls_source === 'recomputed'
    ? h('p', { class: 'help recomputed' }, `Recomputed from the event as received under revision ${trace.calls_revision}, the one that delivered it (delivered events keep no copy of their requests).`)
    : null;
  return [source, ...calls.map((call, i) => h('div', { class: 'call', 'data-call': i },
    h('p', { class: 'call-line' }, h('strong', {}, call.method), ' ', h('span', { class: 'url' }, call.url)),
    h('p', { class: 'help' }, itemsHelp(trace, call)),
    codeBlock(prettyText(call.body), `${call.method} ${call.url} body, pretty-printed`, { class: 'code request-body' }),
    h('details', { class: 'wire' },
      h('summary', {}, `Exact wire form (${new TextEncoder().encode(call.body).length} bytes)`),
      codeBlock(call.body, trace.calls_source === 'recomputed' ? 'Exact request body' : 'Exact request body as sent', { class: 'code wire-body' }))))];
}

function answerPane(attempts, endpoint, vendor) {
  return attempts.map((a) => {
    const head = [
      `Attempt ${a.attempt}`,
      a.http_status !== null ? `HTTP ${a.http_status}` : 'no HTTP answer',
      `${a.duration_ms} ms`,
      formatTime(a.created_at),
    ].join(' · ');
    let body;
    if (a.http_status === null) body = h('p', {}, a.message ?? a.code ?? 'The request got no answer.');
    else if (saysNothing(a.response)) body = h('p', { class: 'quiet-answer' }, `${vendor} answered ${a.http_status} in ${a.duration_ms} ms with no message${a.response ? ` (its body: ${a.response.trim() || 'empty'})` : ''}.`);
    else body = codeBlock(prettyText(a.response), `${vendor}'s answer to attempt ${a.attempt}`, { class: 'code answer-body' });
    const hint = guideHint(a.http_status, vendor);
    return h('div', { class: 'attempt', 'data-attempt': a.attempt },
      h('p', { class: 'attempt-head' }, h('span', { class: `badge ${a.status}` }, a.status), ' ', head),
      body,
      a.http_status !== null && a.message && !saysNothing(a.message) ? h('p', { class: 'help' }, a.message) : null,
      hint ? h('p', { class: 'hint' }, hint) : null,
      sandboxHint(endpoint, a.code, vendor));
  });
}

function reasonsPane(attempts) {
  const items = [];
  for (const a of attempts) {
    if (a.status === 'filtered') items.push(h('li', { class: 'filtered' }, `Filtered (attempt ${a.attempt})${a.code ? ` [${a.code}]` : ''}: ${a.message ?? 'no reason given'}`));
    else if (a.status === 'failed' && a.message) items.push(h('li', { class: 'failed' }, `Failed (attempt ${a.attempt})${a.code ? ` [${a.code}]` : ''}: ${a.message}`));
    else if (a.status === 'retryable' && a.message) items.push(h('li', { class: 'retryable' }, `To be retried (attempt ${a.attempt})${a.code ? ` [${a.code}]` : ''}: ${a.message}`));
    for (const w of a.warnings) items.push(h('li', { class: 'warning' }, `Warning (attempt ${a.attempt}): ${w}`));
  }
  return items.length === 0 ? [h('p', { class: 'empty' }, 'No warnings, and nothing was filtered.')] : [h('ul', { class: 'reasons' }, items)];
}

/** The four panes of one event, read from the host. */
export async function eventDetail(page, messageId, { signal } = {}) {
  const trace = await api('GET', `/integrations/${enc(page.id)}/events/${enc(messageId)}`, undefined, { signal });
  const last = trace.attempts[trace.attempts.length - 1];
  const name = last?.event_name ?? trace.event?.event ?? trace.event?.name;
  const type = last?.event_type ?? trace.event?.type;
  return h('section', { class: 'event-detail', id: 'event-detail', 'aria-labelledby': 'event-detail-title', 'data-message-id': messageId },
    h('h3', { id: 'event-detail-title', tabindex: '-1' }, `Event ${messageId}`, h('span', { class: 'help' }, ` · ${[type, name].filter(Boolean).join(' · ')}`)),
    h('div', { class: 'panes' },
      pane('pane-event', 'The event as received', trace.event ? codeBlock(pretty(trace.event), 'The event as received') : h('p', { class: 'empty' }, 'Not kept for this event.')),
      pane('pane-request', `The ${page.manifest.name} request`, ...requestPane(trace, page.manifest)),
      pane('pane-answer', `${page.manifest.name}'s answer`, ...answerPane(trace.attempts, page.integration.summary?.endpoint, page.manifest.name)),
      pane('pane-reasons', 'Warnings and filter reasons', ...reasonsPane(trace.attempts))));
}
