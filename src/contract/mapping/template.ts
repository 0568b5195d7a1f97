import { compilePath, pathProblem, readPath, type Path, type Scope } from './paths.js';
import { asText } from './text.js';

/** A template made ready: literal text and the paths between it (`Order {{properties.order_id}}`). */
export type TemplatePart = string | Path;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * Splits a template into text and paths, or says what is wrong with it: a `{{` or `}}` without its
 * partner, an empty or malformed path, or no path at all (fixed text is a `value`).
 */
export function parseTemplate(template: string): { ok: true; parts: TemplatePart[] } | { ok: false; message: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const source = match[1].trim();
    const problem = source === '' ? 'has an empty {{ }}' : pathProblem(source);
    if (problem) return { ok: false, message: problem.startsWith('has') ? problem : `{{${source}}}: ${problem}` };
    if (match.index > last) parts.push(template.slice(last, match.index));
    parts.push(compilePath(source));
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  if (parts.some((part) => typeof part === 'string' && (part.includes('{{') || part.includes('}}')))) {
    return { ok: false, message: 'has a {{ or }} without its partner' };
  }
  if (!parts.some((part) => typeof part !== 'string')) return { ok: false, message: 'has no {{path}}; fixed text is a "value"' };
  return { ok: true, parts };
}

/**
 * The template filled in from the event: objects as JSON. A path with no value is left empty and
 * named in `missing`; when every path is missing the template has no value (so `default` applies).
 */
export function renderTemplate(parts: readonly TemplatePart[], scope: Scope): { text?: string; missing: string[] } {
  let text = '';
  const missing: string[] = [];
  let found = false;
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const value = readPath(scope, part);
    if (value === undefined || value === null) missing.push(part.join('.'));
    else {
      found = true;
      text += asText(value);
    }
  }
  return found ? { text, missing } : { missing };
}
