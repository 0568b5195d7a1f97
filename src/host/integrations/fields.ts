import type { FieldIssue } from '../../contract/index.js';
import { nearest } from '../../contract/index.js';

/**
 * Keys of `input` that are not among `known`, each named with its path and, for a near miss, the
 * field it probably meant (`"regoin"` → `region`). Unknown keys are refused, never silently dropped.
 */
export function unknownKeys(input: unknown, known: readonly string[], prefix = ''): FieldIssue[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.keys(input)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const guess = nearest(key, known);
      return { field: prefix ? `${prefix}.${key}` : key, message: `is not a known field${guess ? `; did you mean "${guess}"?` : ` (known: ${known.join(', ')})`}` };
    });
}

