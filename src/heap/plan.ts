import type { Blueprint, DataflyEvent, DeliveryResult, EventWarning } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { prepareEvent, type Prepared } from './prepare.js';
import type { BulkKind } from './wire.js';

/** What planning decided for one event: its result already (invalid, filtered), or Heap calls to make. */
export type EventPlan = { kind: 'done'; result: DeliveryResult } | { kind: 'send'; messageId: string; warnings: EventWarning[] };

/** One item of a bulk call, serialised once: for its size, for the wire, and for its event's own call. */
export interface BulkItem {
  /** Input position of its event. */
  event: number;
  json: string;
}

/** One /api/v1/identify call (Heap has no bulk form) for a distinct user_id → identity pair. */
export interface PlannedMerge {
  key: string;
  /** Input positions of the events asking for it. */
  events: number[];
  /** The body without app_id (the requests add it). */
  json: string;
}

export interface DeliveryPlan {
  events: EventPlan[];
  /** Each bulk call's items, in input order, not yet cut into requests. */
  bulks: Record<BulkKind, BulkItem[]>;
  merges: PlannedMerge[];
}

/**
 * Everything `deliver` decides about the events before it knows where they go: each event prepared
 * (a bug in preparing one fails that one alone) and serialised once. Pure.
 */
export function planDelivery(
  events: readonly DataflyEvent[],
  blueprint: Blueprint,
  options: HeapBlueprintOptions,
  onPrepareError: (messageId: string, error: unknown) => void = () => {},
): DeliveryPlan {
  const planned: EventPlan[] = new Array(events.length);
  const bulks: DeliveryPlan['bulks'] = { track: [], user: [], account: [] };
  const merges = new Map<string, PlannedMerge>();

  for (let index = 0; index < events.length; index++) {
    const prepared = safePrepare(events[index], blueprint, options, onPrepareError);
    if (prepared.kind === 'done') {
      planned[index] = prepared;
      continue;
    }
    planned[index] = { kind: 'send', messageId: prepared.messageId, warnings: prepared.warnings };
    for (const part of prepared.parts) {
      if (part.kind !== 'merge') {
        bulks[part.kind].push({ event: index, json: JSON.stringify(part.item) });
        continue;
      }
      // A pair asked for twice in a batch is one call.
      const key = `${part.body.user_id}\u0000${part.body.identity}`;
      const merge = merges.get(key);
      if (merge) merge.events.push(index);
      else merges.set(key, { key, events: [index], json: JSON.stringify(part.body) });
    }
  }
  return { events: planned, bulks, merges: [...merges.values()] };
}

function safePrepare(event: DataflyEvent, blueprint: Blueprint, options: HeapBlueprintOptions, onError: (messageId: string, error: unknown) => void): Prepared {
  try {
    return prepareEvent(event, blueprint, options);
  } catch (error) {
    const messageId = typeof event?.messageId === 'string' ? event.messageId : '';
    onError(messageId, error);
    const message = `event: could not be turned into a Heap call (${error instanceof Error ? error.message : 'unknown error'})`;
    return { kind: 'done', result: { messageId, status: 'failed', code: 'invalid_event', message, warnings: [] } };
  }
}
