/**
 * When a retryable event is tried again. The default spans a day over 5 attempts, as the host's
 * documentation promises: 1 min, 10 min, 2 h, then 21 h after the previous attempt.
 */
export const DEFAULT_RETRY_SCHEDULE_MS = [60_000, 600_000, 7_200_000, 75_600_000];

export class RetryPolicy {
  /** Attempts in all: the first plus one per schedule step. */
  readonly maxAttempts: number;

  constructor(
    private readonly scheduleMs: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS,
    private readonly random: () => number = Math.random,
  ) {
    if (scheduleMs.length === 0 || scheduleMs.some((ms) => !Number.isFinite(ms) || ms < 0)) {
      throw new Error('the retry schedule needs at least one non-negative delay in ms');
    }
    this.maxAttempts = scheduleMs.length + 1;
  }

  /**
   * The delay after the `attempt`-th failed attempt (1-based): the schedule's step with ±20% jitter
   * so a burst of failures does not come back as one burst, never sooner than the vendor's Retry-After.
   */
  delayAfter(attempt: number, retryAfterMs?: number): number {
    const base = this.scheduleMs[Math.min(attempt, this.scheduleMs.length) - 1];
    const jittered = Math.round(base * (0.8 + 0.4 * this.random()));
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  /** Parses `DATAFLY_RETRY_SCHEDULE_MS=100,200,400,800`. */
  static parse(text: string | undefined): RetryPolicy {
    if (!text) return new RetryPolicy();
    const steps = text.split(',').map((s) => Number(s.trim()));
    if (steps.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`DATAFLY_RETRY_SCHEDULE_MS must be comma-separated milliseconds, got "${text}"`);
    return new RetryPolicy(steps);
  }
}
