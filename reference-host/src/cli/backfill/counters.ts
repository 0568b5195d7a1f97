/** What a backfill has done, in the summary's words. */
export interface Counters {
  /** Lines that held something. */
  read: number;
  /** Delivered to Heap (in a dry run: would be sent). */
  delivered: number;
  /** Filtered by the blueprint or by consent: counted, not rejected. */
  filtered: number;
  /** Written to the rejects file. */
  rejected: number;
  /** Sends of an event again after a retryable answer. */
  retried: number;
  seconds: number;
}

export const noCounters = (): Counters => ({ read: 0, delivered: 0, filtered: 0, rejected: 0, retried: 0, seconds: 0 });

export function addCounters(a: Counters, b: Counters): Counters {
  return {
    read: a.read + b.read,
    delivered: a.delivered + b.delivered,
    filtered: a.filtered + b.filtered,
    rejected: a.rejected + b.rejected,
    retried: a.retried + b.retried,
    seconds: a.seconds + b.seconds,
  };
}
