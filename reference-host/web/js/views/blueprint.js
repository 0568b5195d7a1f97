// The blueprint editor with an event tester. The JSON is checked as it is typed: syntax errors at
// their line, then the host's own verdict (the preview endpoint's 400 `fields`, each mapped from its
// dotted path to the line of that key). The tester shows the vendor requests an event would become
// under the text as it stands, before anything is saved. Saving makes a new revision.
import { api, ApiError, enc } from '../api.js';
import { codeBlock, fill, h, notice } from '../dom.js';
import { pretty, prettyText } from '../format.js';
import { JsonSyntaxError, lineRange, locate, parseJson } from '../json-position.js';
import { sampleLabel, TEMPLATES } from '../samples.js';

const LINE_HEIGHT = 18;
/** Validates the blueprint when the event text is not usable yet. */
const FALLBACK_EVENT = { type: 'page', anonymousId: 'blueprint-check' };

/** A JSON text area with line numbers, problem marks, and "go to line". */
function jsonEditor({ id, label, text, rows = 24, describedBy }) {
  const gutter = h('ol', { class: 'gutter', 'aria-hidden': 'true' });
  const area = h('textarea', { id, class: 'json-text', wrap: 'off', spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', rows, 'aria-describedby': describedBy });
  area.value = text;
  let lineCount = 0;
  let marks = new Map();
  const drawGutter = () => {
    const count = area.value.split('\n').length;
    if (count !== lineCount) {
      lineCount = count;
      fill(gutter, Array.from({ length: count }, (_, i) => h('li', {}, String(i + 1))));
    }
    for (const li of gutter.children) li.classList.remove('bad');
    for (const [line] of marks) gutter.children[line - 1]?.classList.add('bad');
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener('scroll', () => (gutter.scrollTop = area.scrollTop));
  area.addEventListener('input', drawGutter);
  drawGutter();
  return {
    element: h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'editor' }, h('div', { class: 'gutter-box' }, gutter), area)),
    area,
    mark(lines) {
      marks = new Map(lines.map((l) => [l, true]));
      drawGutter();
    },
    goTo(line, column = 1) {
      const { start, end } = lineRange(area.value, line);
      area.focus();
      area.setSelectionRange(Math.min(start + column - 1, end), end);
      area.scrollTop = Math.max(0, (line - 4) * LINE_HEIGHT);
      gutter.scrollTop = area.scrollTop;
    },
    set(text) {
      area.value = text;
      drawGutter();
    },
  };
}

/** Problems as a list, each with a button that goes to its line. */
function problemList(editor, problems) {
  return h('ul', { class: 'problems' }, problems.map((p) => h('li', {},
    p.line ? h('button', { type: 'button', class: 'link', onclick: () => editor.goTo(p.line, p.column) }, `Line ${p.line}`) : null,
    p.line ? ': ' : '',
    p.field ? h('code', {}, p.field) : null,
    p.field ? ' ' : '',
    p.message)));
}

