// One installed integration: where it sends (the plugin's summary, prominently), how delivery
// stands, the lifecycle actions, and its sections (each a route of its own).
import { api, enc, manifestOf } from '../api.js';
import { facts, fill, h, notice } from '../dom.js';
import { isLoopback, sandboxHint } from '../hints.js';
import { show } from '../router.js';
import { environmentOf, takeFlash } from './environment.js';
import { deleteButton, renameButton, testConnection, toggleButton } from './lifecycle.js';
import { stateBadge, stateNotice } from './state.js';

const SECTIONS = [
  ['overview', 'Overview', () => import('./overview.js').then((m) => m.overviewSection)],
  ['live', 'Live events', () => import('./live.js').then((m) => m.liveSection)],
  ['logs', 'Delivery logs', () => import('./logs.js').then((m) => m.logsSection)],
  ['data-quality', 'Data quality', () => import('./data-quality.js').then((m) => m.dataQualitySection)],
  ['dead-letters', 'Dead letters', () => import('./dead-letters.js').then((m) => m.deadLettersSection)],
  ['blueprint', 'Blueprint', () => import('./blueprint.js').then((m) => m.blueprintSection)],
  ['revisions', 'Revisions', () => import('./revisions.js').then((m) => m.revisionsSection)],
  ['settings', 'Settings', () => import('./settings.js').then((m) => m.settingsSection)],
  ['privacy', 'Privacy', () => import('./privacy.js').then((m) => m.privacySection), (manifest) => manifest.capabilities?.includes('user_deletion')],
];

export async function integrationView(ctx, [id, sectionKey = 'overview'], query) {
  const integration = await api('GET', `/integrations/${enc(id)}`, undefined, ctx);
  const manifest = await manifestOf(integration.catalog_key);
  const sections = SECTIONS.filter(([, , , when]) => !when || when(manifest));
  const section = sections.find(([key]) => key === sectionKey);
  if (!section) throw new Error(`This integration has no section "${sectionKey}".`);

  const badge = h('span', {}, stateBadge(integration.delivery));
  const stateArea = h('div', { id: 'state-area' });
  const testResult = h('div', { 'aria-live': 'polite', id: 'test-result' });
  const page = {
    id, integration, manifest, ctx,
    /** Reads the integration again and redraws its state (after a connection test resumed it). */
    async reloadState() {
      page.integration = await api('GET', `/integrations/${enc(id)}`, undefined, ctx);
      fill(badge, stateBadge(page.integration.delivery));
      await drawState();
    },
  };

  async function drawState() {
    const parts = [stateNotice(page.integration.delivery, page.manifest.name)];
    const endpoint = page.integration.summary?.endpoint;
    if (endpoint && isLoopback(endpoint) && page.integration.enabled) {
      // The guide's "no events appearing" when the endpoint is a local sandbox that is not running.
      const latest = await api('GET', `/integrations/${enc(id)}/delivery-logs?limit=1`, undefined, ctx).catch(() => ({ data: [] }));
      const hint = sandboxHint(endpoint, latest.data[0]?.code, page.manifest.name);
      if (hint) parts.push(h('div', { class: 'notice warn', role: 'status', id: 'sandbox-hint' }, hint));
    }
    fill(stateArea, parts);
  }

  const message = takeFlash();
  const link = ([key, label]) => h('a', { href: `#/integrations/${enc(id)}${key === 'overview' ? '' : `/${key}`}`, 'aria-current': key === section[0] ? 'page' : undefined, 'data-keep-focus': true }, label);
  const panel = h('section', { class: 'section', id: `section-${section[0]}`, 'aria-labelledby': 'section-title', 'data-integration': id });

  await drawState();
  const shown = show(ctx, `${integration.name} · ${section[1]}`,
    h('p', { class: 'crumbs' }, h('a', { href: '#/integrations' }, '← Installed integrations')),
    h('h1', { class: 'title' }, h('span', { id: 'integration-name' }, integration.name), ' ', badge),
    query.get('installed') ? notice('ok', `Installed ${integration.name} with the ${integration.variant} blueprint.`) : null,
    query.get('saved') ? notice('ok', `Saved: revision ${integration.revision}.`) : null,
    message ? notice('ok', message) : null,
    h('section', { class: 'environment', 'aria-labelledby': 'env-title', id: 'environment' },
      h('h2', { id: 'env-title' }, `Sends to ${manifest.name}`),
      facts(environmentOf(integration)),
      integration.summary?.help ? h('p', { class: 'help' }, integration.summary.help) : null),
    stateArea,
    h('div', { class: 'toolbar actions' },
      testConnection(page, testResult),
      renameButton(page),
      toggleButton(page),
      deleteButton(page)),
    testResult,
    h('nav', { class: 'tabs sections', 'aria-label': 'Integration sections' }, sections.map(link)),
    panel);
  if (!shown) return;
  const draw = await section[2]();
  try {
    await draw(ctx, page, panel, query);
  } catch (error) {
    if (!ctx.active || error?.name === 'AbortError' || error?.status === 401) return;
    panel.append(notice('bad', error.message));
  }
}
