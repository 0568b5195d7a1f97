import type { DeliveryCode } from '../contract/index.js';

/** What one call to Heap came to, for the events it carried. */
export type Verdict =
  /** No httpStatus when nothing had to be sent (a merge Heap already has). */
  | { kind: 'delivered'; httpStatus?: number; response: string }
  /** 400/413: Heap refused the items. A bulk request is halved and resent, to isolate the bad ones. */
  | { kind: 'split'; httpStatus: number; code: DeliveryCode; message: string; response: string }
  | { kind: 'failed'; httpStatus?: number; code: DeliveryCode; message: string; response?: string }
  | { kind: 'retryable'; httpStatus?: number; code: DeliveryCode; message: string; retryAfterMs?: number; response?: string };

export type NotDelivered = Exclude<Verdict, { kind: 'delivered' }>;

/** Which verdict speaks for an event whose calls ended differently: anything transient first, so a retry can still fix it. */
const SEVERITY: Record<Verdict['kind'], number> = { retryable: 3, failed: 2, split: 2, delivered: 1 };

/** The verdict that speaks for an event, of the one so far and a new one. On a tie, an answer Heap gave speaks before a call that was not needed. */
export function speaking(current: Verdict | undefined, next: Verdict): Verdict {
  if (!current) return next;
  const [a, b] = [SEVERITY[current.kind], SEVERITY[next.kind]];
  return b > a || (b === a && current.httpStatus === undefined && next.httpStatus !== undefined) ? next : current;
}
