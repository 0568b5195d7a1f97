// Building the page: every value goes in as a text node or an attribute, never as HTML.

/** h('p', {class: 'x', onclick}, 'text', child): an element; strings and numbers become text nodes. */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (charts). */
export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nested arrays flattened; null, undefined and false skipped). */
export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false || child === '') continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A message box: `ok`, `bad` (an alert), `warn` or `info`. */
export function notice(kind, ...content) {
  return h('div', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : 'status' }, ...content);
}

/** A small label/value list. */
export function facts(pairs, attrs = {}) {
  return h('dl', { class: 'facts', ...attrs }, pairs.filter(Boolean).map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))));
}

/** A table whose cells carry their column name, so narrow screens can show each row as a card. */
export function table(columns, rows, attrs = {}) {
  return h('table', { class: 'responsive', ...attrs },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows));
}

export function cell(column, ...content) {
  const items = content.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false && c !== '');
  return h('td', { 'data-label': column }, items.length > 0 ? h('span', { class: 'value' }, items) : null);
}

/**
 * An id or another run without spaces: one of up to 24 characters stays whole; a longer one may wrap
 * every 12 characters instead of widening its table column to its full length.
 */
export function token(text) {
  const chunks = String(text).length <= 24 ? [String(text)] : String(text).match(/.{1,12}/gsu);
  return h('span', { class: 'token' }, chunks.map((chunk, i) => (i === 0 ? chunk : [h('wbr'), chunk])));
}

/** A code block a keyboard can reach and scroll. */
export function codeBlock(text, label, attrs = {}) {
  return h('pre', { class: 'code', tabindex: '0', 'aria-label': label, ...attrs }, text);
}
