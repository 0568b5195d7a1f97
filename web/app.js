// The Integration Library page: plain DOM, every value set through textContent (never innerHTML),
// every form drawn from a catalog manifest's config_fields. Talks only to this host's Management API.
const TOKEN_KEY = 'datafly.adminToken';
const CATEGORY_LABELS = {
  advertising: 'Advertising', analytics: 'Analytics', attribution: 'Attribution', cdp: 'CDP',
  cloud_storage: 'Cloud storage', notifications: 'Notifications', other: 'Other',
};
const STATUSES = ['delivered', 'failed', 'retryable', 'filtered'];
const main = document.getElementById('main');

/** h('p', {class: 'x'}, 'text', child): builds an element; strings become text nodes. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `The host answered ${status}`);
    this.status = status;
    this.code = error?.code;
    this.fields = error?.fields ?? [];
  }
}

async function api(method, path, body) {
  const response = await fetch(`/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    render();
    throw new ApiError(401, data?.error);
  }
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return data;
}

function show(title, ...content) {
  document.title = `${title} · Datafly reference host`;
  main.replaceChildren(...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  document.getElementById('sign-out').hidden = !sessionStorage.getItem(TOKEN_KEY);
}

function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : 'status' }, text);
}

function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// ---- sign in ----

function signIn(message) {
  const input = h('input', { id: 'admin-token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'token-help token-error' });
  const error = h('p', { id: 'token-error', class: 'error', 'aria-live': 'polite' }, message ?? '');
  const form = h(
    'form',
    { class: 'install', onsubmit: async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) return void (error.textContent = 'Enter the admin token.');
      sessionStorage.setItem(TOKEN_KEY, token);
      try {
        await api('GET', '/integration-catalog');
        render();
      } catch {
        signIn('That admin token was not accepted.');
      }
    } },
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'admin', hidden: true }),
    h('div', { class: 'field' },
      h('label', { for: 'admin-token' }, 'Admin token'),
      h('p', { id: 'token-help', class: 'help' }, 'Printed by npm start (or DATAFLY_ADMIN_TOKEN). Kept for this tab only.'),
      input,
      error),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  show('Sign in', h('h1', {}, 'Sign in'), form);
  input.focus();
}

// ---- library ----

function tabs(selected) {
  return h('div', { class: 'tabs', role: 'tablist' },
    h('a', { href: '#/library', role: 'tab', 'aria-selected': String(selected === 'library') }, 'Integration Library'),
    h('a', { href: '#/integrations', role: 'tab', 'aria-selected': String(selected === 'installed') }, 'Installed'));
}

async function library(params) {
  const category = params.get('category') ?? '';
  const query = params.get('q') ?? '';
  const { data } = await api('GET', `/integration-catalog${category ? `?category=${encodeURIComponent(category)}` : ''}`);
  const cards = h('div', { class: 'cards', id: 'catalog' });
  const search = h('input', { type: 'search', id: 'catalog-search', value: query, placeholder: 'Find an integration', oninput: () => fill() });
  const select = h('select', { id: 'catalog-category', onchange: () => { location.hash = `#/library?category=${encodeURIComponent(select.value)}&q=${encodeURIComponent(search.value)}`; } },
    h('option', { value: '' }, 'All categories'),
    Object.entries(CATEGORY_LABELS).map(([value, label]) => h('option', { value, selected: value === category }, label)));
  const count = h('p', { class: 'help', 'aria-live': 'polite' });

  function fill() {
    const words = search.value.trim().toLowerCase();
    const shown = data.filter((m) => !words || `${m.name} ${m.key} ${m.description}`.toLowerCase().includes(words));
    cards.replaceChildren(...shown.map(card));
    count.textContent = `${shown.length} integration${shown.length === 1 ? '' : 's'}`;
    if (shown.length === 0) cards.append(h('p', { class: 'empty' }, 'No integration matches.'));
  }
  fill();
  show('Integration Library',
    h('h1', {}, 'Integrations'),
    tabs('library'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'catalog-search' }, 'Search', search),
      h('label', { for: 'catalog-category' }, 'Category', select)),
    count,
    cards);
}

function card(manifest) {
  return h('article', { class: 'card', 'data-key': manifest.key },
    h('h3', {}, manifest.name, manifest.status !== 'ga' ? h('span', { class: `badge ${manifest.status}` }, manifest.status === 'beta' ? 'Beta' : 'Alpha') : null),
    h('span', { class: 'category' }, CATEGORY_LABELS[manifest.category] ?? manifest.category),
    h('p', {}, manifest.description),
    h('div', {}, h('a', { class: 'button', href: `#/install/${encodeURIComponent(manifest.key)}`, 'aria-label': `Install ${manifest.name}` }, 'Install')));
}

// ---- install form, drawn from config_fields ----

function fieldInput(field, id) {
  const common = { id, name: field.key, 'aria-describedby': `${id}-help ${id}-error`, required: field.required, 'aria-required': field.required ? 'true' : undefined, placeholder: field.placeholder };
  switch (field.type) {
    case 'secret':
      return h('input', { ...common, type: 'password', autocomplete: 'new-password', spellcheck: 'false' });
    case 'select':
      return h('select', common,
        field.options.map((o) => h('option', { value: o.value, selected: o.value === field.default }, o.label)));
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

/** The client-side mirror of the config schema: required, pattern, numbers. The server decides. */
function checkField(field, input) {
  const value = field.type === 'boolean' ? input.checked : input.value.trim();
  if (field.required && (value === '' || value === false)) return `${field.label} is required`;
  if (value === '' || field.type === 'boolean') return '';
  if (field.pattern && !new RegExp(field.pattern).test(value)) return `${field.label} ${field.pattern_message ?? 'has the wrong format'}`;
  if (field.type === 'number' && !Number.isFinite(Number(value))) return `${field.label} must be a number`;
  if (field.type === 'url') {
    try { new URL(value); } catch { return `${field.label} must be an absolute URL`; }
  }
  return '';
}

