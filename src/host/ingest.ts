import { randomUUID } from 'node:crypto';
import type { DataflyEvent, EventType } from '../contract/index.js';
import { fieldIssues, IncomingEventSchema } from '../contract/index.js';
import type { IntegrationService } from './integrations.js';
import type { Metrics } from './metrics.js';
import type { DeliveryQueue } from './store/queue.js';

export interface Rejection {
  index: number;
  field: string;
  reason: string;
}

export interface IngestResult {
  accepted: { index: number; messageId: string }[];
  rejected: Rejection[];
  /** How many integrations each accepted event was queued for. */
  integrations: number;
}

/**
 * Validates each event on its own (a bad one never costs its neighbours), fills in `messageId` and
 * `timestamp`, and queues the good ones for every enabled integration before answering.
 */
export class IngestionService {
  private readonly listeners: ((integrationIds: string[]) => void)[] = [];

  constructor(
    private readonly integrations: IntegrationService,
    private readonly queue: DeliveryQueue,
    private readonly metrics: Metrics,
    private readonly clock: () => number,
  ) {}

  onQueued(listener: (integrationIds: string[]) => void): void {
    this.listeners.push(listener);
  }

  ingest(items: readonly unknown[], impliedType?: EventType): IngestResult {
    const accepted: IngestResult['accepted'] = [];
    const rejected: Rejection[] = [];
    const events: DataflyEvent[] = [];
    const now = this.clock();
    items.forEach((item, index) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        rejected.push({ index, field: `batch.${index}`, reason: 'must be a JSON object' });
        return;
      }
      const input = impliedType && !('type' in item) ? { ...item, type: impliedType } : item;
      if (impliedType && (input as { type?: unknown }).type !== impliedType) {
        rejected.push({ index, field: `batch.${index}.type`, reason: `this endpoint takes ${impliedType} events only` });
        return;
      }
      const parsed = IncomingEventSchema.safeParse(input);
      if (!parsed.success) {
        for (const issue of fieldIssues(parsed.error, `batch.${index}`)) rejected.push({ index, field: issue.field, reason: issue.message });
        return;
      }
      // The input itself is queued, not zod's copy of it: a copy rebuilt by assignment would turn a
      // "__proto__" key into a prototype and lose it. Validation has no defaults, so nothing else differs.
      const event = { ...input, messageId: parsed.data.messageId ?? randomUUID(), timestamp: parsed.data.timestamp ?? new Date(now).toISOString() } as DataflyEvent;
      accepted.push({ index, messageId: event.messageId });
      events.push(event);
    });
    const targets = this.integrations.enabledIds();
    if (events.length > 0 && targets.length > 0) this.queue.enqueue(targets, events, now);
    for (const id of targets) this.metrics.inc('events_accepted', id, events.length);
    this.metrics.inc('events_rejected', '', new Set(rejected.map((r) => r.index)).size);
    if (events.length > 0 && targets.length > 0) for (const listener of this.listeners) listener(targets);
    return { accepted, rejected, integrations: targets.length };
  }
}
