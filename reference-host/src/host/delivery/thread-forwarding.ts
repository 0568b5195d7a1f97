import { LevelledLogger, type Level } from '../logger.js';
import type { CounterName, DeliveryMetrics } from '../metrics.js';
import type { FromThread, MetricsDelta } from './thread-messages.js';

type Post = (message: FromThread) => void;

/**
 * The delivery thread's logger: each line goes to the host thread, whose logger writes it (with the
 * secrets it knows masked), so both threads' lines reach one sink in one format.
 */
export class ForwardingLogger extends LevelledLogger {
  constructor(
    private readonly post: Post,
    private readonly base: Record<string, unknown> = {},
  ) {
    super();
  }

  child(fields: Record<string, unknown>): ForwardingLogger {
    return new ForwardingLogger(this.post, { ...this.base, ...fields });
  }

  protected log(level: Level, message: string, fields?: Record<string, unknown>): void {
    const all = { ...this.base, ...fields };
    try {
      this.post({ type: 'log', level, message, fields: all });
    } catch {
      // A field that cannot cross threads (a function, say) crosses as JSON makes it.
      this.post({ type: 'log', level, message, fields: JSON.parse(JSON.stringify(all)) as Record<string, unknown> });
    }
  }
}

/** The delivery thread's counters: gathered over one turn of its event loop, then sent to the host thread as one message. */
export class ForwardingMetrics implements DeliveryMetrics {
  private delta: MetricsDelta = { counters: [], latencies: [], warnings: [] };
  private scheduled = false;

  constructor(private readonly post: Post) {}

  inc(name: CounterName, integrationId: string, by = 1): void {
    if (by <= 0) return;
    this.delta.counters.push([name, integrationId, by]);
    this.flushSoon();
  }

  warned(integrationId: string, code: string, by: number): void {
    if (by <= 0) return;
    this.delta.warnings.push([integrationId, code, by]);
    this.flushSoon();
  }

  observeLatency(integrationId: string, seconds: number): void {
    this.delta.latencies.push([integrationId, seconds]);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what was gathered now (also before the thread stops). */
  flush(): void {
    this.scheduled = false;
    const { counters, latencies, warnings } = this.delta;
    if (counters.length + latencies.length + warnings.length === 0) return;
    this.post({ type: 'metrics', delta: this.delta });
    this.delta = { counters: [], latencies: [], warnings: [] };
  }
}

/** Applies what the delivery thread counted to the host's metrics. */
export function applyMetrics(metrics: DeliveryMetrics, delta: MetricsDelta): void {
  for (const [name, id, by] of delta.counters) metrics.inc(name, id, by);
  for (const [id, seconds] of delta.latencies) metrics.observeLatency(id, seconds);
  for (const [id, code, by] of delta.warnings) metrics.warned(id, code, by);
}
