import type { CatalogManifest, DataflyEvent, DeliveryAdapter, DeliveryResult, Logger } from '../contract/index.js';
import { consentFor } from '../contract/index.js';
import type { Integration, IntegrationService } from './integrations.js';
import type { Metrics } from './metrics.js';
import { InstallationLimiter } from './rate-limits.js';
import type { PluginRegistry } from './registry.js';
import type { RetryPolicy } from './retry-policy.js';
import type { DeliveryLogEntry, DeliveryLogStore } from './store/delivery-logs.js';
import type { DeliveryQueue, Outcome, QueuedEvent } from './store/queue.js';

export interface SchedulerOptions {
  retry: RetryPolicy;
  /** Overrides the manifest's `batching.max_wait_ms` (how long a partial batch may wait to fill). */
  batchWaitMs?: number;
  /** Multiplies every rate-limit window (tests shrink minutes to milliseconds). */
  rateLimitScale: number;
  rateLimits: boolean;
  /** How often an idle worker looks at the queue even without being woken. */
  idlePollMs: number;
  clock: () => number;
}

interface Deps {
  integrations: IntegrationService;
  registry: PluginRegistry;
  queue: DeliveryQueue;
  logs: DeliveryLogStore;
  metrics: Metrics;
  logger: Logger & { child(fields: Record<string, unknown>): Logger };
  /** Runs writes as one SQLite transaction: a batch's outcomes and its delivery logs cost one sync. */
  transaction: (writes: () => void) => void;
}

/**
 * One worker per enabled integration, so one vendor's slowness never holds up another's. The
 * scheduler starts, restarts (on every config change) and stops them.
 */
export class DeliveryScheduler {
  private readonly workers = new Map<string, IntegrationWorker>();
  private running = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: Deps,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.running = true;
    const recovered = this.deps.queue.recoverInflight();
    if (recovered > 0) this.deps.logger.warn('returned events that were in flight at the last stop to the queue', { events: recovered });
    for (const integration of this.deps.integrations.list()) this.startWorker(integration);
    this.deps.integrations.onChange((id) => this.serial(() => this.restart(id)));
  }

  /** Wakes the workers of these integrations (new events were queued). */
  notify(integrationIds: readonly string[]): void {
    for (const id of integrationIds) this.workers.get(id)?.wake();
  }

  /** Finishes in-flight batches, returns claimed-but-unsent events to the queue, closes adapters. */
  async stop(): Promise<void> {
    this.running = false;
    await this.chain;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
  }

  /** Resolves once no worker has anything due (tests and the demo wait on it). */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const busy = [...this.workers.values()].some((w) => w.busy() || this.deps.queue.due(w.integrationId, this.options.clock()).count > 0);
      if (!busy) return;
      await sleep(20);
    }
    throw new Error(`the delivery queue did not drain within ${timeoutMs} ms`);
  }

  private serial(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error) => this.deps.logger.error('worker restart failed', { error: String(error) }));
  }

  private async restart(id: string): Promise<void> {
    await this.workers.get(id)?.stop();
    this.workers.delete(id);
    const integration = this.deps.integrations.find(id);
    if (this.running && integration) this.startWorker(integration);
  }

  private startWorker(integration: Integration): void {
    if (!integration.enabled) return;
    const plugin = this.deps.registry.get(integration.catalogKey);
    if (!plugin) {
      this.deps.logger.error('no plugin for an installed integration; its events stay queued', { integrationId: integration.id, catalogKey: integration.catalogKey });
      return;
    }
    const logger = this.deps.logger.child({ integrationId: integration.id, integration: integration.catalogKey });
    const adapter = plugin.createAdapter({ integrationId: integration.id, config: integration.config, blueprint: integration.blueprint }, { logger, clock: this.options.clock });
    const worker = new IntegrationWorker(integration, plugin.manifest, adapter, this.deps, this.options, logger);
    this.workers.set(integration.id, worker);
    worker.start();
  }
}

class IntegrationWorker {
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private inBatch = false;
  private readonly limiter?: InstallationLimiter;
  readonly integrationId: string;

  constructor(
    integration: Integration,
    private readonly manifest: CatalogManifest,
    private readonly adapter: DeliveryAdapter,
    private readonly deps: Deps,
    private readonly options: SchedulerOptions,
    private readonly logger: Logger,
  ) {
    this.integrationId = integration.id;
    if (options.rateLimits) this.limiter = new InstallationLimiter(manifest.rate_limits, options.rateLimitScale, options.clock);
  }

  start(): void {
    this.loop = this.run().catch((error) => this.logger.error('delivery worker stopped on an error', { error: String(error) }));
  }

  wake(): void {
    this.wakeUp?.();
  }

  busy(): boolean {
    return this.inBatch;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await this.adapter.close();
  }

  private async run(): Promise<void> {
    const { queue } = this.deps;
    const maxEvents = this.manifest.batching.max_events;
    const batchWait = this.options.batchWaitMs ?? this.manifest.batching.max_wait_ms;
    while (!this.stopping) {
      const now = this.options.clock();
      const due = queue.due(this.integrationId, now, maxEvents);
      if (due.count === 0) {
        await this.pause(due.nextAt !== undefined ? Math.max(1, due.nextAt - now) : this.options.idlePollMs);
        continue;
      }
      const age = now - (due.oldestAcceptedAt ?? now);
      if (due.count < maxEvents && age < batchWait) {
        await this.pause(batchWait - age);
        continue;
      }
      this.inBatch = true;
      try {
        await this.deliverBatch(queue.claim(this.integrationId, now, maxEvents));
      } finally {
        this.inBatch = false;
      }
    }
  }

