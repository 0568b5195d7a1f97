import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Counters per integration, named as dashboards already know them (`datafly_<name>_total`). */
const COUNTERS = {
  events_accepted: 'Events accepted by ingestion (per integration they were queued for)',
  events_rejected: 'Events refused by ingestion validation',
  events_delivered: 'Events the vendor accepted',
  events_filtered: 'Events not sent (consent, blueprint, unsupported, user deleted)',
  events_failed: 'Events that failed permanently',
  events_retried: 'Delivery attempts that will be retried',
  events_dead_lettered: 'Events moved to the dead letters',
  events_deferred: 'Events held back by a rate limit, a pause or a stop (no attempt spent)',
  vendor_requests: 'Delivery batches sent to a vendor',
} as const;
export type CounterName = keyof typeof COUNTERS;

/** The states of a queued event: waiting, claimed by an instance, or a dead letter. */
const QUEUE_STATES = ['pending', 'inflight', 'dead'] as const;

/** Seconds from acceptance to delivery. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

/** What delivery counts: the host's Metrics, or, in the delivery thread, what forwards them to it. */
export type DeliveryMetrics = Pick<Metrics, 'inc' | 'warned' | 'observeLatency'>;

export interface SharedGauges {
  /** Events in the shared queue, by integration and state (every instance sees the same). */
  queueDepth(): Promise<{ integration_id: string; state: string; count: number }[]>;
  /** Every installed integration: each gets its queue series even when empty (0, not absent). */
  integrations(): string[];
  /** Integrations delivery has paused, with why. */
  paused(): { integration_id: string; code: string }[];
}

/**
 * The host's Prometheus metrics (prom-client): Node's process metrics (event-loop lag, heap, GC, CPU)
 * and the delivery counters of this instance, plus gauges read from the shared store at scrape time.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly counters: Record<CounterName, Counter<'integration'>>;
  private readonly latency: Histogram<'integration'>;
  private readonly warnings: Counter<'integration' | 'code'>;
  private readonly threadRestarts: Counter;

  constructor(instance: { id: string; engine: string; version: string }, shared: SharedGauges) {
    collectDefaultMetrics({ register: this.registry });
    this.counters = Object.fromEntries(
      Object.entries(COUNTERS).map(([name, help]) => [name, new Counter({ name: `datafly_${name}_total`, help, labelNames: ['integration'], registers: [this.registry] })]),
    ) as Record<CounterName, Counter<'integration'>>;
    this.warnings = new Counter({
      name: 'datafly_event_warnings_total',
      help: "Changes a plugin made to finished events (its warnings), by warning code: the data-quality view's counts",
      labelNames: ['integration', 'code'],
      registers: [this.registry],
    });
    this.threadRestarts = new Counter({
      name: 'datafly_delivery_thread_restarts_total',
      help: 'Times the delivery thread failed and was started again (its batches in flight went back to the queue)',
      registers: [this.registry],
    });
    this.latency = new Histogram({ name: 'datafly_delivery_latency_seconds', help: 'From acceptance to delivery', labelNames: ['integration'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
    new Gauge({ name: 'datafly_instance_info', help: 'This instance: its id, storage engine and version', labelNames: ['instance_id', 'engine', 'version'], registers: [this.registry] }).set(
      { instance_id: instance.id, engine: instance.engine, version: instance.version },
      1,
    );
    new Gauge({
      name: 'datafly_queue_depth',
      help: 'Events in the delivery queue by state (shared by every instance)',
      labelNames: ['integration', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const integration of shared.integrations()) for (const state of QUEUE_STATES) this.set({ integration, state }, 0);
        for (const row of await shared.queueDepth()) this.set({ integration: row.integration_id, state: row.state }, row.count);
      },
    });
    new Gauge({
      name: 'datafly_integration_paused',
      help: 'Integrations whose delivery is paused (invalid credentials, endpoint not found): 1 with the code',
      labelNames: ['integration', 'code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const row of shared.paused()) this.set({ integration: row.integration_id, code: row.code }, 1);
      },
    });
  }

  inc(name: CounterName, integrationId: string, by = 1): void {
    if (by > 0) this.counters[name].inc({ integration: integrationId }, by);
  }

  /** Events a warning code hit (one per event and property), as the data-quality counts add them. */
  warned(integrationId: string, code: string, by: number): void {
    if (by > 0) this.warnings.inc({ integration: integrationId, code }, by);
  }

  /** The delivery thread failed and is started again. */
  deliveryThreadRestarted(): void {
    this.threadRestarts.inc();
  }

  observeLatency(integrationId: string, seconds: number): void {
    this.latency.observe({ integration: integrationId }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
