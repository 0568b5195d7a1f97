// Stacked bar charts of delivery outcomes, drawn as SVG: 60 or 24 buckets of five counts are small
// enough that the browser's own vector drawing is the fastest and lightest way, each bar says its
// numbers on hover, and the chart scales to any width without redrawing.
import { h, svg } from './dom.js';
import { formatNumber } from './format.js';

export const OUTCOMES = [
  ['delivered', 'Delivered'],
  ['filtered', 'Filtered'],
  ['retryable', 'Retryable'],
  ['failed', 'Failed'],
  ['dead', 'Dead'],
];

function niceMax(v) {
  if (v <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * pow >= v) return m * pow;
  return 10 * pow;
}

/**
 * `buckets`: [{at, delivered, filtered, retryable, failed, dead}] oldest first; `bucketLabel(at)`
 * names one bucket; `span` says what the chart covers ("the last hour"); `from`/`to` label the x axis.
 */
export function outcomeChart({ id, title, buckets, bucketLabel, span, from, to, unit }) {
  const totals = Object.fromEntries(OUTCOMES.map(([key]) => [key, buckets.reduce((n, b) => n + (b[key] ?? 0), 0)]));
  const stackMax = Math.max(0, ...buckets.map((b) => OUTCOMES.reduce((n, [key]) => n + (b[key] ?? 0), 0)));
  const top = niceMax(stackMax);
  const step = 10;
  const bars = [];
  buckets.forEach((bucket, i) => {
    const sum = OUTCOMES.reduce((n, [key]) => n + (bucket[key] ?? 0), 0);
    if (sum === 0) return;
    let y = 100;
    const rects = [];
    for (const [key] of OUTCOMES) {
      const n = bucket[key] ?? 0;
      if (n === 0) continue;
      const height = (n / top) * 100;
      y -= height;
      rects.push(svg('rect', { class: `s-${key}`, x: i * step + 1, y: y.toFixed(3), width: step - 2, height: height.toFixed(3) }));
    }
    const words = OUTCOMES.filter(([key]) => bucket[key]).map(([key, label]) => `${label.toLowerCase()} ${formatNumber(bucket[key])}`).join(', ');
    bars.push(svg('g', { class: 'bar', 'data-at': bucket.at }, svg('title', {}, `${bucketLabel(bucket.at)}: ${words}`), rects));
  });
  const summary = OUTCOMES.map(([key, label]) => `${label} ${formatNumber(totals[key])}`).join(', ');
  const titleId = `${id}-title`;
  const plot = svg('svg', { class: 'plot', viewBox: `0 0 ${buckets.length * step} 100`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${title}. ${summary}.` },
    [0, 50, 100].map((y) => svg('line', { class: 'grid', x1: 0, x2: buckets.length * step, y1: y, y2: y, 'vector-effect': 'non-scaling-stroke' })),
    bars);
  const busy = buckets.filter((b) => OUTCOMES.some(([key]) => b[key]));
  return h('figure', { class: 'chart', id, 'aria-labelledby': titleId },
    h('figcaption', { id: titleId }, title),
    h('div', { class: 'chart-body' },
      h('div', { class: 'chart-area' },
        h('div', { class: 'y-axis', 'aria-hidden': 'true' }, h('span', {}, formatNumber(top)), h('span', {}, Number.isInteger(top / 2) ? formatNumber(top / 2) : ''), h('span', {}, '0')),
        h('div', { class: 'plot-box' }, plot, stackMax === 0 ? h('p', { class: 'chart-empty' }, `Nothing delivered or tried in ${span}.`) : null),
        h('div', { class: 'x-axis', 'aria-hidden': 'true' }, h('span', {}, from), h('span', {}, to))),
      h('ul', { class: 'totals', 'aria-label': `Totals for ${span}` },
        OUTCOMES.map(([key, label]) => h('li', { 'data-outcome': key }, h('span', { class: `swatch s-${key}`, 'aria-hidden': 'true' }), h('span', { class: 'what' }, label), h('strong', {}, formatNumber(totals[key])))))),
    busy.length > 0
      ? h('details', { class: 'chart-table' },
          h('summary', {}, `Numbers per ${unit} (${busy.length} with deliveries)`),
          h('table', {},
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, unit === 'minute' ? 'Minute' : 'Hour'), OUTCOMES.map(([, label]) => h('th', { scope: 'col' }, label)))),
            h('tbody', {}, busy.map((b) => h('tr', {}, h('th', { scope: 'row' }, bucketLabel(b.at)), OUTCOMES.map(([key]) => h('td', {}, formatNumber(b[key] ?? 0))))))))
      : null);
}
