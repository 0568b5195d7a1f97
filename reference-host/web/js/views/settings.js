// Settings: the config under the manifest's labels (secrets masked) and the form that changes it.
import { api, enc } from '../api.js';
import { facts, fill, h, notice } from '../dom.js';
import { formatTime } from '../format.js';
import { configList, configRows } from './config-form.js';

export async function settingsSection(ctx, page, panel) {
  const { integration, manifest } = page;
  const rows = configRows(manifest, integration.config);
  const general = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Save configuration');
  const form = h('form', { class: 'panel narrow', novalidate: true, id: 'edit-config', onsubmit: async (e) => {
    e.preventDefault();
    general.replaceChildren();
    const config = rows.collect();
    if (!config) return;
    submit.disabled = true;
    try {
      await api('PATCH', `/integrations/${enc(integration.id)}`, { config });
      location.hash = `#/integrations/${enc(integration.id)}/settings?saved=1`;
    } catch (error) {
      submit.disabled = false;
      if (!rows.showServerErrors(error.fields)) general.replaceChildren(notice('bad', error.message));
    }
  } }, rows.elements, general, submit);
  fill(panel,
    h('h2', { id: 'section-title' }, 'Settings'),
    facts([
      ['Integration', `${manifest.name} (${integration.catalog_key}), ${integration.variant} blueprint, ${integration.delivery_mode.replace('_', '-')}`],
      ['Revision', `${integration.revision} (changed ${formatTime(integration.updated_at)})`],
    ], { id: 'integration-facts' }),
    h('h3', {}, 'Configuration'),
    configList(manifest, integration.config, { id: 'config' }),
    h('details', {}, h('summary', {}, 'Edit configuration'), form));
}
