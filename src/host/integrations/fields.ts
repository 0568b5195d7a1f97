import type { FieldIssue } from '../../contract/index.js';

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

/** The known key within two edits of `key` (case and plural endings aside), if exactly one is closest. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const scored = known.map((k) => ({ k, d: Math.min(distance(key.toLowerCase(), k.toLowerCase()), distance(singular(key), singular(k))) })).sort((a, b) => a.d - b.d);
  if (scored.length === 0 || scored[0].d > Math.min(2, Math.floor(key.length / 2))) return undefined;
  return scored.length > 1 && scored[1].d === scored[0].d ? undefined : scored[0].k;
}

/** `identities` → `identity`, `ids` → `id`: a singular sent for a plural is a near miss, not a stranger. */
function singular(word: string): string {
  const w = word.toLowerCase();
  if (w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Damerau-Levenshtein (optimal string alignment): a swap of two letters counts as one edit. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
