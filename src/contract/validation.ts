import { z } from 'zod';

export interface FieldIssue {
  /** Dot path of the bad field (`config.app_id`, `batch.3.type`). */
  field: string;
  message: string;
}

/**
 * Flattens a zod error into one issue per bad field, each naming it. A key a strict object does not
 * know is named itself, with the field it probably meant when one is close (`vendor_event_nam` →
 * `vendor_event_name`), read from `schema` when it is given.
 */
export function fieldIssues(error: z.ZodError, prefix = '', schema?: z.ZodType): FieldIssue[] {
  const join = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter((p) => p !== '').join('.') || '(root)';
  return error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [{ field: join(issue.path), message: plainMessage(issue) }];
    const known = schema ? knownKeys(schema, issue.path) : [];
    return issue.keys.map((key) => ({ field: join([...issue.path, key]), message: unknownKeyMessage(key, known) }));
  });
}

/**
 * Keys of `input` that are not among `known`, each named with its path and, for a near miss, the
 * field it probably meant (`"regoin"` → `region`). Unknown keys are refused, never silently dropped.
 */
export function unknownKeys(input: unknown, known: readonly string[], prefix = ''): FieldIssue[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.keys(input)
    .filter((key) => !known.includes(key))
    .map((key) => ({ field: prefix ? `${prefix}.${key}` : key, message: unknownKeyMessage(key, known) }));
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const guess = nearest(key, known);
  return `is not a known field${guess ? `; did you mean "${guess}"?` : known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`;
}

/** zod's own English, recognised by how it starts; a schema's own message never starts so. */
const ZOD_DEFAULT = /^(Invalid input|Invalid option|Too big:|Too small:|Invalid string:|Invalid number:)/;

/**
 * The issue in the words our answers use (`must be one of "join", "index", "json"`), in place of
 * zod's default English (`Invalid option: expected one of "join"|"index"|"json"`). A message a schema
 * chose itself is kept as it is.
 */
export function plainMessage(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  const quote = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  switch (issue.code) {
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return 'is required';
      const got = received === undefined || received === 'NaN' ? '' : received === 'null' ? ', not null' : `, not ${article(received)}`;
      return `must be ${article(issue.expected)}${got}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quote(issue.values[0])}` : `must be one of ${issue.values.map(quote).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const least = issue.code === 'too_small';
      if (least && bound === 1 && (issue.origin === 'string' || issue.origin === 'array')) return 'must not be empty';
      const word = issue.inclusive === false ? (least ? 'more than' : 'less than') : least ? 'at least' : 'at most';
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' || issue.origin === 'set' ? ' items' : '';
      return `must ${unit ? 'have' : 'be'} ${word} ${bound}${unit}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue ? `must match ${String(issue.pattern)}` : `must be a valid ${issue.format}`;
    case 'invalid_union':
      return 'matches none of the forms this field takes';
    default:
      return issue.message;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The keys an object schema takes at `path` (records, arrays and wrappers walked through). */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  const unwrap = () => {
    for (let guard = 0; guard < 20; guard++) {
      const def = (current as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return;
      if (def.innerType) current = def.innerType;
      else if (def.type === 'pipe') current = def.in;
      else return;
    }
  };
  unwrap();
  for (const segment of path) {
    const def = (current as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === 'object') current = (def.shape as Record<string, unknown>)[String(segment)];
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else return [];
    if (!current) return [];
    unwrap();
  }
  const def = (current as { _zod: { def: Record<string, unknown> } })._zod.def;
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

/** The known key within two edits of `key` (case and plural endings aside), if exactly one is closest. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const limit = Math.min(2, Math.floor(key.length / 2));
  // A name whose length is far off cannot be within the limit (a plural's ending changes it by 2 at most):
  // it is skipped before the distance, which ingestion may compute for every unknown key of every event.
  const scored = known
    .filter((k) => Math.abs(k.length - key.length) <= limit + 2)
    .map((k) => ({ k, d: Math.min(distance(key.toLowerCase(), k.toLowerCase()), distance(singular(key), singular(k))) }))
    .sort((a, b) => a.d - b.d);
  if (scored.length === 0 || scored[0].d > limit) return undefined;
  return scored.length > 1 && scored[1].d === scored[0].d ? undefined : scored[0].k;
}

/** `userIds` → `userId`, `properties` → `property`: a singular sent for a plural is a near miss, not a stranger. */
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


/** One sentence for logs and error answers: `app_id: must be numeric; api_key: is required`. */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

/** Thrown when data crossing a boundary does not fit its schema. */
export class ValidationError extends Error {
  readonly code = 'validation_failed';
  constructor(
    readonly what: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${what} is invalid: ${describeIssues(issues)}`);
    this.name = 'ValidationError';
  }
}

/** Parses at a boundary, turning a zod failure into a ValidationError that names every field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, what: string, prefix = ''): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ValidationError(what, fieldIssues(parsed.error, prefix));
  return parsed.data;
}

/** The JSON Schema a host draws its config form from. */
export function configJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
