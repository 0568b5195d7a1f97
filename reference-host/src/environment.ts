import { z } from 'zod';
import { DEFAULT_RETRY_AFTER_CAP_MS, DEFAULT_RETRY_SCHEDULE_MS } from './common/retry-policy.js';

/**
 * Every environment variable `npm start` reads, in one schema: the README's table is this list.
 * A bad value is refused in one line naming the variable and what it expects (never echoing a secret).
 */
const whole = (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be ${what}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be ${what}`);
const onOff = z.enum(['on', 'off'], { message: 'must be on or off' });
const secretToken = z.string().regex(/^\S{16,}$/, 'must be at least 16 characters without spaces');

export const EnvironmentSchema = z.object({
  PORT: whole('a port number from 0 to 65535', 0, 65_535).default(8084),
  HOST: z.string().trim().min(1, 'must be an address to listen on').default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, 'must be a directory path').default('.data'),
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => /^postgres(ql)?:\/\/./.test(v) && URL.canParse(v), 'must be a postgres:// URL, e.g. postgres://user:password@db.internal:5432/datafly')
    .optional(),
  DATABASE_POOL_SIZE: whole('a whole number of connections from 1 to 100', 1, 100).default(10),
  DATAFLY_INIT_DATABASE: z.enum(['0', '1'], { message: 'must be 1 (initialise an empty database file) or 0' }).default('0'),
  DATAFLY_ADMIN_TOKEN: secretToken.optional(),
  DATAFLY_PIPELINE_KEY: secretToken.optional(),
  DATAFLY_SECRET_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (32 bytes), e.g. from: openssl rand -hex 32').optional(),
  DATAFLY_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores').optional(),
  DATAFLY_RETRY_SCHEDULE_MS: z
    .string()
    .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, 'must be comma-separated milliseconds, e.g. 60000,600000,7200000,75600000')
    .transform((s) => s.split(',').map((x) => Number(x.trim())))
    .default([...DEFAULT_RETRY_SCHEDULE_MS]),
  DATAFLY_RETRY_AFTER_MAX_MS: whole('a whole number of milliseconds (the longest Retry-After honoured)', 0).default(DEFAULT_RETRY_AFTER_CAP_MS),
  DATAFLY_LOG_RETENTION_DAYS: whole('a whole number of days, at least 1', 1, 36_500).default(30),
  DATAFLY_RATE_LIMITS: onOff.default('on'),
  DATAFLY_RATE_LIMIT_SCALE: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .refine((n) => n > 0, 'must be a positive number')
    .default(1),
  DATAFLY_DELIVERY_CONCURRENCY: whole('a whole number of batches from 1 to 32', 1, 32).default(4),
  DATAFLY_DELIVERY_THREAD: onOff.default('on'),
  DATAFLY_BATCH_WAIT_MS: whole('a whole number of milliseconds', 0, 60_000).optional(),
  DATAFLY_LEASE_MS: whole('a whole number of milliseconds, at least 200', 200).default(30_000),
  DATAFLY_CONFIG_POLL_MS: whole('a whole number of milliseconds from 50 to 60000', 50, 60_000).default(1000),
  DATAFLY_MAX_BODY_BYTES: whole('a whole number of bytes from 1024', 1024).default(5 * 1024 * 1024),
  DATAFLY_MAX_CONCURRENT_BODIES: whole('a whole number from 1 to 256', 1, 256).default(8),
  DATAFLY_BODY_TIMEOUT_MS: whole('a whole number of milliseconds from 100 to 600000', 100, 600_000).default(30_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { message: 'must be debug, info, warn or error' }).default('info'),
  HEAP_SANDBOX: onOff.default('on'),
  HEAP_SANDBOX_PORT: whole('a port number from 0 to 65535', 0, 65_535).default(8085),
  HEAP_SANDBOX_APP_ID: z.string().regex(/^\d+$/, 'must be a numeric Heap App ID').default('1234567890'),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

/** The variables of this schema that hold secrets: their values never appear in a message. */
const SECRET_VARIABLES = new Set(['DATAFLY_ADMIN_TOKEN', 'DATAFLY_PIPELINE_KEY', 'DATAFLY_SECRET_KEY', 'DATABASE_URL']);

/** Reads the environment; answers the settings, or one line per bad variable. */
export function readEnvironment(env: NodeJS.ProcessEnv): { ok: true; settings: Environment } | { ok: false; problems: string[] } {
  // An empty variable counts as unset, as shells leave them.
  const given = Object.fromEntries(Object.keys(EnvironmentSchema.shape).flatMap((k) => (env[k] !== undefined && env[k] !== '' ? [[k, env[k]]] : [])));
  const parsed = EnvironmentSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = SECRET_VARIABLES.has(name) ? name : `${name}=${JSON.stringify(given[name])}`;
      return `${shown}: ${issue.message}`;
    });
    return { ok: false, problems: [...new Set(problems)] };
  }
  const settings = parsed.data;
  if (settings.DATABASE_URL) {
    const missing = (['DATAFLY_SECRET_KEY', 'DATAFLY_ADMIN_TOKEN', 'DATAFLY_PIPELINE_KEY'] as const).filter((k) => settings[k] === undefined);
    if (missing.length > 0) {
      return {
        ok: false,
        problems: missing.map((k) => `${k}: must be set when DATABASE_URL is (PostgreSQL mode): every instance of a cluster must use the same value`),
      };
    }
  }
  return { ok: true, settings };
}
