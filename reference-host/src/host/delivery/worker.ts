import type { CatalogManifest, DataflyEvent, DeliveryAdapter, DeliveryResult, Logger } from '@datafly/heap-integration/contract';
import { consentDenial } from '@datafly/heap-integration/contract';
import type { IntegrationDirectory } from '../integrations/directory.js';
import type { Integration } from '../integrations/model.js';
import type { DeliveryMetrics } from '../metrics.js';
import type { DeletedUsers } from '../privacy/deleted-users.js';
import type { CountedOutcome, DeliveryLogEntry } from '../store/delivery-logs.js';
import type { Outcome, QueuedEvent } from '../store/queue.js';
import type { BucketReturn } from '../../common/pacing/rate-limit-buckets.js';
import type { Store } from '../store/store.js';
import { errorText } from '../../common/error-text.js';
import { judgeBatch, logEntry, type BatchVerdict } from './batch-verdict.js';
import { claimedEvent, type ClaimedEvent } from './claimed-event.js';
import { InstallationLimiter } from '../../common/pacing/rate-limits.js';
import type { RetryPolicy } from '../../common/retry-policy.js';

export interface WorkerOptions {
  instanceId: string;
  retry: RetryPolicy;
  /** Overrides the manifest's `batching.max_wait_ms`: how long a partial batch may wait to fill. */
  batchWaitMs?: number;
  rateLimits: boolean;
  rateLimitScale: number;
  /** Batches of one integration in flight at once on this instance. */
  concurrency: number;
  leaseMs: number;
  idlePollMs: number;
  clock: () => number;
}

export interface WorkerDeps {
  store: Store;
  directory: IntegrationDirectory;
  metrics: DeliveryMetrics;
  deletedUsers: DeletedUsers;
  /** Claims in flight, so the scheduler keeps their leases alive. */
  claims: Set<number>;
}

/** What a batch writes for the events it did not send (filtered, or held back by a rate limit). */
interface Unsent {
  outcomes: { id: number; outcome: Outcome }[];
  logs: DeliveryLogEntry[];
  counts: Partial<Record<CountedOutcome, number>>;
}

/** A batch once admitted: the events to send (`events`, and `sent` beside them for the settle), and what it decided before. */
interface Admitted {
  claimed: ClaimedEvent[];
  before: Unsent;
  events: DataflyEvent[];
  sent: ClaimedEvent[];
  buckets: BucketReturn[];
}

/** The longest a worker waits after the store failed it, before looking again. */
const STORE_RETRY_MAX_MS = 5000;

/**
 * Delivers one integration's queue on this instance: claim → deliver → settle, with up to
 * `concurrency` batches in flight. A paused integration claims nothing; one whose vendor looks down
 * sends single-event probes until an answer comes, then full batches again.
 */
export class IntegrationWorker {
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limiter?: InstallationLimiter;
  private storeFailures = 0;

  constructor(
    readonly integration: Integration,
    private readonly manifest: CatalogManifest,
    private readonly adapter: DeliveryAdapter,
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {
    if (options.rateLimits) this.limiter = new InstallationLimiter(integration.catalogKey, manifest.rate_limits, options.rateLimitScale, adapter, options.leaseMs);
  }

  get id(): string {
    return this.integration.id;
  }

  start(): void {
    this.loop = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Batches of this worker still being delivered or settled. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Finishes the batches in flight (their answers are settled), then releases the adapter. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await this.adapter.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let waitMs: number;
      try {
        waitMs = await this.step();
        if (this.storeFailures > 0) this.logger.info('the store answers again; delivery continues', { after_failures: this.storeFailures });
        this.storeFailures = 0;
      } catch (error) {
        if (this.storeFailures++ === 0) this.logger.warn('the store failed a query; delivery waits and tries again', { error: errorText(error) });
        waitMs = Math.min(STORE_RETRY_MAX_MS, 100 * 2 ** this.storeFailures);
      }
      if (waitMs > 0 && !this.stopping) await this.pause(waitMs);
    }
    await Promise.allSettled(this.inFlight);
  }

