import type { DataflyEvent, DeliveryAdapter, RateLimit } from '@datafly/heap-integration/contract';
import type { BucketAsk, BucketGrant, BucketReturn, RateLimitBuckets } from './rate-limit-buckets.js';

export interface Admission {
  /** Positions (in the events given) that may go now. */
  admitted: number[];
  /** Positions held back by a limit, with when to bring each back (no attempt is spent). */
  deferred: { index: number; retryAt: number }[];
  /** What to give back or thaw once the vendor answered (see RateLimitBuckets.settle). */
  settle: BucketReturn[];
}

/** The bucket of one limit an event counts against, as the adapter keys it. */
interface Need {
  bucket: string;
  limit: RateLimit;
}

/**
 * The manifest's rate limits for one installation, enforced on buckets every instance shares. Before
 * a batch goes, one statement takes what it needs from every bucket; events a bucket could not cover
 * wait (without spending an attempt) until the tokens promised to them have flowed in, rounded up to
 * a tenth of the window so they come back as a few full batches, not one by one. `unit: events` takes
 * a token per event; `unit: requests` one per bucket per batch (the batch is one bulk request per call).
 */
export class InstallationLimiter {
  constructor(
    private readonly catalogKey: string,
    private readonly limits: readonly RateLimit[],
    /** Multiplies every window (tests shrink a minute to milliseconds). */
    private readonly scale: number,
    private readonly adapter: Pick<DeliveryAdapter, 'rateLimitKey'>,
    /** The longest a batch's answer can take (its claim's lease): a take from full freezes refill at most this long. */
    private readonly holdMaxMs: number,
  ) {}

  async admit(events: readonly DataflyEvent[], buckets: RateLimitBuckets, now: number): Promise<Admission> {
    const needs: Need[][] = events.map((event) => this.needsOf(event));
    const asks = new Map<string, BucketAsk & { unit: RateLimit['unit'] }>();
    for (const list of needs) {
      for (const { bucket, limit } of list) {
        const ask = asks.get(bucket) ?? { key: bucket, capacity: limit.limit, windowMs: limit.window_ms * this.scale, want: 0, unit: limit.unit };
        ask.want = limit.unit === 'requests' ? 1 : ask.want + 1;
        asks.set(bucket, ask);
      }
    }
    if (asks.size === 0) return { admitted: events.map((_, i) => i), deferred: [], settle: [] };
    const grants = await buckets.take([...asks.values()], now, this.holdMaxMs);

    const left = new Map([...grants].map(([key, g]) => [key, g.granted]));
    const used = new Set<string>();
    const admitted: number[] = [];
    const deferred: Admission['deferred'] = [];
    needs.forEach((list, index) => {
      const blocked = list.filter(({ bucket }) => (left.get(bucket) ?? 0) < 1);
      if (blocked.length === 0) {
        for (const { bucket, limit } of list) {
          used.add(bucket);
          if (limit.unit === 'events') left.set(bucket, left.get(bucket)! - 1);
        }
        admitted.push(index);
        return;
      }
      deferred.push({ index, retryAt: Math.max(...blocked.map(({ bucket }) => this.comeBack(grants.get(bucket)!, asks.get(bucket)!, now))) });
    });

    const settle: BucketReturn[] = [];
    for (const ask of asks.values()) {
      const grant = grants.get(ask.key)!;
      const unused = ask.unit === 'requests' ? (used.has(ask.key) ? 0 : grant.granted) : (left.get(ask.key) ?? 0);
      if (unused > 0 || grant.fullTakeAt !== undefined) settle.push({ key: ask.key, capacity: ask.capacity, windowMs: ask.windowMs, want: unused, fullTakeAt: grant.fullTakeAt });
    }
    return { admitted, deferred, settle };
  }

  private needsOf(event: DataflyEvent): Need[] {
    const needs: Need[] = [];
    for (const limit of this.limits) {
      if (limit.event_types && !limit.event_types.includes(event.type)) continue;
      const key = rateLimitKeyOf(this.adapter, limit, event);
      if (key !== undefined) needs.push({ bucket: bucketKey(this.catalogKey, limit, key), limit });
    }
    return needs;
  }

  /** When the tokens promised to held-back events will be there, in steps of a tenth of the window. */
  private comeBack(grant: BucketGrant, ask: BucketAsk, now: number): number {
    const step = (Math.max(1, Math.ceil(ask.capacity / 10)) * ask.windowMs) / ask.capacity;
    const wait = Math.max(grant.promisedUntil - now, 1);
    return now + Math.ceil(wait / step) * step;
  }
}

/** A bucket's key in the shared store: one per plugin, limit and vendor key (installations of one account share it). */
export function bucketKey(catalogKey: string, limit: RateLimit, key: string): string {
  return `${catalogKey}:${limit.name}:${key}`;
}

/** What every installation of a plugin without `rateLimitKey` counts an app-wide limit against. */
export const SHARED_LIMIT_KEY = 'shared';

/**
 * The adapter's key for a limit, or the host's own when the adapter names none: one bucket per
 * app-wide limit, shared by every installation of the plugin (the vendor's accounts are unknown, so
 * none can exceed it), and no per-user counting (users are the vendor's to identify).
 */
export function rateLimitKeyOf(adapter: Pick<DeliveryAdapter, 'rateLimitKey'>, limit: RateLimit, event?: DataflyEvent): string | undefined {
  if (adapter.rateLimitKey) return adapter.rateLimitKey(limit, event);
  return limit.scope === 'app' ? SHARED_LIMIT_KEY : undefined;
}