  private async deliverBatch(claimed: QueuedEvent[]): Promise<void> {
    const outcomes: { id: number; outcome: Outcome }[] = [];
    const logs: DeliveryLogEntry[] = [];
    const byMessage = new Map(claimed.map((q) => [q.messageId, q]));
    const at = () => new Date(this.options.clock()).toISOString();
    let sendable: QueuedEvent[] = [];

    for (const item of claimed) {
      const category = this.manifest.consent_categories.find((c) => consentFor(item.event, c) === 'denied');
      if (category === undefined) {
        sendable.push(item);
        continue;
      }
      outcomes.push({ id: item.id, outcome: { kind: 'done' } });
      logs.push(this.logEntry(item, { messageId: item.messageId, status: 'filtered', code: 'consent_denied', message: `consent for "${category}" was not given`, warnings: [] }, 0, at()));
      this.deps.metrics.inc('events_filtered', this.integrationId);
    }

    if (this.limiter && sendable.length > 0) {
      const admission = this.limiter.admit(sendable.map((q) => q.event));
      for (const { event, retryAt } of admission.deferred) outcomes.push({ id: byMessage.get(event.messageId)!.id, outcome: { kind: 'defer', nextAt: retryAt } });
      this.deps.metrics.inc('events_deferred', this.integrationId, admission.deferred.length);
      const admitted = new Set(admission.admitted.map((e) => e.messageId));
      sendable = sendable.filter((q) => admitted.has(q.messageId));
      // Woken early (new events), the wait is measured again: tokens are never spent before they exist.
      for (let wait = this.limiter.appWaitMs(sendable.map((q) => q.event)); wait > 0 && !this.stopping; wait = this.limiter.appWaitMs(sendable.map((q) => q.event))) {
        await this.pause(wait);
      }
      if (this.stopping) {
        for (const q of sendable) outcomes.push({ id: q.id, outcome: { kind: 'defer', nextAt: this.options.clock() } });
        sendable = [];
      }
      this.limiter.spend(sendable.map((q) => q.event));
    }

    if (sendable.length > 0) {
      const started = performance.now();
      const results = await this.deliver(sendable.map((q) => q.event));
      const duration = performance.now() - started;
      this.limiter?.settle();
      const now = this.options.clock();
      this.deps.metrics.inc('vendor_requests', this.integrationId);
      sendable.forEach((item, i) => {
        const result = results[i];
        outcomes.push({ id: item.id, outcome: this.outcomeOf(item, result, now) });
        logs.push(this.logEntry(item, result, duration, new Date(now).toISOString()));
        if (result.status === 'delivered') this.deps.metrics.observeLatency(this.integrationId, (now - item.acceptedAt) / 1000);
      });
    }
    this.deps.transaction(() => {
      this.deps.queue.settle(outcomes, this.options.clock());
      this.deps.logs.append(logs);
    });
  }

  /** The adapter promises one result per event; a broken promise becomes retryable results, not lost events. */
  private async deliver(events: DataflyEvent[]): Promise<DeliveryResult[]> {
    try {
      const results = await this.adapter.deliver(events);
      if (results.length === events.length && results.every((r, i) => r.messageId === events[i].messageId)) return results;
      this.logger.error('the adapter answered a different number or order of results; the batch will be retried', { events: events.length, results: results.length });
    } catch (error) {
      this.logger.error('the adapter threw; the batch will be retried', { error: error instanceof Error ? error.message : String(error) });
    }
    return events.map((e) => ({ messageId: e.messageId, status: 'retryable', code: 'unexpected_status', message: 'the delivery adapter failed unexpectedly', warnings: [] }));
  }

  private outcomeOf(item: QueuedEvent, result: DeliveryResult, now: number): Outcome {
    const attempts = item.attempts + 1;
    const { metrics } = this.deps;
    const detail = { attempts, status: result.status, code: result.code, reason: result.message ?? result.status, httpStatus: result.httpStatus };
    switch (result.status) {
      case 'delivered':
        metrics.inc('events_delivered', this.integrationId);
        return { kind: 'done' };
      case 'filtered':
        metrics.inc('events_filtered', this.integrationId);
        return { kind: 'done' };
      case 'failed':
        metrics.inc('events_failed', this.integrationId);
        metrics.inc('events_dead_lettered', this.integrationId);
        return { kind: 'dead', ...detail };
      case 'retryable':
        if (attempts >= this.options.retry.maxAttempts) {
          metrics.inc('events_dead_lettered', this.integrationId);
          return { kind: 'dead', ...detail, reason: `gave up after ${attempts} attempts: ${detail.reason}` };
        }
        metrics.inc('events_retried', this.integrationId);
        return { kind: 'retry', ...detail, nextAt: now + this.options.retry.delayAfter(attempts, result.retryAfterMs) };
    }
  }

  private logEntry(item: QueuedEvent, result: DeliveryResult, durationMs: number, createdAt: string): DeliveryLogEntry {
    const event = item.event;
    return {
      integration_id: this.integrationId,
      message_id: item.messageId,
      event_type: event.type,
      event_name: event.type === 'track' ? event.event : event.type === 'page' ? (event.name ?? undefined) : undefined,
      attempt: item.attempts + 1,
      status: result.status,
      http_status: result.httpStatus,
      code: result.code,
      message: result.message,
      response: result.response,
      warnings: result.warnings,
      duration_ms: durationMs,
      created_at: createdAt,
    };
  }

  /** Sleeps up to `ms`; a wake (new events, stop) cuts it short. */
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
