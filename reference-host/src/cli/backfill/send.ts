import { setTimeout as sleep } from 'node:timers/promises';
import type { DataflyEvent, DeliveryAdapter, DeliveryResult } from '@datafly/heap-integration/contract';
import { INSTALLATION_CODES } from '@datafly/heap-integration/contract';
import type { InstallationLimiter } from '../../common/pacing/rate-limits.js';
import type { RetryPolicy } from '../../common/retry-policy.js';
import type { RateLimitBuckets } from '../../common/pacing/rate-limit-buckets.js';
import type { LineEvent } from './batches.js';
import type { Reject } from './rejects.js';

/** How a batch ended: every event settled, or the run stops before it did. */
export type BatchOutcome =
  | { kind: 'settled'; delivered: number; filtered: number; retried: number; rejects: Reject[] }
  /** Stopped (a signal, or another batch's fatal answer) with events still to send: not settled. */
  | { kind: 'abandoned' }
  /** Heap refused the installation itself (credentials, endpoint, TLS): every batch would end so. */
  | { kind: 'fatal'; message: string };

/** The host's token buckets, as its worker uses them. */
export interface Pacing {
  limiter: InstallationLimiter;
  buckets: RateLimitBuckets;
  /** The longest a batch's answer can take: a take from a full bucket freezes it at most this long. */
  holdMaxMs: number;
}

export interface Sending {
  adapter: Pick<DeliveryAdapter, 'deliver'>;
  pacing?: Pacing;
  retry: RetryPolicy;
  stop: AbortSignal;
  clock: () => number;
  /** Said to the person running it: a wait they would otherwise wonder about. */
  notice(text: string): void;
}

interface Pending {
  item: LineEvent;
  /** Attempts that ended retryable. */
  failures: number;
  dueAt: number;
}

/**
 * Sends one batch until every event in it is settled: delivered, filtered, or rejected. As the
 * host's worker does: the limiter admits what Heap's limits allow now and holds the rest until the
 * time it promises them (no attempt spent); retryable results come back after the retry policy's
 * delay (one delay per attempt count and Retry-After, so they return together), until the policy's
 * last attempt, then they are rejected with the reason.
 */
export async function sendBatch(events: readonly LineEvent[], s: Sending): Promise<BatchOutcome> {
  const settled = { kind: 'settled' as const, delivered: 0, filtered: 0, retried: 0, rejects: [] as Reject[] };
  let pending: Pending[] = events.map((item) => ({ item, failures: 0, dueAt: 0 }));
  while (pending.length > 0) {
    const wait = Math.min(...pending.map((p) => p.dueAt)) - s.clock();
    if (wait > 0) await sleep(wait, undefined, { signal: s.stop }).catch(() => undefined);
    if (s.stop.aborted) return { kind: 'abandoned' };
    const now = s.clock();
    const due = pending.filter((p) => p.dueAt <= now);
    const later = pending.filter((p) => p.dueAt > now);

    let admitted = due;
    const admission = s.pacing ? await s.pacing.limiter.admit(due.map((p) => p.item.event), s.pacing.buckets, now) : undefined;
    if (admission) {
      for (const { index, retryAt } of admission.deferred) later.push({ ...due[index], dueAt: retryAt });
      admitted = admission.admitted.map((i) => due[i]);
    }
    let fatal: string | undefined;
    if (admitted.length > 0) {
      settled.retried += admitted.filter((p) => p.failures > 0).length;
      const results = await deliverSafely(s.adapter, admitted.map((p) => p.item.event));
      const answeredAt = s.clock();
      const delays = new Map<string, number>();
      results.forEach((result, i) => {
        const p = admitted[i];
        if (result.code !== undefined && INSTALLATION_CODES.has(result.code)) {
          fatal ??= result.message ?? result.code;
          return;
        }
        if (result.status === 'delivered') settled.delivered++;
        else if (result.status === 'filtered') settled.filtered++;
        else if (result.status === 'failed') settled.rejects.push(reject(p.item, reason(result)));
        else {
          const failures = p.failures + 1;
          if (failures >= s.retry.maxAttempts) {
            settled.rejects.push(reject(p.item, `gave up after ${failures} attempts: ${reason(result)}`));
            return;
          }
          const key = `${failures}:${result.retryAfterMs ?? ''}`;
          if (!delays.has(key)) {
            const delayMs = s.retry.delayAfter(failures, result.retryAfterMs).delayMs;
            delays.set(key, delayMs);
            if (delayMs >= 1000) s.notice(`${reason(result)}: retrying in ${Math.round(delayMs / 1000)} s (attempt ${failures + 1} of ${s.retry.maxAttempts})`);
          }
          later.push({ item: p.item, failures, dueAt: answeredAt + delays.get(key)! });
        }
      });
    }
    if (admission) await s.pacing!.buckets.settle(admission.settle, s.clock(), s.pacing!.holdMaxMs);
    if (fatal !== undefined) return { kind: 'fatal', message: fatal };
    pending = later;
  }
  settled.rejects.sort((a, b) => a.line - b.line);
  return settled;
}

/** The adapter promises one result per event, in order; a broken promise makes the events retryable, as the host's worker treats it. */
async function deliverSafely(adapter: Pick<DeliveryAdapter, 'deliver'>, events: DataflyEvent[]): Promise<DeliveryResult[]> {
  try {
    const results = await adapter.deliver(events);
    if (results.length === events.length && results.every((r, i) => r.messageId === events[i].messageId)) return results;
  } catch {
    // Treated below, like an answer that does not fit.
  }
  return events.map((e) => ({ messageId: e.messageId, status: 'retryable', code: 'unexpected_status', message: 'the delivery adapter failed unexpectedly', warnings: [] }));
}

function reason(result: DeliveryResult): string {
  return result.message ?? result.code ?? result.status;
}

function reject(item: LineEvent, why: string): Reject {
  return { line: item.line, reason: why, text: item.text, json: true };
}

/** A dry run's "send": what the adapter's preview says would happen to each event. Nothing goes out. */
export function previewBatch(adapter: Pick<DeliveryAdapter, 'preview'>, events: readonly LineEvent[]): BatchOutcome {
  const outcome = { kind: 'settled' as const, delivered: 0, filtered: 0, retried: 0, rejects: [] as Reject[] };
  adapter.preview(events.map((e) => e.event)).results.forEach((result, i) => {
    if (result.status === 'send') outcome.delivered++;
    else if (result.status === 'filtered') outcome.filtered++;
    else outcome.rejects.push(reject(events[i], result.message ?? result.code ?? result.status));
  });
  return outcome;
}
