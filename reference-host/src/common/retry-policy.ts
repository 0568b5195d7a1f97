/**
 * When a retryable event is tried again. The default spans a day over 5 attempts, as the host's
 * documentation promises: 1 min, 10 min, 2 h, then 21 h after the previous attempt.
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [60_000, 600_000, 7_200_000, 75_600_000];

/** The longest a vendor's Retry-After is honoured by default: a day-long ask would park events for a day. */
export const DEFAULT_RETRY_AFTER_CAP_MS = 3_600_000;

export class RetryPolicy {
  /** Attempts in all: the first plus one per schedule step. */
  readonly maxAttempts: number;

  constructor(
    readonly scheduleMs: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS,
    private readonly random: () => number = Math.random,
    readonly retryAfterCapMs: number = DEFAULT_RETRY_AFTER_CAP_MS,
  ) {
    if (scheduleMs.length === 0 || scheduleMs.some((ms) => !Number.isFinite(ms) || ms < 0)) {
      throw new Error('the retry schedule needs at least one non-negative delay in ms');
    }
    this.maxAttempts = scheduleMs.length + 1;
  }

  /**
   * How long an event may wait for an attempt it never gets (its integration paused, its vendor down):
   * the whole schedule with its largest jitter, so no event that is still being tried ever reaches it.
   */
  get waitLimitMs(): number {
    return Math.ceil(this.scheduleMs.reduce((a, b) => a + b, 0) * 1.25);
  }

  /** The first step: also the longest an integration backs off while its vendor looks down. */
  get firstDelayMs(): number {
    return this.scheduleMs[0];
  }

  /**
   * The delay after the `attempt`-th failed attempt (1-based): the schedule's step with ±20% jitter
   * (drawn once per batch by the caller, so a batch comes back as one), never sooner than the vendor's
   * Retry-After, which itself is honoured up to `retryAfterCapMs`.
   */
  delayAfter(attempt: number, retryAfterMs?: number): { delayMs: number; cappedFromMs?: number } {
    const base = this.scheduleMs[Math.min(attempt, this.scheduleMs.length) - 1];
    const jittered = Math.round(base * (0.8 + 0.4 * this.random()));
    const asked = retryAfterMs ?? 0;
    const honoured = Math.min(asked, this.retryAfterCapMs);
    return { delayMs: Math.max(jittered, honoured), cappedFromMs: asked > this.retryAfterCapMs ? asked : undefined };
  }
}
