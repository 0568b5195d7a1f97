import { z } from 'zod';
import { sandboxLimitsSchema } from './limits.js';
import { zodProblem } from './problems.js';
import { APP_ID_PATTERN } from './validate.js';

const appId = z.string({ error: 'must be a numeric app_id' }).regex(APP_ID_PATTERN, { error: 'must be a numeric app_id' });
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const error = max === Number.MAX_SAFE_INTEGER ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const credentialsSchema = z.strictObject({ app_id: appId, api_key: z.string().min(1, { error: 'must not be empty' }) });
export type SandboxCredentials = z.infer<typeof credentialsSchema>;

/** How a HeapSandbox is told what to be; the CLI builds the same object from its flags. */
export const sandboxOptionsSchema = z.strictObject({
  /** 0 or none: any free port. */
  port: integer(0, 65_535).optional(),
  host: z.string().min(1, { error: 'must not be empty' }).default('127.0.0.1'),
  /** The app_id/api_key pairs `auth_token` accepts; their app ids are apps of the sandbox's account. */
  credentials: z.array(credentialsSchema).default([]),
  /** More app ids of the account (track and the other ingestion calls only need an app_id), or `'*'` for any (benchmarks with many apps). */
  appIds: z.union([z.array(appId), z.literal('*')], { error: 'must be a list of numeric app_ids or "*"' }).default([]),
  /** An app_id the account does not have: `drop` (200, nothing kept; the default) or `reject` (400). */
  unknownAppIds: z.enum(['drop', 'reject'], { error: 'must be drop or reject' }).default('drop'),
  limits: sandboxLimitsSchema.partial().optional(),
  /** Seed for fractional faults. */
  seed: z.number().int().default(42),
  /** How many requests and events the sandbox keeps for inspection (counters are always exact). */
  maxRecorded: integer(0).default(50_000),
  /** Largest request body it reads; past it, 413. */
  maxBodyBytes: integer(1).default(10 * 1024 * 1024),
  /** How much of each request's raw body it keeps (`raw_body`); past it the text is cut and `raw_body_truncated` set; 0 keeps none. */
  maxRawBodyBytes: integer(0).default(1024 * 1024),
  /** When set, a user deletion is complete this long after it was requested; by default, once its status has been polled. */
  deletionDelayMs: integer(0).optional(),
});

export type SandboxOptions = z.input<typeof sandboxOptionsSchema>;
export type ResolvedSandboxOptions = z.output<typeof sandboxOptionsSchema>;

export function resolveOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const parsed = sandboxOptionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`Heap sandbox option ${zodProblem(parsed.error).message}`);
  return parsed.data;
}
