import { randomUUID } from 'node:crypto';
import type { EventType, Logger } from '@datafly/heap-integration/contract';
import { checkIncoming, MAX_EVENT_DEPTH, type Fill } from '../common/incoming-event.js';
import { ApiError } from './errors.js';
import type { IntegrationDirectory } from './integrations/directory.js';
import type { Metrics } from './metrics.js';
import type { Routes } from './store/integrations.js';
import type { QueueItem } from './store/queue.js';
import { GroupCommit } from './store/group-commit.js';
import type { Store } from './store/store.js';
import { NOT_UTF8_REASON, replacementPath } from '../common/utf8.js';

export interface Rejection {
  index: number;
  field: string;
  reason: string;
}

export interface Duplicate {
  index: number;
  messageId: string;
  reason: string;
}

export interface IngestResult {
  /** Events durable in the queue now (or already there), by position in the request. */
  accepted: { index: number; messageId: string }[];
  rejected: Rejection[];
  duplicates: Duplicate[];
  /** How many integrations the accepted events were queued for. */
  integrations: number;
  /** Integrations installed but disabled: they take nothing while disabled. */
  disabled: number;
  /** Said when the events were valid but nothing takes them. */
  warning?: string;
  /** Top-level keys of accepted events that look like a misspelled field (`propertes`): nothing reads them. */
  unread: Rejection[];
}

export interface IngestOptions {
  /** `/v1/t|p|s|i|g`: the type the path implies; fields are named as sent (`event`, not `batch.0.event`). */
  impliedType?: EventType;
  /** The body held bytes that are not UTF-8: the events that hold U+FFFD are refused (see utf8.ts). */
  notUtf8?: boolean;
  /** How deep the whole body nests, when known: an event cannot nest deeper, so a shallow body's events need no walk of their own. */
  bodyDepth?: number;
}

/**
 * Validates each event on its own (a bad one never costs its neighbours), fills in `messageId` and
 * `timestamp`, and queues the good ones for every enabled integration before answering.
 */
export class IngestionService {
  private readonly listeners = new Set<(integrationIds: string[]) => void>();
  private warnedNoTargets = false;
  private readonly commits: GroupCommit;