export async function blueprintSection(ctx, page, panel) {
  const samples = await api('GET', `/integrations/${enc(page.id)}/sample-events`, undefined, ctx).then((r) => r.data, () => []);
  let saved = page.integration.blueprint;
  let savedText = pretty(saved);
  let parsed = { value: saved };
  let valid = true;
  let sequence = 0;

  const blueprintCheck = h('div', { id: 'blueprint-check', class: 'check', role: 'status' });
  const eventCheck = h('div', { id: 'event-check', class: 'check', role: 'status' });
  const editor = jsonEditor({ id: 'blueprint-text', label: 'Blueprint JSON', text: savedText, rows: 28, describedBy: 'blueprint-check' });
  const eventEditor = jsonEditor({ id: 'event-text', label: 'Event JSON', text: pretty(TEMPLATES[0][2]), rows: 14, describedBy: 'event-check' });
  const requests = h('div', { id: 'preview-requests', 'aria-live': 'polite' });
  const results = h('div', { id: 'preview-results' });
  const summary = h('input', { id: 'change-summary', type: 'text', maxlength: 500, placeholder: 'What changed, for the revisions list' });
  const saveButton = h('button', { type: 'submit' }, 'Save blueprint');
  const discardButton = h('button', { type: 'button', class: 'secondary', onclick: () => { editor.set(savedText); schedule(0); } }, 'Discard changes');
  const dirtyNote = h('span', { class: 'help', id: 'dirty-note', 'aria-live': 'polite' });
  const saveResult = h('div', { id: 'save-result', 'aria-live': 'polite' });

  const picker = h('select', { id: 'sample-select' },
    h('optgroup', { label: 'Templates' }, TEMPLATES.map(([key, label]) => h('option', { value: `template:${key}` }, label))),
    samples.length > 0
      ? h('optgroup', { label: `The last ${samples.length} events of this integration` }, samples.map((e, i) => h('option', { value: `recent:${i}` }, sampleLabel(e))))
      : null);
  picker.addEventListener('change', () => {
    const [kind, key] = picker.value.split(':');
    const event = kind === 'template' ? TEMPLATES.find(([k]) => k === key)[2] : samples[Number(key)];
    eventEditor.set(pretty(event));
    schedule(0);
  });

  function drawDirty() {
    const dirty = editor.area.value !== savedText;
    dirtyNote.textContent = dirty ? 'Unsaved changes.' : 'No unsaved changes.';
    saveButton.disabled = !dirty || !valid;
    discardButton.disabled = !dirty;
  }

  function showRequests(preview, event) {
    const result = preview.results[0];
    const rejected = preview.rejected;
    if (rejected.length > 0) {
      const problems = rejected.map((r) => ({ ...locate(eventEditor.parsedRoot, r.field.replace(/^events\.0\.?/, '')), field: r.field.replace(/^events\.0\.?/, '') || '(event)', message: r.reason }));
      eventEditor.mark(problems.map((p) => p.line));
      fill(eventCheck, notice('bad', 'The host would refuse this event:'), problemList(eventEditor, problems));
      fill(requests, h('p', { class: 'empty' }, 'No request: the event is refused before delivery.'));
      fill(results);
      return;
    }
    eventEditor.mark([]);
    fill(eventCheck, h('p', { class: 'ok-text' }, `A valid ${event.type} event.`));
    fill(requests, preview.requests.length === 0
      ? h('p', { class: 'empty' }, `No ${page.manifest.name} request: nothing would be sent for this event.`)
      : preview.requests.map((r, i) => h('div', { class: 'call', 'data-request': i },
          h('p', { class: 'call-line' }, h('strong', {}, `Request ${i + 1}: ${r.method}`), ' ', h('span', { class: 'url' }, r.url)),
          codeBlock(prettyText(r.body), `Request ${i + 1} body, pretty-printed`, { class: 'code request-body' }),
          h('details', { class: 'wire' }, h('summary', {}, `Exact wire form (${new TextEncoder().encode(r.body).length} bytes)`), codeBlock(r.body, `Request ${i + 1} exact body`, { class: 'code wire-body' })))));
    const words = result.status === 'send'
      ? `Would be sent${result.requests.length ? ` as request ${result.requests.map((n) => n + 1).join(' and ')}` : ''}.`
      : result.status === 'filtered'
        ? `Filtered${result.code ? ` [${result.code}]` : ''}: ${result.message}`
        : `Failed${result.code ? ` [${result.code}]` : ''}: ${result.message}`;
    fill(results,
      h('p', { class: `result ${result.status}`, id: 'preview-outcome' }, h('span', { class: `badge ${result.status === 'send' ? 'delivered' : result.status}` }, result.status), ' ', words),
      result.warnings.length > 0 ? h('ul', { class: 'reasons' }, result.warnings.map((w) => h('li', { class: 'warning' }, `Warning: ${w}`))) : h('p', { class: 'help' }, 'No warnings.'));
  }

  async function check() {
    const mine = ++sequence;
    // 1. The blueprint's JSON.
    try {
      const result = parseJson(editor.area.value);
      parsed = result;
      editor.parsedRoot = result.root;
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      valid = false;
      editor.mark([error.line]);
      fill(blueprintCheck, notice('bad', 'The blueprint is not valid JSON:'), problemList(editor, [{ line: error.line, column: error.column, message: error.reason }]));
      fill(requests, h('p', { class: 'empty' }, 'Fix the blueprint JSON to see the requests.'));
      fill(results);
      drawDirty();
      return;
    }
    // 2. The event's JSON.
    let event;
    try {
      const result = parseJson(eventEditor.area.value);
      event = result.value;
      eventEditor.parsedRoot = result.root;
      eventEditor.mark([]);
      fill(eventCheck);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      eventEditor.parsedRoot = null;
      eventEditor.mark([error.line]);
      fill(eventCheck, notice('bad', 'The event is not valid JSON:'), problemList(eventEditor, [{ line: error.line, column: error.column, message: error.reason }]));
    }
    // 3. The host's verdict, and what the vendor would receive.
    fill(blueprintCheck, h('p', { class: 'help' }, 'Checking with the host…'));
    try {
      const preview = await api('POST', `/integrations/${enc(page.id)}/preview`, { events: [event ?? FALLBACK_EVENT], blueprint: parsed.value }, ctx);
      if (mine !== sequence || !ctx.active) return;
      valid = true;
      editor.mark([]);
      fill(blueprintCheck, h('p', { class: 'ok-text' }, 'The host accepts this blueprint.'));
      if (event) showRequests(preview, event);
      else {
        fill(requests, h('p', { class: 'empty' }, 'Fix the event JSON to see the requests.'));
        fill(results);
      }
    } catch (error) {
      if (mine !== sequence || !ctx.active || error?.name === 'AbortError') return;
      if (!(error instanceof ApiError) || error.status !== 400 || error.fields.length === 0) {
        fill(blueprintCheck, notice('bad', error.message));
        return;
      }
      const blueprintProblems = [];
      const eventProblems = [];
      for (const issue of error.fields) {
        if (issue.field === 'blueprint' || issue.field.startsWith('blueprint.')) {
          const field = issue.field.replace(/^blueprint\.?/, '');
          const at = locate(parsed.root, field);
          blueprintProblems.push({ line: at.line, column: at.column, field: field || '(blueprint)', message: at.exact ? issue.message : `${issue.message} (missing; shown at ${at.found || 'the top'})` });
        } else if (issue.field.startsWith('events.0') && eventEditor.parsedRoot) {
          const field = issue.field.replace(/^events\.0\.?/, '');
          const at = locate(eventEditor.parsedRoot, field);
          eventProblems.push({ line: at.line, column: at.column, field: field || '(event)', message: issue.message });
        } else blueprintProblems.push({ field: issue.field, message: issue.message });
      }
      valid = blueprintProblems.length === 0;
      editor.mark(blueprintProblems.map((p) => p.line).filter(Boolean));
      fill(blueprintCheck, blueprintProblems.length === 0
        ? h('p', { class: 'ok-text' }, 'The host accepts this blueprint.')
        : [notice('bad', `The host refuses this blueprint: ${blueprintProblems.length} problem${blueprintProblems.length === 1 ? '' : 's'}.`), problemList(editor, blueprintProblems)]);
      if (eventProblems.length > 0) {
        eventEditor.mark(eventProblems.map((p) => p.line));
        fill(eventCheck, notice('bad', 'The event is refused:'), problemList(eventEditor, eventProblems));
      }
      fill(requests, h('p', { class: 'empty' }, "Fix the blueprint's problems to see the requests."));
      fill(results);
    } finally {
      if (mine === sequence) drawDirty();
    }
  }

  let timer;
  function schedule(ms = 300) {
    clearTimeout(timer);
    drawDirty();
    timer = setTimeout(() => void check(), ms);
  }
  ctx.onDispose(() => clearTimeout(timer));
  editor.area.addEventListener('input', () => schedule());
  eventEditor.area.addEventListener('input', () => schedule());

  const form = h('form', { class: 'blueprint-form', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (!valid) return;
    saveButton.disabled = true;
    fill(saveResult);
    try {
      const sent = parsed.value;
      const updated = await api('PATCH', `/integrations/${enc(page.id)}`, { blueprint: sent, change_summary: summary.value.trim() || undefined });
      page.integration = updated;
      saved = updated.blueprint;
      // The host refuses keys it does not know, so what was saved is what was sent.
      savedText = editor.area.value;
      fill(saveResult, notice('ok', `Saved as revision ${updated.revision}.`));
      summary.value = '';
      schedule(0);
    } catch (error) {
      fill(saveResult, notice('bad', error.message));
      drawDirty();
    }
  } },
    editor.element,
    blueprintCheck,
    h('div', { class: 'field' }, h('label', { for: 'change-summary' }, 'Change summary (optional)'), summary),
    h('div', { class: 'toolbar' }, saveButton, discardButton, dirtyNote),
    saveResult);

  fill(panel,
    h('h2', { id: 'section-title' }, 'Blueprint'),
    h('p', { class: 'help' }, `Edit the blueprint as JSON. It is checked as you type, and the tester shows the ${page.manifest.name} requests an event would become under the text as it stands; nothing is sent and nothing is saved until you save.`),
    h('div', { class: 'blueprint-layout' },
      h('div', { class: 'editor-column' }, form),
      h('section', { class: 'tester', 'aria-labelledby': 'tester-title' },
        h('h3', { id: 'tester-title' }, 'Event tester'),
        h('div', { class: 'field' }, h('label', { for: 'sample-select' }, 'Sample event'), picker, h('p', { class: 'help' }, 'Pick a template or one of the last events this integration received, or paste an event below.')),
        eventEditor.element,
        eventCheck,
        h('h4', {}, `${page.manifest.name} requests`),
        requests,
        results)));
  drawDirty();
  await check();
}
