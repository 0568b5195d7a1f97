import type { DeliveryResult } from '@datafly/heap-integration/contract';
import { INSTALLATION_CODES } from '@datafly/heap-integration/contract';
import type { CountedOutcome, DeliveryLogEntry } from '../store/delivery-logs.js';
import type { Outcome } from '../store/queue.js';
import type { ClaimedEvent } from './claimed-event.js';
import type { RetryPolicy } from '../../common/retry-policy.js';
import type { QualityTally } from '../store/data-quality.js';
import { tallyWarnings } from './quality-tally.js';

/** Everything a batch's settle writes, and what it says about the integration as a whole. */
export interface BatchVerdict {
  outcomes: { id: number; outcome: Outcome }[];
  logs: DeliveryLogEntry[];
  counts: Partial<Record<CountedOutcome, number>>;
  /** An installation-level failure: hold the events, pause the integration until its config changes. */
  pause?: { code: string; message: string };
  /** Every event that went failed for a transient reason: the vendor looks down (or asked to wait). */
  outage?: { retryAfterMs?: number; code: string; message: string };
  /** The vendor answered at least one call (delivered, or refused an event on its merits). */
  answered: boolean;
  /** Seconds from acceptance to delivery, per delivered event. */
  latencies: number[];
  /** A Retry-After longer than the cap, which was shortened to it. */
  cappedRetryAfterMs?: number;
  /** The warnings of the events that finished, for the data-quality counts. */
  quality: QualityTally[];
}

const TRANSIENT = new Set(['network_error', 'timeout', 'server_error', 'rate_limited']);

export interface VerdictContext {
  integrationId: string;
  /** The integration revision the batch ran under. */
  revision: number;
  instanceId: string;
  retry: RetryPolicy;
  now: number;
  durationMs: number;
}

/**
 * Turns the adapter's results for the events a batch sent into outcomes, delivery logs and counts.
 * Pure. Retries of one batch share one jittered delay per attempt count, so they come back together
 * and go out as full bulks again rather than one by one.
 */
export function judgeBatch(sent: readonly ClaimedEvent[], results: readonly DeliveryResult[], ctx: VerdictContext): BatchVerdict {
  const verdict: BatchVerdict = { outcomes: [], logs: [], counts: {}, answered: false, latencies: [], quality: [] };
  const delays = new Map<string, ReturnType<RetryPolicy['delayAfter']>>();
  const createdAt = new Date(ctx.now).toISOString();
  let transient = 0;
  let retryAfterMs: number | undefined;
  let firstFailure: { code: string; message: string } | undefined;

  sent.forEach((item, i) => {
    const result = results[i];
    const attempts = item.attempts + 1;
    const held = result.code !== undefined && INSTALLATION_CODES.has(result.code);
    // A held event waits: its log says so (retryable), whatever the adapter called the call.
    verdict.logs.push(logEntry(item, held ? { ...result, status: 'retryable' } : result, ctx, createdAt));
    const bump = (status: CountedOutcome) => (verdict.counts[status] = (verdict.counts[status] ?? 0) + 1);
    if (held) {
      // Not the event's fault: held as it is, no attempt spent, until an operator fixes the config.
      verdict.pause ??= { code: result.code!, message: result.message ?? result.code! };
      verdict.outcomes.push({ id: item.id, outcome: { kind: 'defer', nextAt: ctx.now } });
      bump('retryable');
      return;
    }
    const detail = { attempts, status: result.status, code: result.code, reason: result.message ?? result.status, httpStatus: result.httpStatus };
    switch (result.status) {
      case 'delivered':
        verdict.answered = true;
        verdict.latencies.push((ctx.now - item.acceptedAt) / 1000);
        verdict.outcomes.push({ id: item.id, outcome: { kind: 'done' } });
        bump('delivered');
        return;
      case 'filtered':
        verdict.outcomes.push({ id: item.id, outcome: { kind: 'done' } });
        bump('filtered');
        return;
      case 'failed':
        if (result.httpStatus !== undefined) verdict.answered = true;
        // Counted once, as failed: the overview's dead are the events that ran out of attempts or time.
        verdict.outcomes.push({ id: item.id, outcome: { kind: 'dead', ...detail } });
        bump('failed');
        return;
      case 'retryable': {
        if (result.code !== undefined && TRANSIENT.has(result.code)) {
          transient++;
          firstFailure ??= { code: result.code, message: result.message ?? result.code };
        }
        if (result.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, result.retryAfterMs);
        if (attempts >= ctx.retry.maxAttempts) {
          // The last attempt is counted as dead only: no retry follows it.
          verdict.outcomes.push({ id: item.id, outcome: { kind: 'dead', ...detail, reason: `gave up after ${attempts} attempts: ${detail.reason}` } });
          bump('dead');
          return;
        }
        bump('retryable');
        const key = `${attempts}:${result.retryAfterMs ?? ''}`;
        let delay = delays.get(key);
        if (!delay) delays.set(key, (delay = ctx.retry.delayAfter(attempts, result.retryAfterMs)));
        if (delay.cappedFromMs !== undefined) verdict.cappedRetryAfterMs = Math.max(verdict.cappedRetryAfterMs ?? 0, delay.cappedFromMs);
        verdict.outcomes.push({ id: item.id, outcome: { kind: 'retry', ...detail, nextAt: ctx.now + delay.delayMs } });
        return;
      }
    }
  });
  verdict.quality = tallyWarnings(sent, results, verdict.outcomes);
  if (sent.length > 0 && transient === sent.length && firstFailure) {
    verdict.outage = { retryAfterMs: retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, ctx.retry.retryAfterCapMs), ...firstFailure };
  }
  return verdict;
}

/**
 * The delivery log of an event's attempt, before the attempt changed anything: what an operator reads.
 * The calls an attempt became are kept as sent unless it was delivered: those are what most events
 * become, and they follow from the stored event and the revision (the event trace recomputes them),
 * so each delivered event is not written a second time in its vendor's format.
 */
export function logEntry(item: ClaimedEvent, result: DeliveryResult, ctx: Pick<VerdictContext, 'integrationId' | 'revision' | 'instanceId' | 'durationMs'>, createdAt: string): DeliveryLogEntry {
  return {
    integration_id: ctx.integrationId,
    message_id: item.messageId,
    event_type: item.type,
    event_name: item.name,
    attempt: item.attempts + 1,
    status: result.status,
    http_status: result.httpStatus,
    code: result.code,
    message: result.message,
    response: result.response,
    warnings: result.warnings,
    duration_ms: ctx.durationMs,
    created_at: createdAt,
    user_id: idText(item.userId),
    anonymous_id: idText(item.anonymousId),
    payload_id: item.id,
    calls: result.status === 'delivered' ? undefined : result.calls,
    instance_id: ctx.instanceId,
    revision: ctx.revision,
  };
}

function idText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}