  /** One look at the queue: starts a batch (answers 0), or answers how long to wait before looking again. */
  private async step(): Promise<number> {
    const { store, directory } = this.deps;
    const now = this.options.clock();
    const status = directory.status(this.id);
    if (status.paused) return this.options.idlePollMs;
    if (status.backoffUntil > now) return status.backoffUntil - now;
    const probing = status.consecutiveFailures > 0;
    // While the vendor looks down, one single-event probe at a time: the queue waits, spending nothing.
    if (this.inFlight.size >= (probing ? 1 : this.options.concurrency)) return this.options.idlePollMs;
    const max = probing ? 1 : this.manifest.batching.max_events;
    const due = await store.queue.due(this.id, now, max);
    if (due.count === 0) return due.nextAt !== undefined ? Math.max(1, due.nextAt - now) : this.options.idlePollMs;
    const batchWait = this.options.batchWaitMs ?? this.manifest.batching.max_wait_ms;
    // A partial batch waits to fill, measured from when its first event became ready (a retried event
    // is ready again at its retry time, so retries gather into full batches too).
    const age = now - (due.readySince ?? now);
    if (due.count < max && age < batchWait) return batchWait - age;
    const claimed = await store.queue.claim(this.id, this.options.instanceId, now, this.options.leaseMs, max);
    if (claimed.length === 0) return 5; // another instance took them: look again soon
    const ids = claimed.map((q) => q.id);
    for (const id of ids) this.deps.claims.add(id);
    const batch: Promise<void> = this.deliverBatch(claimed)
      .catch((error) => this.logger.error('a batch ended on an error; its events return to the queue when their lease expires', { events: ids.length, error: errorText(error) }))
      .finally(() => {
        for (const id of ids) this.deps.claims.delete(id);
        this.inFlight.delete(batch);
        this.wake();
      });
    this.inFlight.add(batch);
    return 0;
  }

  /**
   * Admits the batch (consent, deleted users, rate limits), sends what may go, settles. Plain functions
   * hand the parsed events on and hold none across the vendor's answer (see ClaimedEvent).
   */
  private deliverBatch(claimed: QueuedEvent[]): Promise<void> {
    return this.admit(claimed).then((admitted) => this.send(admitted));
  }

  private async admit(queued: QueuedEvent[]): Promise<Admitted> {
    const { store, metrics } = this.deps;
    const claimed = queued.map(claimedEvent);
    const before: Unsent = { outcomes: [], logs: [], counts: {} };
    const filter = (item: ClaimedEvent, code: DeliveryResult['code'], message: string) => {
      const result: DeliveryResult = { messageId: item.messageId, status: 'filtered', code, message, warnings: [] };
      before.outcomes.push({ id: item.id, outcome: { kind: 'done' } });
      before.logs.push(logEntry(item, result, { integrationId: this.id, revision: this.integration.revision, instanceId: this.options.instanceId, durationMs: 0 }, new Date(this.options.clock()).toISOString()));
      before.counts.filtered = (before.counts.filtered ?? 0) + 1;
    };

    const isDeleted = await this.deps.deletedUsers.matcher(this.id);
    let sendable: number[] = [];
    queued.forEach((item, i) => {
      const denial = consentDenial(item.event, this.manifest.consent_categories);
      if (denial) filter(claimed[i], 'consent_denied', denial.message);
      else if (isDeleted(item.event, item.acceptedAt)) filter(claimed[i], 'user_deleted', 'user deleted: a deletion of this user was requested after the event was accepted');
      else sendable.push(i);
    });

    let buckets: BucketReturn[] = [];
    if (this.limiter && sendable.length > 0) {
      const admission = await this.limiter.admit(
        sendable.map((i) => queued[i].event),
        store.buckets,
        this.options.clock(),
      );
      for (const { index, retryAt } of admission.deferred) before.outcomes.push({ id: claimed[sendable[index]].id, outcome: { kind: 'defer', nextAt: retryAt } });
      metrics.inc('events_deferred', this.id, admission.deferred.length);
      sendable = admission.admitted.map((k) => sendable[k]);
      buckets = admission.settle;
    }
    return { claimed, before, events: sendable.map((i) => queued[i].event), sent: sendable.map((i) => claimed[i]), buckets };
  }