/**
 * The config fields of a manifest as form rows. `current` (editing) pre-fills values; a secret is
 * never pre-filled: left blank it keeps the stored one.
 */
function configRows(manifest, current) {
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

async function installForm(key) {
  const manifest = await api('GET', `/integration-catalog/${encodeURIComponent(key)}`);
  const rows = configRows(manifest);
  const nameInput = h('input', { id: 'field-name', name: 'name', type: 'text', value: manifest.name });
  const variants = manifest.variants.length > 1
    ? h('fieldset', {}, h('legend', {}, 'Variant'),
        manifest.variants.map((v, i) => h('label', { class: 'help' }, h('input', { type: 'radio', name: 'variant', value: v.key, checked: i === 0 }), ` ${v.name}: ${v.description}`)))
    : h('input', { type: 'hidden', name: 'variant', value: manifest.variants[0].key });
  const general = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Install Integration');

  const form = h('form', { class: 'install', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    general.replaceChildren();
    const config = rows.collect();
    if (!config) return;
    const variant = form.querySelector('[name="variant"]:checked, input[type="hidden"][name="variant"]').value;
    submit.disabled = true;
    try {
      const installed = await api('POST', `/integration-catalog/${encodeURIComponent(key)}/install`, {
        name: nameInput.value.trim() || manifest.name, variant, config, delivery_mode: manifest.delivery_modes[0],
      });
      location.hash = `#/integrations/${encodeURIComponent(installed.id)}?installed=1`;
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

  show(`Install ${manifest.name}`,
    h('h1', {}, `Install ${manifest.name} `, manifest.status !== 'ga' ? h('span', { class: `badge ${manifest.status}` }, manifest.status === 'beta' ? 'Beta' : 'Alpha') : null),
    h('p', { class: 'help' }, manifest.description),
    form);
  rows.first()?.focus();
}

/** Editing an installed integration's config: the same rows, PATCHed as a new revision. */
async function editForm(integration) {
  const manifest = await api('GET', `/integration-catalog/${encodeURIComponent(integration.catalog_key)}`);
  const rows = configRows(manifest, integration.config);
  const general = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Save configuration');
  const form = h('form', { class: 'install', novalidate: true, id: 'edit-config', onsubmit: async (e) => {
    e.preventDefault();
    general.replaceChildren();
    const config = rows.collect();
    if (!config) return;
    submit.disabled = true;
    try {
      await api('PATCH', `/integrations/${encodeURIComponent(integration.id)}`, { config });
      location.hash = `#/integrations/${encodeURIComponent(integration.id)}?saved=1`;
    } catch (error) {
      submit.disabled = false;
      if (!rows.showServerErrors(error.fields)) general.replaceChildren(notice('bad', error.message));
    }
  } }, rows.elements, general, submit);
  return h('details', {}, h('summary', {}, 'Edit configuration'), form);
}

// ---- installed integrations ----

async function installed() {
  const { data } = await api('GET', '/integrations?limit=100');
  const body = data.length === 0
    ? h('p', { class: 'empty' }, 'Nothing installed yet. Open the Integration Library to install one.')
    : h('table', {},
        h('thead', {}, h('tr', {}, ['Name', 'Integration', 'Status', 'Revision', 'Installed'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, data.map((i) => h('tr', {},
          h('td', {}, h('a', { href: `#/integrations/${encodeURIComponent(i.id)}` }, i.name)),
          h('td', {}, i.catalog_key),
          h('td', {}, i.enabled ? 'Enabled' : 'Disabled'),
          h('td', {}, String(i.revision)),
          h('td', {}, formatTime(i.created_at))))));
  show('Installed integrations', h('h1', {}, 'Integrations'), tabs('installed'), body);
}

async function integrationPage(id, params) {
  const integration = await api('GET', `/integrations/${encodeURIComponent(id)}`);
  const testResult = h('div', { 'aria-live': 'polite', id: 'test-result' });
  const testButton = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    testButton.disabled = true;
    testResult.replaceChildren(h('p', { class: 'help' }, 'Checking…'));
    try {
      const answer = await api('POST', `/integrations/${encodeURIComponent(id)}/test-connection`);
      testResult.replaceChildren(notice(answer.ok ? 'ok' : 'bad', answer.message));
    } catch (error) {
      testResult.replaceChildren(notice('bad', error.message));
    } finally {
      testButton.disabled = false;
    }
  } }, 'Test connection');

  show(integration.name,
    h('p', {}, h('a', { href: '#/integrations' }, '← Installed integrations')),
    h('h1', {}, integration.name, ' ', h('span', { class: `badge ${integration.enabled ? 'ok' : ''}` }, integration.enabled ? 'Enabled' : 'Disabled')),
    params.get('installed') ? notice('ok', `Installed ${integration.name} with the ${integration.variant} blueprint.`) : null,
    params.get('saved') ? notice('ok', `Saved: revision ${integration.revision}.`) : null,
    h('h2', {}, 'Configuration'),
    h('dl', { class: 'config', id: 'config' },
      h('dt', {}, 'Integration'), h('dd', {}, `${integration.catalog_key} (${integration.variant}), ${integration.delivery_mode}`),
      h('dt', {}, 'Revision'), h('dd', {}, String(integration.revision)),
      Object.entries(integration.config).map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])),
    await editForm(integration),
    h('div', { class: 'toolbar' }, testButton),
    testResult,
    await deliveryLogs(id),
    await deadLetters(id),
    h('h2', {}, 'Blueprint'),
    h('pre', { class: 'blueprint', tabindex: '0', 'aria-label': 'Blueprint JSON' }, JSON.stringify(integration.blueprint, null, 2)));
}

async function deliveryLogs(id) {
  const section = h('section', { 'aria-labelledby': 'logs-title', id: 'delivery-logs' });
  const state = { status: '', cursors: [''] };
  const statusSelect = h('select', { id: 'log-status', onchange: () => { state.status = statusSelect.value; state.cursors = ['']; load(); } },
    h('option', { value: '' }, 'All statuses'), STATUSES.map((s) => h('option', { value: s }, s)));
  const table = h('div');
  const pager = h('div', { class: 'pager' });

  async function load() {
    const cursor = state.cursors[state.cursors.length - 1];
    const query = new URLSearchParams({ limit: '25' });
    if (state.status) query.set('status', state.status);
    if (cursor) query.set('cursor', cursor);
    const page = await api('GET', `/integrations/${encodeURIComponent(id)}/delivery-logs?${query}`);
    table.replaceChildren(page.data.length === 0 ? h('p', { class: 'empty' }, 'No deliveries yet.') : h('table', {},
      h('thead', {}, h('tr', {}, ['Time', 'Event', 'Message ID', 'Status', 'HTTP', "Heap's answer", 'Warnings', 'Attempt', 'ms'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, page.data.map((log) => h('tr', { 'data-message-id': log.message_id },
        h('td', {}, formatTime(log.created_at)),
        h('td', {}, log.event_name ?? log.event_type ?? ''),
        h('td', {}, log.message_id),
        h('td', {}, h('span', { class: `badge ${log.status}` }, log.status)),
        h('td', {}, log.http_status ?? ''),
        h('td', { class: 'answer' }, log.message ?? log.response ?? ''),
        h('td', { class: 'warnings' }, log.warnings.join('; ')),
        h('td', {}, String(log.attempt)),
        h('td', {}, String(log.duration_ms)))))));
    pager.replaceChildren(
      h('button', { type: 'button', class: 'secondary', disabled: state.cursors.length === 1, onclick: () => { state.cursors.pop(); load(); } }, 'Newer'),
      h('button', { type: 'button', class: 'secondary', disabled: !page.has_more, onclick: () => { state.cursors.push(page.next_cursor); load(); } }, 'Older'));
  }
  await load();
  section.append(
    h('h2', { id: 'logs-title' }, 'Delivery logs'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'log-status' }, 'Status', statusSelect),
      h('button', { type: 'button', class: 'secondary', id: 'refresh-logs', 'aria-label': 'Refresh delivery logs', onclick: () => { state.cursors = ['']; load(); } }, 'Refresh')),
    table, pager);
  return section;
}

async function deadLetters(id) {
  const section = h('section', { 'aria-labelledby': 'dead-title', id: 'dead-letters' });
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const replay = async (messageIds) => {
    const answer = await api('POST', `/integrations/${encodeURIComponent(id)}/dead-letters/replay`, messageIds ? { message_ids: messageIds } : {});
    await load();
    status.replaceChildren(notice('ok', `Replayed ${answer.replayed} event${answer.replayed === 1 ? '' : 's'}; they are back in the delivery queue.`));
  };
  async function load() {
    const { data } = await api('GET', `/integrations/${encodeURIComponent(id)}/dead-letters?limit=100`);
    list.replaceChildren(data.length === 0 ? h('p', { class: 'empty' }, 'No dead letters.') : h('table', {},
      h('thead', {}, h('tr', {}, ['Message ID', 'Event', 'Reason', 'HTTP', 'Attempts', 'Dead since', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, data.map((d) => h('tr', { 'data-message-id': d.message_id },
        h('td', {}, d.message_id),
        h('td', {}, d.event.event ?? d.event.type),
        h('td', { class: 'answer' }, d.reason ?? ''),
        h('td', {}, d.http_status ?? ''),
        h('td', {}, String(d.attempts)),
        h('td', {}, formatTime(d.dead_at)),
        h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Replay ${d.message_id}`, onclick: () => replay([d.message_id]) }, 'Replay')))))));
  }
  await load();
  section.append(
    h('h2', { id: 'dead-title' }, 'Dead letters'),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'secondary', onclick: () => replay() }, 'Replay all dead letters'), h('button', { type: 'button', class: 'link', 'aria-label': 'Refresh dead letters', onclick: load }, 'Refresh')),
    status, list);
  return section;
}

// ---- routing ----

async function render() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return signIn();
  const [path, queryString] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(queryString ?? '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const link of document.querySelectorAll('[data-nav]')) link.setAttribute('aria-current', 'page');
  try {
    if (parts[0] === 'install' && parts[1]) await installForm(parts[1]);
    else if (parts[0] === 'integrations' && parts[1]) await integrationPage(parts[1], params);
    else if (parts[0] === 'integrations') await installed();
    else await library(params);
  } catch (error) {
    if (error.status === 401) return;
    show('Error', h('h1', {}, 'Something went wrong'), notice('bad', error.message), h('p', {}, h('a', { href: '#/library' }, 'Back to the Integration Library')));
  }
  main.focus();
}

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  render();
});
window.addEventListener('hashchange', render);
render();
