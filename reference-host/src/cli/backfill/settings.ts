import { z } from 'zod';
import { EnvironmentSchema } from '../../environment.js';
import { UsageError } from '../failures.js';

/**
 * The host's settings a backfill shares with it, read from the same variables with the same rules
 * and defaults (one source of truth): retry schedule and Retry-After cap, rate-limit scale, how long
 * a batch's answer may take, batches in flight, the largest event. Plus how often plain progress lines
 * are printed.
 */
const BackfillEnvironmentSchema = EnvironmentSchema.pick({
  DATAFLY_RETRY_SCHEDULE_MS: true,
  DATAFLY_RETRY_AFTER_MAX_MS: true,
  DATAFLY_RATE_LIMIT_SCALE: true,
  DATAFLY_LEASE_MS: true,
  DATAFLY_DELIVERY_CONCURRENCY: true,
  DATAFLY_MAX_BODY_BYTES: true,
}).extend({
  HEAP_BACKFILL_PROGRESS_MS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .default(5000),
});

export interface BackfillSettings {
  retryScheduleMs: number[];
  retryAfterCapMs: number;
  rateLimitScale: number;
  /** The longest a batch's answer can take (the host's lease): a take from a full bucket freezes it at most this long. */
  holdMaxMs: number;
  concurrency: number;
  /** A line longer than the host takes as a request body is rejected unread. */
  maxLineBytes: number;
  progressIntervalMs: number;
}

/** The settings, or a usage error naming the variable and what it expects. */
export function backfillSettings(env: NodeJS.ProcessEnv): BackfillSettings {
  // An empty variable counts as unset, as the host reads them.
  const given = Object.fromEntries(Object.keys(BackfillEnvironmentSchema.shape).flatMap((k) => (env[k] !== undefined && env[k] !== '' ? [[k, env[k]]] : [])));
  const parsed = BackfillEnvironmentSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    throw new UsageError(`${name}=${JSON.stringify(given[name])}: ${issue.message}`);
  }
  const s = parsed.data;
  return {
    retryScheduleMs: s.DATAFLY_RETRY_SCHEDULE_MS,
    retryAfterCapMs: s.DATAFLY_RETRY_AFTER_MAX_MS,
    rateLimitScale: s.DATAFLY_RATE_LIMIT_SCALE,
    holdMaxMs: s.DATAFLY_LEASE_MS,
    concurrency: s.DATAFLY_DELIVERY_CONCURRENCY,
    maxLineBytes: s.DATAFLY_MAX_BODY_BYTES,
    progressIntervalMs: s.HEAP_BACKFILL_PROGRESS_MS,
  };
}