  /** Starts the adapter on the admitted events and lets go of them: the settle needs only what `sent` keeps. */
  private send({ claimed, before, events, sent, buckets }: Admitted): Promise<void> {
    const started = performance.now();
    const answer = events.length > 0 ? this.deliver(events) : undefined;
    return this.answered(answer, started, sent, before, buckets, claimed);
  }

  private async answered(answer: Promise<DeliveryResult[]> | undefined, started: number, sent: ClaimedEvent[], before: Unsent, buckets: BucketReturn[], claimed: ClaimedEvent[]): Promise<void> {
    let verdict: BatchVerdict | undefined;
    if (answer) {
      const results = await answer;
      const durationMs = performance.now() - started;
      this.deps.metrics.inc('vendor_requests', this.id);
      verdict = judgeBatch(sent, results, { integrationId: this.id, revision: this.integration.revision, instanceId: this.options.instanceId, retry: this.options.retry, now: this.options.clock(), durationMs });
    }
    await this.settle(before, verdict, buckets);
    await this.forgetDeletedUsers(claimed);
  }

  /**
   * A user deletion clears the logs it finds when it is requested, not the ones a batch writes after
   * it (an event filtered as `user_deleted`, or one in flight meanwhile): clear those too, so no log
   * shows a deleted user again, and their events' payloads go.
   */
  private async forgetDeletedUsers(claimed: readonly ClaimedEvent[]): Promise<void> {
    const isDeleted = await this.deps.deletedUsers.matcher(this.id);
    const deleted = claimed.filter((item) => isDeleted(item, item.acceptedAt));
    if (deleted.length === 0) return;
    const ids = (key: 'userId' | 'anonymousId') => [...new Set(deleted.flatMap((item) => (item[key] === undefined || item[key] === null ? [] : [String(item[key])])))];
    await this.deps.store.transaction((tx) => tx.logs.forgetUsers(this.id, ids('userId'), ids('anonymousId')));
  }

  /**
   * The adapter promises one result per event; a broken promise becomes retryable results, not lost
   * events. Holds the events' messageIds, not the events, while the adapter works.
   */
  private deliver(events: readonly DataflyEvent[]): Promise<DeliveryResult[]> {
    const messageIds = events.map((e) => e.messageId);
    let answer: Promise<DeliveryResult[]>;
    try {
      answer = this.adapter.deliver(events);
    } catch (error) {
      answer = Promise.reject(error);
    }
    return this.kept(answer, messageIds);
  }

  private async kept(answer: Promise<DeliveryResult[]>, messageIds: readonly string[]): Promise<DeliveryResult[]> {
    try {
      const results = await answer;
      if (results.length === messageIds.length && results.every((r, i) => r.messageId === messageIds[i])) return results;
      this.logger.error('the adapter answered a different number or order of results; the batch will be retried', { events: messageIds.length, results: results.length });
    } catch (error) {
      this.logger.error('the adapter threw; the batch will be retried', { error: errorText(error) });
    }
    return messageIds.map((messageId) => ({ messageId, status: 'retryable', code: 'unexpected_status', message: 'the delivery adapter failed unexpectedly', warnings: [] }));
  }

