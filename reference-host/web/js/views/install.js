// The guide's install form, drawn from the manifest: Install Integration creates it with the
// variant's default blueprint.
import { api, enc, manifestOf } from '../api.js';
import { h, notice } from '../dom.js';
import { show } from '../router.js';
import { configRows } from './config-form.js';
import { statusBadge } from './library.js';

export async function installView(ctx, [key]) {
  const manifest = await manifestOf(key);
  const rows = configRows(manifest);
  const nameInput = h('input', { id: 'field-name', name: 'name', type: 'text', value: manifest.name });
  const variants = manifest.variants.length > 1
    ? h('fieldset', {}, h('legend', {}, 'Variant'),
        manifest.variants.map((v, i) => h('label', { class: 'help' }, h('input', { type: 'radio', name: 'variant', value: v.key, checked: i === 0 }), ` ${v.name}: ${v.description}`)))
    : h('input', { type: 'hidden', name: 'variant', value: manifest.variants[0].key });
  const general = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Install Integration');

  const form = h('form', { class: 'panel narrow', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    general.replaceChildren();
    const config = rows.collect();
    if (!config) return;
    const variant = form.querySelector('[name="variant"]:checked, input[type="hidden"][name="variant"]').value;
    submit.disabled = true;
    try {
      const installed = await api('POST', `/integration-catalog/${enc(key)}/install`, {
        name: nameInput.value.trim() || manifest.name, variant, config, delivery_mode: manifest.delivery_modes[0],
      });
      location.hash = `#/integrations/${enc(installed.id)}?installed=1`;
    } catch (error) {
      submit.disabled = false;
      if (!rows.showServerErrors(error.fields)) general.replaceChildren(notice('bad', error.message));
    }
  } },
    h('div', { class: 'field' }, h('label', { for: 'field-name' }, 'Name'), nameInput),
    variants,
    rows.elements,
    general,
    h('div', { class: 'toolbar' }, submit, h('a', { href: '#/library' }, 'Cancel')));

  show(ctx, `Install ${manifest.name}`,
    h('h1', {}, `Install ${manifest.name} `, statusBadge(manifest)),
    h('p', { class: 'help' }, manifest.description),
    form);
  rows.first()?.focus();
}
