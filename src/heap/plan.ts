import type { Blueprint, DataflyEvent, DeliveryResult } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { prepareEvent, type Prepared } from './prepare.js';
import { chunk, mergeBody, type BulkKind } from './requests.js';
import type { Verdict } from './responses.js';

/** One event on its way: what happened to each of its Heap calls, and how many requests carried it. */
export interface Slot {
  messageId: string;
  warnings: string[];
  verdicts: Verdict[];
  requests: number;
}

export interface BulkEntry {
  slot: Slot;
  /** The item as it goes on the wire, serialised once. */
  json: string;
}

export interface DeliveryPlan {
  /** Results already known before any I/O (invalid, filtered), by input position. */
  results: (DeliveryResult | undefined)[];
  slots: Map<number, Slot>;
  /** Bulk requests: items grouped by call and cut to Heap's item and byte limits. */
  bulk: { kind: BulkKind; entries: BulkEntry[] }[];
  /** /api/v1/identify calls (Heap has no bulk form), one per distinct user_id → identity pair. */
  merges: { key: string; slots: Slot[]; json: string }[];
}

/**
 * Everything `deliver` decides before it sends: each event prepared (a bug in preparing one fails
 * that one alone), its calls grouped into bulk requests. Pure, so the benchmark measures exactly this.
 */
export function planDelivery(
  events: readonly DataflyEvent[],
  blueprint: Blueprint,
  options: HeapBlueprintOptions,
  appId: string,
  maxBytes: number,
  onPrepareError: (messageId: string, error: unknown) => void = () => {},
): DeliveryPlan {
  const results: (DeliveryResult | undefined)[] = new Array(events.length);
  const slots = new Map<number, Slot>();
  const items: Record<BulkKind, BulkEntry[]> = { track: [], user: [], account: [] };
  const merges = new Map<string, DeliveryPlan['merges'][number]>();

  events.forEach((event, index) => {
    const prepared = safePrepare(event, blueprint, options, onPrepareError);
    if (prepared.kind === 'done') return void (results[index] = prepared.result);
    const slot: Slot = { messageId: prepared.messageId, warnings: prepared.warnings, verdicts: [], requests: 0 };
    slots.set(index, slot);
    for (const part of prepared.parts) {
      if (part.kind === 'merge') {
        const key = `${part.body.user_id}\u0000${part.body.identity}`;
        const merge = merges.get(key);
        if (merge) merge.slots.push(slot);
        else merges.set(key, { key, slots: [slot], json: JSON.stringify(mergeBody(appId, part.body)) });
      }
      else items[part.kind].push({ slot, json: JSON.stringify(part.item) });
    }
  });

  const bulk: DeliveryPlan['bulk'] = [];
  for (const kind of Object.keys(items) as BulkKind[]) {
    for (const entries of chunk(items[kind], maxBytes)) bulk.push({ kind, entries });
  }
  return { results, slots, bulk, merges: [...merges.values()] };
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
