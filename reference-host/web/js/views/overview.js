// Delivery overview: outcomes per minute (last hour) and per hour (last day), the queue, the oldest
// waiting event, and how full the vendor's app-wide allowance is (under the plugin's heading). Every number is read from the host's
// overview endpoint (its shared store), on a timer and on demand; the page keeps no counts.
import { api, enc } from '../api.js';
import { outcomeChart } from '../chart.js';
import { facts, fill, h } from '../dom.js';
import { formatAge, formatClock, formatNumber, formatTime, formatWindow, plural } from '../format.js';
import { refreshControl } from '../refresh.js';

const hourLabel = (at) => {
  const d = new Date(at);
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${String(d.getHours()).padStart(2, '0')}:00`;
};
const minuteLabel = (at) => new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

function rateLimit(limit, i) {
  const id = `rate-limit-${i}`;
  const used = limit.used_fraction;
  const words = limit.available === null
    ? 'Not known yet: no key to read the allowance by.'
    : `${Math.round(used * 100)}% used: ${formatNumber(limit.available)} of ${formatNumber(limit.limit)} ${limit.unit} left in this ${formatWindow(limit.window_ms)}.`;
  return h('div', { class: 'rate-limit', 'data-name': limit.name },
    h('label', { for: id }, limit.description ?? limit.name),
    h('meter', { id, min: 0, max: 1, low: 0.6, high: 0.85, optimum: 0, value: used ?? 0, 'aria-describedby': `${id}-words` }),
    h('p', { class: 'help', id: `${id}-words` }, words));
}

export function drawOverview(o, allowance = 'Rate limits') {
  const oldest = o.queue.oldest_waiting_age_s;
  return [
    h('div', { class: 'charts' },
      outcomeChart({ id: 'chart-minutes', title: 'Last hour, per minute', buckets: o.minutes, bucketLabel: minuteLabel, span: 'the last hour', unit: 'minute', from: '60 min ago', to: 'now' }),
      outcomeChart({ id: 'chart-hours', title: 'Last 24 hours, per hour', buckets: o.hours, bucketLabel: hourLabel, span: 'the last 24 hours', unit: 'hour', from: '24 h ago', to: 'now' })),
    h('div', { class: 'overview-facts' },
      h('section', { 'aria-labelledby': 'queue-title', id: 'queue' },
        h('h3', { id: 'queue-title' }, 'Queue'),
        facts([
          ['Waiting', plural(o.queue.waiting, 'event')],
          ['Dead letters', plural(o.queue.dead, 'event')],
          ['Oldest waiting', oldest === null ? 'nothing is waiting' : `${formatAge(oldest)} (since ${formatTime(o.queue.oldest_waiting_at)})`],
        ])),
      h('section', { 'aria-labelledby': 'limits-title', id: 'rate-limits' },
        h('h3', { id: 'limits-title' }, allowance),
        o.rate_limits.length === 0 ? h('p', { class: 'empty' }, 'The plugin declares no per-app rate limit.') : o.rate_limits.map(rateLimit))),
    h('p', { class: 'help' }, `Figures as of ${formatClock(o.generated_at)}, read from the host's store (every instance's deliveries).`),
  ];
}

export async function overviewSection(ctx, page, panel) {
  const body = h('div', { id: 'overview' });
  const refresh = refreshControl(ctx, {
    pane: 'overview',
    autoMs: 10_000,
    load: async () => {
      const overview = await api('GET', `/integrations/${enc(page.id)}/overview`, undefined, ctx);
      // A table a person opened stays open across refreshes.
      const open = [...body.querySelectorAll('details[open]')].map((d) => d.closest('figure')?.id);
      fill(body, drawOverview(overview, page.integration.summary?.allowance));
      for (const figure of open) body.querySelector(`#${figure} details`)?.setAttribute('open', '');
      // The state beside the name follows too (paused, resumed, backing off).
      if (overview.delivery.state !== page.integration.delivery.state || overview.delivery.since !== page.integration.delivery.since) await page.reloadState();
    },
  });
  fill(panel, h('div', { class: 'section-head' }, h('h2', { id: 'section-title' }, 'Delivery overview'), refresh.element), body);
  await refresh.start();
}