  /**
   * Writes the batch's outcomes, logs, counts, bucket settlement and the integration's status in one
   * transaction. The answers are known, so a store that fails here is asked again until it takes them
   * (or this worker stops: then the leases expire and the batch is resent under the same keys).
   */
  private async settle(before: Unsent, verdict: BatchVerdict | undefined, buckets: BucketReturn[]): Promise<void> {
    const { store, directory, metrics } = this.deps;
    const outcomes = [...before.outcomes, ...(verdict?.outcomes ?? [])];
    const logs = [...before.logs, ...(verdict?.logs ?? [])];
    const counts = { ...before.counts };
    for (const [k, n] of Object.entries(verdict?.counts ?? {})) counts[k as CountedOutcome] = (counts[k as CountedOutcome] ?? 0) + n;
    const status = directory.status(this.id);
    let statusChanged = false;
    let newlyPaused = false;
    let backoffMs = 0;
    for (let failures = 0; ; failures++) {
      const now = this.options.clock();
      try {
        await store.transaction(async (tx) => {
          await tx.queue.settle(outcomes, this.options.instanceId, now);
          await tx.logs.append(logs);
          await tx.logs.count(this.id, Math.floor(now / 60_000) * 60_000, counts);
          await tx.quality.record(this.id, Math.floor(now / 3_600_000) * 3_600_000, verdict?.quality ?? []);
          await tx.buckets.settle(buckets, now, this.options.leaseMs);
          if (verdict?.pause) {
            newlyPaused = await tx.status.pause(this.id, verdict.pause.code, verdict.pause.message, now);
            statusChanged = true;
          } else if (verdict?.outage) {
            const streak = status.consecutiveFailures + 1;
            backoffMs = Math.max(Math.min(this.options.retry.firstDelayMs, 500 * 2 ** (streak - 1)), verdict.outage.retryAfterMs ?? 0);
            await tx.status.backOff(this.id, { until: now + backoffMs, failures: streak, since: status.failingSince ?? now, code: verdict.outage.code, message: verdict.outage.message }, now);
            statusChanged = true;
          } else if (verdict?.answered && status.consecutiveFailures > 0) {
            await tx.status.recovered(this.id, now);
            statusChanged = true;
          }
        }, 'relaxed');
        break;
      } catch (error) {
        if (this.stopping && failures > 0) throw error;
        if (failures === 0) this.logger.warn('could not record a batch outcome; trying again', { error: errorText(error) });
        await new Promise((r) => setTimeout(r, Math.min(STORE_RETRY_MAX_MS, 100 * 2 ** failures)));
      }
    }

    const count = (name: Parameters<DeliveryMetrics['inc']>[0], n = 0) => metrics.inc(name, this.id, n);
    count('events_delivered', counts.delivered);
    count('events_filtered', counts.filtered);
    count('events_failed', counts.failed);
    // Refused events go to the dead letters too, though the overview counts them as failed only.
    count('events_dead_lettered', (counts.dead ?? 0) + (counts.failed ?? 0));
    count('events_retried', verdict?.outcomes.filter((o) => o.outcome.kind === 'retry').length);
    for (const seconds of verdict?.latencies ?? []) metrics.observeLatency(this.id, seconds);
    for (const tally of verdict?.quality ?? []) metrics.warned(this.id, tally.code, tally.count);
    if (verdict?.pause && newlyPaused) {
      this.logger.warn('delivery paused: every event waits in the queue until the config is changed or a connection test passes', { code: verdict.pause.code, reason: verdict.pause.message });
    }
    if (verdict?.outage && status.consecutiveFailures === 0) this.logger.warn('the vendor looks down; backing off and probing with single events', { backoff_ms: backoffMs });
    if (verdict?.answered && status.consecutiveFailures > 0) this.logger.info('the vendor answers again; full batches resume', { after_failed_batches: status.consecutiveFailures });
    if (verdict?.cappedRetryAfterMs !== undefined) {
      this.logger.warn('the vendor asked to retry later than the cap; waiting the cap instead', { asked_ms: verdict.cappedRetryAfterMs, cap_ms: this.options.retry.retryAfterCapMs });
    }
    if (statusChanged) await directory.refresh().catch(() => undefined);
  }

  /** Sleeps up to `ms`; a wake (new events, a finished batch, a change, stop) cuts it short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
