import type { DataflyEvent, RateLimit } from '../contract/index.js';

/**
 * A token bucket: `capacity` tokens refilled evenly over `windowMs`. The host spends tokens before
 * it calls the vendor, so a vendor enforcing the same bucket never sees the host exceed it.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  private readonly rate: number;

  constructor(
    readonly capacity: number,
    windowMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
    this.rate = capacity / windowMs;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) * this.rate);
    this.at = now;
  }

  /** Takes `n` tokens if there are that many; `n` above capacity can never pass and is refused. */
  tryTake(n: number, now: number): boolean {
    this.refill(now);
    if (this.tokens + 1e-9 < n) return false;
    if (this.tokens >= this.capacity && this.fullTakeAt === undefined) this.fullTakeAt = now;
    this.tokens -= n;
    return true;
  }

  /** When a take found the bucket full, until the next `holdBack` (see there). */
  private fullTakeAt?: number;
  /** When the next token not yet promised to a held-back event will have flowed in. */
  private nextUnpromised = 0;

  /**
   * Promises the next free token to an event that must wait, and answers when to bring it back.
   * Times are rounded up to a tenth of the window, so a busy identity's events return in a few
   * full batches rather than one by one, and successive batches never promise the same token twice.
   */
  promise(now: number): number {
    this.refill(now);
    const firstFree = now + Math.max(0, (1 - this.tokens) / this.rate);
    this.nextUnpromised = Math.max(this.nextUnpromised, firstFree) + 1 / this.rate;
    const step = Math.max(1, Math.ceil(this.capacity / 10)) / this.rate;
    return now + Math.ceil((this.nextUnpromised - now) / step) * step;
  }

  /**
   * A bucket that was full when a request took from it starts draining, for the vendor, only when the
   * request arrives: at the latest when its answer is here (`now`). Taking back the refill since the
   * take keeps our bucket never fuller than the vendor's. (Below capacity, refill is the same whenever
   * a take is counted, so only a take from full needs this.)
   */
  holdBack(now: number): void {
    if (this.fullTakeAt === undefined) return;
    this.refill(now);
    this.tokens = Math.max(-this.capacity, this.tokens - (now - this.fullTakeAt) * this.rate);
    this.fullTakeAt = undefined;
  }

  /** Gives back tokens taken for something that did not go after all. */
  refund(n: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }

  /** Ms until `n` tokens are there (0 when they are); past capacity, until that many will have flowed in. */
  waitFor(n: number, now: number): number {
    this.refill(now);
    return this.tokens >= n ? 0 : Math.ceil((n - this.tokens) / this.rate);
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.capacity;
  }
}

export interface Admission {
  admitted: DataflyEvent[];
  /** Events an identity bucket refused, with when to try them again. */
  deferred: { event: DataflyEvent; retryAt: number }[];
}

/** The identity a vendor counts an event under: the userId once known, else the anonymousId. */
export function identityOf(event: DataflyEvent): string {
  const id = event.userId ?? event.anonymousId;
  return id === undefined || id === null ? '' : String(id);
}

/**
 * The manifest's rate limits for one installation: one bucket per app-scoped limit, one per
 * identity for identity-scoped ones. `scale` shrinks the windows (tests), `enabled: false` turns it off.
 */
export class InstallationLimiter {
  private readonly appBuckets: { limit: RateLimit; bucket: TokenBucket }[];
  private readonly identityLimits: RateLimit[];
  private readonly identityBuckets = new Map<string, TokenBucket>();
  /** The buckets the batch in flight took tokens from. */
  private inFlight = new Set<TokenBucket>();
  private lastSweep = 0;

  constructor(
    limits: readonly RateLimit[],
    private readonly scale: number,
    private readonly now: () => number,
  ) {
    this.appBuckets = limits.filter((l) => l.scope === 'app').map((limit) => ({ limit, bucket: new TokenBucket(limit.limit, limit.window_ms * scale, now()) }));
    this.identityLimits = limits.filter((l) => l.scope === 'identity');
  }

  /**
   * Splits a claimed batch: events whose identity is over a limit wait (without spending an attempt);
   * the rest may go once `appWaitMs` says the app-wide buckets hold enough tokens for them.
   */
  admit(events: readonly DataflyEvent[]): Admission {
    const now = this.now();
    this.sweep(now);
    const admitted: DataflyEvent[] = [];
    const deferred: Admission['deferred'] = [];
    for (const event of events) {
      const identity = identityOf(event);
      let wait = 0;
      const taken: TokenBucket[] = [];
      for (const limit of this.identityLimits) {
        if (!applies(limit, event)) continue;
        const key = `${limit.name}:${identity}`;
        let bucket = this.identityBuckets.get(key);
        if (!bucket) this.identityBuckets.set(key, (bucket = new TokenBucket(limit.limit, limit.window_ms * this.scale, now)));
        if (bucket.tryTake(1, now)) {
          taken.push(bucket);
          this.inFlight.add(bucket);
          continue;
        }
        wait = Math.max(wait, bucket.promise(now) - now);
      }
      if (wait > 0) {
        for (const bucket of taken) bucket.refund(1);
        deferred.push({ event, retryAt: now + wait });
      } else {
        admitted.push(event);
      }
    }
    return { admitted, deferred };
  }

  /** Ms until the app-wide buckets hold enough tokens for these events (0: send now). */
  appWaitMs(events: readonly DataflyEvent[]): number {
    const now = this.now();
    let waitMs = 0;
    for (const { limit, bucket } of this.appBuckets) {
      const n = events.filter((e) => applies(limit, e)).length;
      if (n > 0) waitMs = Math.max(waitMs, bucket.waitFor(n, now));
    }
    return waitMs;
  }

  /** Spends the app-wide tokens for a batch about to go (once `appWaitMs` is 0). */
  spend(events: readonly DataflyEvent[]): void {
    const now = this.now();
    for (const { limit, bucket } of this.appBuckets) {
      const n = events.filter((e) => applies(limit, e)).length;
      if (n === 0) continue;
      bucket.tryTake(Math.min(n, bucket.capacity), now);
      this.inFlight.add(bucket);
    }
  }

  /** The batch's answer is here: every bucket it drew on from full forgoes the refill since (see holdBack). */
  settle(): void {
    const now = this.now();
    for (const bucket of this.inFlight) bucket.holdBack(now);
    this.inFlight = new Set();
  }

  /** Full identity buckets hold no information: forget them so memory tracks active users only. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000 * this.scale) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.identityBuckets) if (bucket.isFull(now)) this.identityBuckets.delete(key);
  }
}

function applies(limit: RateLimit, event: DataflyEvent): boolean {
  return !limit.event_types || limit.event_types.includes(event.type);
}
