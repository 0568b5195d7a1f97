// The Integration Library (catalog cards, "Installed (n)") and the list of installed integrations.
import { api, enc } from '../api.js';
import { cell, h, table } from '../dom.js';
import { formatTime } from '../format.js';
import { show } from '../router.js';
import { stateBadge } from './state.js';

const CATEGORY_LABELS = {
  advertising: 'Advertising', analytics: 'Analytics', attribution: 'Attribution', cdp: 'CDP',
  cloud_storage: 'Cloud storage', notifications: 'Notifications', other: 'Other',
};

export function statusBadge(manifest) {
  return manifest.status !== 'ga' ? h('span', { class: `badge ${manifest.status}` }, manifest.status === 'beta' ? 'Beta' : 'Alpha') : null;
}

function tabs(selected) {
  const link = (href, label, key) => h('a', { href, 'aria-current': selected === key ? 'page' : undefined, 'data-keep-focus': true }, label);
  return h('nav', { class: 'tabs', 'aria-label': 'Integrations' }, link('#/library', 'Integration Library', 'library'), link('#/integrations', 'Installed', 'installed'));
}

export async function libraryView(ctx, _match, query) {
  const category = query.get('category') ?? '';
  const words = query.get('q') ?? '';
  const { data } = await api('GET', `/integration-catalog${category ? `?category=${enc(category)}` : ''}`, undefined, ctx);
  const cards = h('div', { class: 'cards', id: 'catalog' });
  const search = h('input', { type: 'search', id: 'catalog-search', value: words, placeholder: 'Find an integration', oninput: () => draw() });
  const select = h('select', { id: 'catalog-category', onchange: () => { location.hash = `#/library?category=${enc(select.value)}&q=${enc(search.value)}`; } },
    h('option', { value: '' }, 'All categories'),
    Object.entries(CATEGORY_LABELS).map(([value, label]) => h('option', { value, selected: value === category }, label)));
  const count = h('p', { class: 'help', 'aria-live': 'polite' });

  function draw() {
    const w = search.value.trim().toLowerCase();
    const shown = data.filter((m) => !w || `${m.name} ${m.key} ${m.description}`.toLowerCase().includes(w));
    cards.replaceChildren(...shown.map(card));
    count.textContent = `${shown.length} integration${shown.length === 1 ? '' : 's'}`;
    if (shown.length === 0) cards.append(h('p', { class: 'empty' }, 'No integration matches.'));
  }
  draw();
  show(ctx, 'Integration Library',
    h('h1', {}, 'Integrations'),
    tabs('library'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'catalog-search' }, 'Search', search),
      h('label', { for: 'catalog-category' }, 'Category', select)),
    count,
    cards);
}

function card(manifest) {
  const installed = manifest.installed ?? 0;
  return h('article', { class: 'card', 'data-key': manifest.key },
    h('h3', {}, manifest.name, statusBadge(manifest)),
    h('span', { class: 'category' }, CATEGORY_LABELS[manifest.category] ?? manifest.category),
    h('p', {}, manifest.description),
    h('div', { class: 'card-actions' },
      h('a', { class: 'button', href: `#/install/${enc(manifest.key)}`, 'aria-label': `Install ${manifest.name}` }, 'Install'),
      installed > 0 ? h('a', { class: 'installed-count', href: '#/integrations', 'aria-label': `${manifest.name}: installed ${installed} time${installed === 1 ? '' : 's'}` }, `Installed (${installed})`) : null));
}

export async function installedView(ctx, _match, query) {
  const { data } = await api('GET', '/integrations?limit=100', undefined, ctx);
  const deleted = query.get('deleted');
  const body = data.length === 0
    ? h('p', { class: 'empty' }, 'Nothing installed yet. Open the Integration Library to install one.')
    : table(['Name', 'Integration', 'Sends to', 'Delivery', 'Revision', 'Installed'],
        data.map((i) => h('tr', { 'data-id': i.id },
          cell('Name', h('a', { href: `#/integrations/${enc(i.id)}` }, i.name)),
          cell('Integration', i.catalog_key),
          cell('Sends to', i.summary?.destination ?? ''),
          cell('Delivery', stateBadge(i.delivery)),
          cell('Revision', String(i.revision)),
          cell('Installed', formatTime(i.created_at)))),
        { id: 'installed' });
  show(ctx, 'Installed integrations',
    h('h1', {}, 'Integrations'),
    tabs('installed'),
    deleted ? h('div', { class: 'notice ok', role: 'status' }, `Deleted ${deleted}.`) : null,
    body);
}
