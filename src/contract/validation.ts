import { z } from 'zod';

export interface FieldIssue {
  /** Dot path of the bad field (`config.app_id`, `batch.3.type`). */
  field: string;
  message: string;
}

/** Flattens a zod error into one issue per bad field, each naming it. */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return { field: path || '(root)', message: issue.message };
  });
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
