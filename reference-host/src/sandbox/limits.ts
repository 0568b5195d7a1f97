import { z } from 'zod';
import { zodProblem } from './problems.js';

const positive = (error: string) => z.number({ error }).positive({ error });
const perWindow = positive('must be a positive integer').int({ error: 'must be a positive integer' });

/** Heap's documented rate limits, as the sandbox enforces them; `scale` shrinks the windows so tests run in seconds. */
export const sandboxLimitsSchema = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }),
  /** Multiplies every window (0.01 turns a minute into 600 ms). */
  scale: positive('must be a positive number'),
  eventsPerAppPerMinute: perWindow,
  eventsPerIdentityPerMinute: perWindow,
  requestsPerIdentityPer30s: perWindow,
}, { error: (issue) => (issue.code === 'invalid_type' ? 'limits must be a JSON object' : undefined) });

export type SandboxLimits = z.infer<typeof sandboxLimitsSchema>;

export const HEAP_RATE_LIMITS: SandboxLimits = {
  enabled: true,
  scale: 1,
  eventsPerAppPerMinute: 15_000,
  eventsPerIdentityPerMinute: 1_000,
  requestsPerIdentityPer30s: 30,
};

/** Some of the limits, as `setLimits` and `POST /__sandbox/limits` take them; throws a RequestProblem naming the field. */
export function checkLimits(input: unknown): Partial<SandboxLimits> {
  const parsed = sandboxLimitsSchema.partial().safeParse(input);
  if (!parsed.success) throw zodProblem(parsed.error);
  return parsed.data;
}

/**
 * A token bucket per key: `capacity` tokens, refilled continuously over `windowMs`. This is the
 * leaky bucket others report for Heap; a client pacing itself with the same bucket never hits it.
 */
export class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {}

  /** Takes `n` tokens, or answers how many ms until they would be there. */
  take(key: string, n: number, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const rate = this.capacity / this.windowMs;
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= n) {
      bucket.tokens -= n;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((Math.min(n, this.capacity) - bucket.tokens) / rate) };
  }

  /** Gives tokens back when a later check refused the request. */
  refund(key: string, n: number): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.capacity, bucket.tokens + n);
  }
}

export class RateLimiter {
  private readonly perApp: Buckets;
  private readonly perIdentity: Buckets;
  private readonly singleCalls: Buckets;
  /** Requests the limiter refused, by limit name. */
  readonly refused: Record<string, number> = {};

  constructor(readonly config: SandboxLimits) {
    this.perApp = new Buckets(config.eventsPerAppPerMinute, 60_000 * config.scale);
    this.perIdentity = new Buckets(config.eventsPerIdentityPerMinute, 60_000 * config.scale);
    this.singleCalls = new Buckets(config.requestsPerIdentityPer30s, 30_000 * config.scale);
  }

  /**
   * Bulk track: events per app, events per identity. Single track and add_user_properties:
   * requests per identity. All or nothing: a refused request takes no tokens.
   */
  check(appId: string, kind: 'bulk_track' | 'single_call', identities: Map<string, number>, now: number): { ok: true } | { ok: false; retryAfterMs: number; limit: string } {
    if (!this.config.enabled) return { ok: true };
    const taken: [Buckets, string, number][] = [];
    const attempt = (buckets: Buckets, key: string, n: number, limit: string) => {
      const result = buckets.take(key, n, now);
      if (result.ok) {
        taken.push([buckets, key, n]);
        return undefined;
      }
      for (const [b, k, m] of taken) b.refund(k, m);
      this.refused[limit] = (this.refused[limit] ?? 0) + 1;
      return { ok: false as const, retryAfterMs: result.retryAfterMs, limit };
    };
    if (kind === 'bulk_track') {
      let total = 0;
      for (const n of identities.values()) total += n;
      const refused = attempt(this.perApp, appId, total, 'events_per_app');
      if (refused) return refused;
      for (const [identity, n] of identities) {
        const r = attempt(this.perIdentity, `${appId}:${identity}`, n, 'events_per_identity');
        if (r) return r;
      }
    } else {
      for (const identity of identities.keys()) {
        const r = attempt(this.singleCalls, `${appId}:${identity}`, 1, 'requests_per_identity');
        if (r) return r;
      }
    }
    return { ok: true };
  }
}
