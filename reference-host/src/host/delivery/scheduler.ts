import type { Logger } from '@datafly/heap-integration/contract';
import type { IntegrationDirectory } from '../integrations/directory.js';
import type { Integration } from '../integrations/model.js';
import type { DeliveryMetrics } from '../metrics.js';
import type { DeletedUsers } from '../privacy/deleted-users.js';
import type { PluginRegistry } from '../registry.js';
import type { Store } from '../store/store.js';
import { errorText } from '../../common/error-text.js';
import type { Delivery } from './delivery.js';
import { IntegrationWorker, type WorkerOptions } from './worker.js';

export interface SchedulerOptions extends WorkerOptions {
  /** The embedded engine has one process: what was in flight at its last stop is back to pending at start. */
  releaseAllClaimsAtStart: boolean;
  /** Windows of the bucket sweep scale with the rate limits. */
  bucketSweepMs: number;
}

export interface SchedulerDeps {
  store: Store;
  directory: IntegrationDirectory;
  registry: PluginRegistry;
  metrics: DeliveryMetrics;
  deletedUsers: DeletedUsers;
  logger: Logger & { child(fields: Record<string, unknown>): Logger };
}

/**
 * One worker per enabled integration on this instance, so one vendor's slowness never holds up
 * another's. Restarts a worker when its integration changes (here or on another instance), keeps
 * this instance's claims alive, and hands back the claims of instances that stopped renewing theirs.
 */
export class DeliveryScheduler implements Delivery {
  private readonly workers = new Map<string, IntegrationWorker>();
  private readonly claims = new Set<number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;
  private chain: Promise<void> = Promise.resolve();
  private running = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    if (this.options.releaseAllClaimsAtStart) {
      const released = await this.deps.store.queue.releaseAllClaims();
      if (released > 0) this.deps.logger.warn('returned events that were in flight when delivery last stopped or failed to the queue; they are resent under the same idempotency keys', { events: released });
    }
    for (const integration of this.deps.directory.list()) this.startWorker(integration);
    this.unsubscribe = this.deps.directory.onChange((id) => this.serial(() => this.changed(id)));
    const every = (ms: number, task: () => Promise<void>) => this.timers.push(setInterval(() => void task().catch((error) => this.deps.logger.warn('a scheduler task failed', { error: errorText(error) })), ms).unref());
    every(Math.max(50, Math.floor(this.options.leaseMs / 3)), () => this.renewLeases());
    every(Math.max(50, Math.min(5000, Math.floor(this.options.leaseMs / 2))), () => this.releaseExpired());
    every(this.options.bucketSweepMs, async () => void (await this.deps.store.buckets.sweep(this.options.clock())));
    every(Math.min(60_000, Math.max(20, Math.floor(this.options.retry.waitLimitMs / 4))), () => this.expireWaiting());
  }

  /** Wakes the workers of these integrations (new events were queued). */
  notify(integrationIds: readonly string[]): void {
    for (const id of integrationIds) this.workers.get(id)?.wake();
  }

  forgetDeletedUsers(integrationId: string): void {
    this.deps.deletedUsers.forget(integrationId);
  }

  /** Lets the batches in flight finish and settle, then stops every worker. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    for (const timer of this.timers) clearInterval(timer);
    await this.chain;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
  }

  /**
   * Resolves once every enabled, running integration has nothing left to deliver: no event pending or
   * in flight in the store (dead letters aside) and no batch of this instance still settling.
   */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const active = new Set(this.deps.directory.list().filter((i) => i.enabled && !this.deps.directory.status(i.id).paused).map((i) => i.id));
      const waiting = (await this.deps.store.queue.depth()).filter((r) => active.has(r.integration_id) && r.state !== 'dead').reduce((n, r) => n + r.count, 0);
      if (waiting === 0 && ![...this.workers.values()].some((w) => w.busy)) return;
      if (Date.now() > deadline) throw new Error(`the delivery queue did not drain within ${timeoutMs} ms (${waiting} events still waiting)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once every integration change seen so far is applied: a removed integration's worker has finished its batch in flight. */
  async applied(): Promise<void> {
    await this.chain;
  }

  private serial(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error) => this.deps.logger.error('could not apply an integration change to delivery', { error: errorText(error) }));
  }

  private async changed(id: string): Promise<void> {
    const integration = this.deps.directory.get(id);
    const worker = this.workers.get(id);
    if (worker && integration && integration.enabled && worker.integration.revision === integration.revision) return worker.wake();
    if (worker) {
      this.workers.delete(id);
      await worker.stop();
    }
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
    let adapter;
    try {
      adapter = plugin.createAdapter({ integrationId: integration.id, config: integration.config, blueprint: integration.blueprint }, { logger, clock: this.options.clock });
    } catch (error) {
      logger.error('the plugin refused this integration; its events stay queued until its config is fixed', { error: errorText(error) });
      return;
    }
    const worker = new IntegrationWorker(integration, plugin.manifest, adapter, { ...this.deps, claims: this.claims }, this.options, logger);
    this.workers.set(integration.id, worker);
    worker.start();
  }

  private async renewLeases(): Promise<void> {
    if (this.claims.size === 0) return;
    await this.deps.store.queue.renewLeases(this.options.instanceId, [...this.claims], this.options.clock() + this.options.leaseMs);
  }

  /**
   * While an integration is paused or its vendor failing, its waiting events get no attempt: once that
   * has lasted the whole retry window, those waiting as long go to the dead letters (see
   * DeliveryQueue.expireWaiting). A healthy backlog, however long, is never expired.
   */
  private async expireWaiting(): Promise<void> {
    const now = this.options.clock();
    const limit = this.options.retry.waitLimitMs;
    for (const integration of this.deps.directory.list()) {
      const status = this.deps.directory.status(integration.id);
      const since = status.paused?.since ?? status.failingSince;
      if (since === undefined || now - since < limit) continue;
      const why = status.paused ? `delivery was paused (${status.paused.code})` : 'its vendor could not be reached';
      const reason = `waited ${humanDuration(limit)} without an attempt because ${why}; replay it once delivery works again`;
      const moved = await this.deps.store.transaction(async (tx) => {
        const n = await tx.queue.expireWaiting(integration.id, now - limit, now, 'expired', reason);
        if (n > 0) await tx.logs.count(integration.id, Math.floor(now / 60_000) * 60_000, { dead: n });
        return n;
      });
      if (moved === 0) continue;
      this.deps.metrics.inc('events_dead_lettered', integration.id, moved);
      this.deps.logger.warn('events waited past the retry window without an attempt; moved to the dead letters', { integrationId: integration.id, events: moved, reason });
    }
  }

  private async releaseExpired(): Promise<void> {
    const released = await this.deps.store.queue.releaseExpiredLeases(this.options.clock());
    if (released === 0) return;
    this.deps.logger.warn('returned events whose instance stopped renewing its claim (it died or lost the database) to the queue', { events: released });
    for (const worker of this.workers.values()) worker.wake();
  }
}

/** 90 ms, 12 s, 29 min, 28.9 h: how an operator reads a duration. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
