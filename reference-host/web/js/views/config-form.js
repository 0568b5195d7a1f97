// Config forms and config lists drawn from a catalog manifest's config_fields: labels, help,
// placeholders, required marks, a password input for a secret, a select for options, advanced
// fields folded. The client-side checks mirror the config schema; the server decides.
import { facts, h } from '../dom.js';

function fieldInput(field, id) {
  const common = { id, name: field.key, 'aria-describedby': `${id}-help ${id}-error`, required: field.required, 'aria-required': field.required ? 'true' : undefined, placeholder: field.placeholder };
  switch (field.type) {
    case 'secret':
      return h('input', { ...common, type: 'password', autocomplete: 'new-password', spellcheck: 'false' });
    case 'select':
      return h('select', common, field.options.map((o) => h('option', { value: o.value, selected: o.value === field.default }, o.label)));
    case 'number':
      return h('input', { ...common, type: 'number', inputmode: 'numeric', value: field.default ?? '' });
    case 'url':
      return h('input', { ...common, type: 'url', spellcheck: 'false' });
    case 'textarea':
      return h('textarea', common);
    case 'boolean':
      return h('input', { ...common, type: 'checkbox', checked: field.default === true });
    default:
      return h('input', { ...common, type: 'text', inputmode: field.pattern === '^[0-9]+$' ? 'numeric' : undefined, pattern: field.pattern, spellcheck: 'false', value: field.default ?? '' });
  }
}

function checkField(field, input) {
  const value = field.type === 'boolean' ? input.checked : input.value.trim();
  if (field.required && (value === '' || value === false)) return `${field.label} is required`;
  if (value === '' || field.type === 'boolean') return '';
  if (field.pattern && !new RegExp(field.pattern).test(value)) return `${field.label} ${field.pattern_message ?? 'has the wrong format'}`;
  if (field.type === 'number' && !Number.isFinite(Number(value))) return `${field.label} must be a number`;
  if (field.type === 'url') {
    try {
      new URL(value);
    } catch {
      return `${field.label} must be an absolute URL`;
    }
  }
  return '';
}

/**
 * The config fields of a manifest as form rows. `current` (editing) pre-fills values; a secret is
 * never pre-filled: left blank it keeps the stored one.
 */
export function configRows(manifest, current) {
  const rows = new Map();
  const make = (field) => {
    const id = `field-${field.key}`;
    const editingSecret = current && field.type === 'secret';
    const input = fieldInput(editingSecret ? { ...field, required: false, placeholder: 'Leave blank to keep the stored value' } : field, id);
    if (current && !editingSecret && current[field.key] !== undefined) {
      if (field.type === 'boolean') input.checked = current[field.key] === true;
      else input.value = String(current[field.key]);
    }
    const error = h('p', { id: `${id}-error`, class: 'error', 'aria-live': 'polite' });
    rows.set(field.key, { field: editingSecret ? { ...field, required: false } : field, input, error });
    return h('div', { class: 'field' },
      h('label', { for: id }, field.label, field.required && !editingSecret ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
      input,
      h('p', { id: `${id}-help`, class: 'help' }, field.help_text ?? ''),
      error);
  };
  const elements = [
    manifest.config_fields.filter((f) => !f.advanced).map(make),
    manifest.config_fields.some((f) => f.advanced)
      ? h('details', { open: Boolean(current) }, h('summary', {}, 'Advanced settings'), manifest.config_fields.filter((f) => f.advanced).map(make))
      : null,
  ];

  /** Checks every row; answers the config to send, or undefined after focusing the first bad field. */
  function collect() {
    let firstBad;
    const config = {};
    for (const { field, input, error } of rows.values()) {
      const message = checkField(field, input);
      error.textContent = message;
      input.setAttribute('aria-invalid', message ? 'true' : 'false');
      if (message && !firstBad) firstBad = input;
      if (field.type === 'boolean') config[field.key] = input.checked;
      else if (input.value.trim() !== '') config[field.key] = field.type === 'number' ? Number(input.value) : input.value.trim();
      // A cleared text field is sent empty, which removes it (left out, the stored value would stay).
      else if (current && !['secret', 'number'].includes(field.type) && current[field.key]) config[field.key] = '';
    }
    if (firstBad) {
      firstBad.focus();
      return undefined;
    }
    return config;
  }

  /** Puts each of the server's field errors next to its field; answers whether any found a place. */
  function showServerErrors(fields) {
    let placed = false;
    for (const issue of fields ?? []) {
      const row = rows.get(issue.field.replace(/^config\./, ''));
      if (!row) continue;
      row.error.textContent = `${row.field.label} ${issue.message}`;
      row.input.setAttribute('aria-invalid', 'true');
      if (!placed) row.input.focus();
      placed = true;
    }
    return placed;
  }

  return { elements, collect, showServerErrors, first: () => rows.values().next().value?.input };
}

/** A config value as a person reads it: the option's label, the mask for a secret, "not set". */
export function configValue(field, value) {
  if (value === undefined || value === null || value === '') return 'not set';
  if (field?.type === 'select') return field.options?.find((o) => o.value === value)?.label ?? String(value);
  if (field?.type === 'boolean') return value ? 'Yes' : 'No';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The config as a list under the manifest's labels (keys the manifest does not know keep their key). */
export function configList(manifest, config, attrs = {}) {
  const fields = new Map(manifest.config_fields.map((f) => [f.key, f]));
  const keys = [...manifest.config_fields.map((f) => f.key).filter((k) => k in config), ...Object.keys(config).filter((k) => !fields.has(k))];
  return facts(keys.map((k) => [fields.get(k)?.label ?? k, configValue(fields.get(k), config[k])]), { class: 'facts config', ...attrs });
}