  constructor(
    store: Store,
    private readonly directory: IntegrationDirectory,
    private readonly metrics: Metrics,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {
    this.commits = new GroupCommit(store);
  }

  onQueued(listener: (integrationIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Checks the events at once and answers a promise of their fate. Nothing here holds `items` across
   * the wait for the commit: a request's parsed events are most of what it allocates, and released
   * before that wait they die young instead of being copied by each collection that runs meanwhile.
   * Only their JSON text waits for the commit.
   */
  ingest(items: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult> {
    let checked: CheckedRequest;
    try {
      checked = this.check(items, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.queueChecked(checked);
  }

  private check(items: readonly unknown[], options: IngestOptions): CheckedRequest {
    const now = this.clock();
    const accepted: IngestResult['accepted'] = [];
    const rejected: Rejection[] = [];
    const duplicates: Duplicate[] = [];
    const unread: Rejection[] = [];
    const queue: QueueItem[] = [];
    const firstIndex = new Map<string, number>();
    const at = (index: number, field?: string) => [options.impliedType ? '' : `batch.${index}`, field].filter(Boolean).join('.') || '(root)';
    const { fill, known } = checkSettings(now, options);

    items.forEach((item, index) => {
      const garbled = options.notUtf8 ? replacementPath(item) : undefined;
      if (garbled !== undefined) {
        rejected.push({ index, field: at(index, garbled), reason: NOT_UTF8_REASON });
        return;
      }
      const input = options.impliedType && item && typeof item === 'object' && !Array.isArray(item) && !('type' in item) ? { ...item, type: options.impliedType } : item;
      if (options.impliedType && input && typeof input === 'object' && (input as { type?: unknown }).type !== options.impliedType) {
        rejected.push({ index, field: at(index, 'type'), reason: `this endpoint takes ${options.impliedType} events only` });
        return;
      }
      const checked = checkIncoming(input, fill, known);
      if (!checked.ok) {
        for (const issue of checked.issues) rejected.push({ index, field: at(index, issue.field === '(root)' ? undefined : issue.field), reason: issue.message });
        return;
      }
      const { event } = checked;
      const first = firstIndex.get(event.messageId);
      if (first !== undefined) {
        duplicates.push({ index, messageId: event.messageId, reason: `repeats the messageId of item ${first} of this request; queued once` });
        return;
      }
      firstIndex.set(event.messageId, index);
      accepted.push({ index, messageId: event.messageId });
      for (const issue of checked.unread) unread.push({ index, field: at(index, issue.field), reason: issue.message });
      queue.push({ messageId: event.messageId, json: JSON.stringify(event), userId: idText(event.userId), anonymousId: idText(event.anonymousId) });
    });

    this.metrics.inc('events_rejected', '', new Set(rejected.map((r) => r.index)).size);
    return { now, accepted, rejected, duplicates, unread, queue };
  }

  private async queueChecked({ now, accepted, rejected, duplicates, unread, queue }: CheckedRequest): Promise<IngestResult> {
    if (queue.length === 0) {
      return { accepted, rejected, duplicates, integrations: 0, disabled: this.directory.list().length - this.directory.enabledIds().length, unread };
    }
    // Routed by what the store holds when the events commit, not by this instance's copy of the
    // integrations: an install or a removal answered on another instance a moment ago counts already.
    let routed: { routes: Routes; added: Set<string> };
    try {
      routed = await this.commits.run(async (tx) => {
        const routes = await tx.integrations.routes();
        const added = routes.enabled.length > 0 ? await tx.queue.enqueue(routes.enabled, queue, now) : new Set<string>();
        return { routes, added };
      });
    } catch (error) {
      this.logger.error('could not write accepted events to the store; answered 503', { events: queue.length, error: error instanceof Error ? error.message : String(error) });
      throw new ApiError(503, 'store_unavailable', 'The host cannot write to its store right now: nothing of this request was accepted; send it again', undefined, { 'retry-after': '1' });
    }
    const {
      routes: { enabled: targets, disabled },
      added,
    } = routed;
    if (targets.length === 0) {
      const warning =
        disabled > 0
          ? `Every integration is disabled (${disabled}): the events were validated but not queued for any destination`
          : 'No integration is installed: the events were validated but not queued for any destination';
      if (!this.warnedNoTargets) this.logger.warn('events arrive but nothing takes them', { reason: warning });
      this.warnedNoTargets = true;
      return { accepted, rejected, duplicates, integrations: 0, disabled, warning, unread };
    }
    this.warnedNoTargets = false;
    for (const { index, messageId } of accepted) {
      if (!added.has(messageId)) duplicates.push({ index, messageId, reason: 'already queued by an earlier request; queued once' });
    }
    duplicates.sort((a, b) => a.index - b.index);
    for (const id of targets) this.metrics.inc('events_accepted', id, added.size);
    for (const listener of this.listeners) listener(targets);
    return { accepted, rejected, duplicates, integrations: targets.length, disabled, unread };
  }
}

/** A request's events once checked: their verdicts, and the good ones as JSON text to queue. */
interface CheckedRequest {
  now: number;
  accepted: IngestResult['accepted'];
  rejected: Rejection[];
  duplicates: Duplicate[];
  unread: Rejection[];
  queue: QueueItem[];
}

/** How one request's events are filled in (those without a time all get the time of acceptance) and what their check may skip. */
function checkSettings(now: number, options: IngestOptions): { fill: Fill; known: { shallow: boolean } } {
  let acceptedAt: string | undefined;
  const acceptance = () => (acceptedAt ??= new Date(now).toISOString());
  return { fill: { messageId: randomUUID, timestamp: acceptance, receivedAt: acceptance }, known: { shallow: options.bodyDepth !== undefined && options.bodyDepth <= MAX_EVENT_DEPTH } };
}

function idText(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}
