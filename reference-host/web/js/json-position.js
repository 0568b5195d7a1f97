// A strict JSON parser that remembers where every key and value starts, so an error about
// `events.page.mappings.0.target` can be shown at the line of that key in the text a person typed.

export class JsonSyntaxError extends Error {
  constructor(message, offset, line, column) {
    super(`Line ${line}, column ${column}: ${message}`);
    this.reason = message;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;

function describe(ch) {
  if (ch === undefined) return 'the end of the text';
  if (ch === '\n') return 'a line break';
  if (ch === '"') return 'a string (a comma is probably missing before it)';
  return `"${ch}"`;
}

/**
 * Parses `text` as JSON (RFC 8259: no comments, no trailing commas). Answers `{value, root}`, where
 * each node is `{kind, offset, line, column}` plus `members` (a Map of key → {line, column, node})
 * for objects and `items` for arrays. Throws a JsonSyntaxError at the first problem.
 */
export function parseJson(text) {
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (message, at = i) => {
    let l = 1;
    let start = 0;
    for (let k = 0; k < at && k < text.length; k++) if (text[k] === '\n') (l++, (start = k + 1));
    throw new JsonSyntaxError(message, at, l, at - start + 1);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        line++;
        lineStart = ++i;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else break;
    }
  };
  const here = () => ({ offset: i, line, column: i - lineStart + 1 });
  const match = (re) => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m ? m[0] : null;
  };

  const string = () => {
    const raw = match(STRING);
    if (raw === null) {
      for (let k = i + 1; k < text.length; k++) {
        const c = text[k];
        if (c === '"') break;
        if (c === '\\') {
          if (!/^(["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(k + 1, k + 6))) fail('Bad escape in a string (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)', k);
          k++;
        } else if (c < ' ') fail(c === '\n' ? 'Unterminated string: a line break inside quotes' : 'A control character inside a string must be escaped', k);
      }
      fail('Unterminated string: the closing " is missing');
    }
    i += raw.length;
    return JSON.parse(raw);
  };

  const value = () => {
    space();
    const at = here();
    const c = text[i];
    if (c === '{') return object(at);
    if (c === '[') return array(at);
    if (c === '"') return { kind: 'scalar', ...at, value: string() };
    const raw = match(NUMBER) ?? match(LITERAL);
    if (raw !== null) {
      i += raw.length;
      return { kind: 'scalar', ...at, value: JSON.parse(raw) };
    }
    if (c === undefined) fail('Unexpected end of the text: a value is missing');
    if (c === "'") fail('Strings need double quotes (")');
    fail(`Unexpected ${describe(c)}: a value (object, array, string, number, true, false or null) is expected here`);
  };

  const object = (at) => {
    i++;
    const node = { kind: 'object', ...at, members: new Map(), value: {} };
    space();
    if (text[i] === '}') {
      i++;
      return node;
    }
    for (;;) {
      space();
      if (text[i] === "'") fail('Property names need double quotes (")');
      if (text[i] !== '"') fail(text[i] === '}' ? 'Trailing comma: a property is expected after ","' : `Expected a property name in double quotes, found ${describe(text[i])}`);
      const keyAt = here();
      const key = string();
      space();
      if (text[i] !== ':') fail(`Expected ":" after the property name "${key}"`);
      i++;
      const child = value();
      node.members.set(key, { line: keyAt.line, column: keyAt.column, offset: keyAt.offset, node: child });
      Object.defineProperty(node.value, key, { value: child.value, enumerable: true, writable: true, configurable: true });
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return node;
      }
      fail(`Expected "," or "}" after the value of "${key}", found ${describe(text[i])}`);
    }
  };

  const array = (at) => {
    i++;
    const node = { kind: 'array', ...at, items: [], value: [] };
    space();
    if (text[i] === ']') {
      i++;
      return node;
    }
    for (;;) {
      space();
      if (text[i] === ']') fail('Trailing comma: a value is expected after ","');
      const child = value();
      node.items.push(child);
      node.value.push(child.value);
      space();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return node;
      }
      fail(`Expected "," or "]" after an array item, found ${describe(text[i])}`);
    }
  };

  const root = value();
  space();
  if (i < text.length) fail(`Unexpected ${describe(text[i])} after the end of the JSON value`);
  return { value: root.value, root };
}

/**
 * Where a dotted field (`events.Order Completed.mappings.0.target`) sits in a parsed text. Keys may
 * themselves hold dots (`Order.Done`): the longest key that exists wins, with backtracking. A path
 * that ends at a key the text lacks (a missing required field) points at the deepest object that
 * exists. Answers `{line, column, exact, found}` (`found`: the part of the path that exists).
 */
export function locate(root, field) {
  const segments = field === '' || field === '(root)' ? [] : field.split('.');
  let best = { line: root.line, column: root.column, depth: 0, found: '' };

  const walk = (node, index, path, pos) => {
    if (index > best.depth || (index === best.depth && best.found === '' && path)) best = { ...pos, depth: index, found: path };
    if (index === segments.length) return true;
    if (node.kind === 'object') {
      for (let k = segments.length - index; k >= 1; k--) {
        const key = segments.slice(index, index + k).join('.');
        const member = node.members.get(key);
        if (member && walk(member.node, index + k, path ? `${path}.${key}` : key, { line: member.line, column: member.column })) return true;
      }
      return false;
    }
    if (node.kind === 'array' && /^\d+$/.test(segments[index])) {
      const item = node.items[Number(segments[index])];
      return item ? walk(item, index + 1, path ? `${path}.${segments[index]}` : segments[index], { line: item.line, column: item.column }) : false;
    }
    return false;
  };

  const exact = walk(root, 0, '', { line: root.line, column: root.column });
  return { line: best.line, column: best.column, exact, found: best.found };
}

/** The offsets where line `n` (1-based) of `text` starts and ends. */
export function lineRange(text, n) {
  let start = 0;
  for (let l = 1; l < n; l++) {
    const next = text.indexOf('\n', start);
    if (next < 0) break;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return { start, end: end < 0 ? text.length : end };
}
