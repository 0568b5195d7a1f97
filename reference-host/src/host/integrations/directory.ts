import type { Logger } from '@datafly/heap-integration/contract';
import type { SecretBox } from '../secrets.js';
import type { Store } from '../store/store.js';
import { RUNNING, toIntegration, toStatus, type DeliveryStatus, type Integration } from './model.js';

export type ChangeListener = (id: string) => void;

/**
 * This instance's view of every integration and its delivery status: kept in memory for the hot
 * paths (ingestion, workers), refreshed at once after a change made here and by polling the store
 * for changes made by other instances. Listeners hear of every change, whoever made it.
 */
export class IntegrationDirectory {
  private integrations = new Map<string, Integration>();
  private statuses = new Map<string, DeliveryStatus>();
  private versions = new Map<string, string>();
  private readonly listeners = new Set<ChangeListener>();
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private queued?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((error) => this.logger.warn('could not refresh the integrations from the store', { error: String(error) })), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Hears every install, change, removal and delivery-status change; call the answer to stop hearing. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Integration[] {
    return [...this.integrations.values()];
  }

  get(id: string): Integration | undefined {
    return this.integrations.get(id);
  }

  /** The integrations that take events now; what ingestion reads on every request. */
  enabledIds(): string[] {
    return this.list()
      .filter((i) => i.enabled)
      .map((i) => i.id);
  }

  status(id: string): DeliveryStatus {
    return this.statuses.get(id) ?? RUNNING;
  }

  /**
   * Reads what changed in the store since the last look (one cheap query for versions, one for
   * statuses; only changed integrations are read whole) and tells the listeners. Concurrent calls share one pass.
   */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.readChanges().finally(() => (this.refreshing = undefined));
      return this.refreshing;
    }
    // The pass under way (a poll, say) may have read the store before the caller's change: one more
    // pass after it, shared by every caller in the meantime, so a change made here is known on return.
    this.queued ??= this.refreshing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private async readChanges(): Promise<void> {
    const [versions, statuses] = await Promise.all([this.store.integrations.versions(), this.store.status.list()]);
    const changed = new Set<string>();
    const seen = new Set<string>();
    for (const v of versions) {
      seen.add(v.id);
      const version = `${v.revision}:${v.enabled}`;
      if (this.versions.get(v.id) === version) continue;
      const row = await this.store.integrations.get(v.id);
      if (!row) continue;
      try {
        this.integrations.set(v.id, toIntegration(row, this.box));
      } catch (error) {
        // A secret that no longer opens (DATAFLY_SECRET_KEY changed) must not stop every other integration.
        this.logger.error('an integration could not be loaded; it is left out until fixed', { integrationId: v.id, error: error instanceof Error ? error.message : String(error) });
        this.integrations.delete(v.id);
      }
      this.versions.set(v.id, version);
      changed.add(v.id);
    }
    for (const id of [...this.integrations.keys()]) {
      if (seen.has(id)) continue;
      this.integrations.delete(id);
      this.versions.delete(id);
      changed.add(id);
    }
    const nextStatuses = new Map(statuses.map((s) => [s.integration_id, toStatus(s)]));
    for (const id of new Set([...this.statuses.keys(), ...nextStatuses.keys()])) {
      if (JSON.stringify(this.statuses.get(id)) !== JSON.stringify(nextStatuses.get(id))) changed.add(id);
    }
    this.statuses = nextStatuses;
    for (const id of changed) for (const listener of this.listeners) listener(id);
  }
}
