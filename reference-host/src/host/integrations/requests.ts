import { z } from 'zod';
import { fieldIssues, unknownKeys, type FieldIssue } from '@datafly/heap-integration/contract';
import { ApiError } from '../errors.js';

export const InstallRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    variant: z.string().default('default'),
    config: z.record(z.string(), z.unknown(), { message: 'must be an object' }).default({}),
    delivery_mode: z.string().optional(),
  })
  .meta({ id: 'InstallRequest', description: "The guide's install call: the variant's default_config is merged under config." });

export const UpdateRequestSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    /** Only the fields given change; a secret given as the mask (or left out) keeps the stored one. */
    config: z.record(z.string(), z.unknown(), { message: 'must be an object' }).optional(),
    blueprint: z.unknown().optional(),
    enabled: z.boolean({ message: 'must be true or false' }).optional(),
    change_summary: z.string().max(500, 'must be at most 500 characters').optional(),
  })
  .meta({ id: 'UpdateRequest', description: 'Changes to an integration; each save that changes something is a new revision.' });

/** A request body checked at the boundary: unknown keys named (with the near miss), then the schema. */
export function parseRequest<S extends z.ZodObject>(schema: S, body: unknown): z.output<S> {
  const input = body ?? {};
  const unknown = [...unknownKeys(input, Object.keys(schema.shape)), ...prototypeKeys((input as { config?: unknown }).config, 'config')];
  const parsed = schema.safeParse(input);
  const fields = [...unknown, ...(parsed.success ? [] : fieldIssues(parsed.error))];
  if (fields.length > 0) {
    throw new ApiError(400, 'invalid_request', `The request body is invalid: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  }
  return parsed.data as z.output<S>;
}

/**
 * Every own `__proto__` key in a config (`config.__proto__`). JSON makes it an ordinary key, but
 * zod's copy of a record assigns it, which sets a prototype instead: the field would vanish without
 * a word. Named as unknown, like any other key that is not a field. (Blueprints are checked whole
 * by the contract, which names it already.)
 */
function prototypeKeys(input: unknown, prefix: string): FieldIssue[] {
  const found: FieldIssue[] = [];
  const stack: { value: unknown; path: string }[] = [{ value: input, path: prefix }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key === '__proto__') found.push({ field: at, message: 'is not a known field' });
      stack.push({ value: (value as Record<string, unknown>)[key], path: at });
    }
  }
  return found;
}
