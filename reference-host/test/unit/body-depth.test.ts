import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_BODY_DEPTH, parseJsonBody } from '../../src/host/http/body.js';

/** The scan as it first was, a character at a time: what the quicker one must answer. */
function depthCharByChar(text: string): number | 'too deep' {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (depth > MAX_BODY_DEPTH) return 'too deep';
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function answer(text: string): unknown {
  try {
    return parseJsonBody(text);
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

function expected(text: string): unknown {
  if (text.trim() === '') return { value: undefined, depth: 0 };
  const depth = depthCharByChar(text);
  if (depth === 'too deep') return 'body_too_deep';
  try {
    return { value: JSON.parse(text), depth };
  } catch {
    return 'invalid_json';
  }
}

/** Text made of what the scan reads: quotes, backslashes, brackets, braces and a little else. */
const jsonish = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', ',', ':', 'a', '1', ' ', '\u00e9'), maxLength: 60 });

describe('the depth of a request body', () => {
  it('is what a scan a character at a time finds, for JSON and for near-JSON (escapes, open strings, stray brackets)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ depthSize: 'medium' }), jsonish, fc.jsonValue().map((v) => JSON.stringify({ batch: [v, String(v)] }))), (text) => {
        expect(answer(text)).toEqual(expected(text));
      }),
      { numRuns: 5000, seed: 20261204 },
    );
  });

  it('counts brackets inside strings as text, escaped quotes and all', () => {
    expect(parseJsonBody('{"a": "[[[\\"{{{", "b": ["\\\\", {"c": "]]]"}]}').depth).toBe(3);
    expect(parseJsonBody(`${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}`).depth).toBe(MAX_BODY_DEPTH);
    expect(answer(`${'['.repeat(MAX_BODY_DEPTH + 1)}`)).toBe('body_too_deep');
    expect(answer('{"open": "[[[[')).toBe('invalid_json');
  });
});
