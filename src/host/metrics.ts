/** Counters and the delivery latency histogram, exposed as Prometheus text at /metrics. */
const COUNTERS = {
  events_accepted: 'Events accepted by ingestion',
  events_rejected: 'Events refused by ingestion validation',
  events_delivered: 'Events the vendor accepted',
  events_filtered: 'Events not sent (consent, blueprint, unsupported)',
  events_failed: 'Events that failed permanently',
  events_retried: 'Delivery attempts that will be retried',
  events_dead_lettered: 'Events moved to the dead letters',
  events_deferred: 'Events held back by the rate limiter',
  vendor_requests: 'Delivery batches sent to a vendor',
} as const;
type Counter = keyof typeof COUNTERS;

/** Seconds from acceptance to delivery. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly histogram = new Map<string, { buckets: number[]; sum: number; count: number }>();

  inc(name: Counter, integrationId: string, by = 1): void {
    if (by === 0) return;
    const key = `${name}\u0000${integrationId}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  observeLatency(integrationId: string, seconds: number): void {
    let h = this.histogram.get(integrationId);
    if (!h) this.histogram.set(integrationId, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((le, i) => {
      if (seconds <= le) h.buckets[i]++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(queueDepth: { integration_id: string; state: string; count: number }[]): string {
    const lines: string[] = [];
    for (const [name, help] of Object.entries(COUNTERS)) {
      lines.push(`# HELP datafly_${name}_total ${help}`, `# TYPE datafly_${name}_total counter`);
      for (const [key, value] of this.counters) {
        const [counter, integration] = key.split('\u0000');
        if (counter === name) lines.push(`datafly_${name}_total{integration="${escapeLabel(integration)}"} ${value}`);
      }
    }
    lines.push('# HELP datafly_queue_depth Events in the delivery queue by state', '# TYPE datafly_queue_depth gauge');
    for (const row of queueDepth) lines.push(`datafly_queue_depth{integration="${escapeLabel(row.integration_id)}",state="${row.state}"} ${row.count}`);
    lines.push('# HELP datafly_delivery_latency_seconds From acceptance to delivery', '# TYPE datafly_delivery_latency_seconds histogram');
    for (const [integration, h] of this.histogram) {
      const label = `integration="${escapeLabel(integration)}"`;
      BUCKETS.forEach((le, i) => lines.push(`datafly_delivery_latency_seconds_bucket{${label},le="${le}"} ${h.buckets[i]}`));
      lines.push(`datafly_delivery_latency_seconds_bucket{${label},le="+Inf"} ${h.count}`);
      lines.push(`datafly_delivery_latency_seconds_sum{${label}} ${h.sum}`, `datafly_delivery_latency_seconds_count{${label}} ${h.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
