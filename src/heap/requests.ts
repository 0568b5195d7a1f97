import { HEAP_LIMITS, HEAP_PATHS } from './constants.js';
import type { BulkItem, DeliveryPlan, PlannedMerge } from './plan.js';
import { BULK_CALLS, BULK_KINDS, type BulkKind } from './wire.js';

/** One HTTP request to Heap's ingestion API, its body serialised. Bulk requests keep their items, to be halved. */
export type HeapRequest =
  | { call: BulkKind; path: string; body: string; items: BulkItem[] }
  | { call: 'merge'; path: string; body: string; merge: PlannedMerge };

/** Every ingestion body starts with app_id (Heap's only authentication there): the one place it is added. */
function withAppId(appId: string, fields: string): string {
  return `{"app_id":${JSON.stringify(appId)},${fields}}`;
}

/** A bulk body from items serialised one by one: each item is stringified once, and halves reuse the strings. */
function bulkBody(kind: BulkKind, appId: string, itemJsons: readonly string[]): string {
  return withAppId(appId, `"${BULK_CALLS[kind].field}":[${itemJsons.join(',')}]`);
}

export function bulkRequest(kind: BulkKind, items: BulkItem[], appId: string): HeapRequest {
  return { call: kind, path: BULK_CALLS[kind].path, body: bulkBody(kind, appId, items.map((item) => item.json)), items };
}

export function mergeRequest(merge: PlannedMerge, appId: string): HeapRequest {
  // merge.json is the object without app_id: its fields go after it.
  return { call: 'merge', path: HEAP_PATHS.identify, body: withAppId(appId, merge.json.slice(1, -1)), merge };
}

/** The body as one event's delivery log shows it: its item alone in the bulk array, same serialiser, same item JSON. */
export function singleItemBody(kind: BulkKind, item: BulkItem, appId: string): string {
  // Concatenated, not joined: the item's JSON is shared, not copied, until someone reads the body.
  return withAppId(appId, `"${BULK_CALLS[kind].field}":[${item.json}]`);
}

/** The two halves of a bulk request Heap rejected, to find the items it refuses. */
export function halves(request: Extract<HeapRequest, { items: BulkItem[] }>, appId: string): [HeapRequest, HeapRequest] {
  const middle = Math.ceil(request.items.length / 2);
  return [bulkRequest(request.call, request.items.slice(0, middle), appId), bulkRequest(request.call, request.items.slice(middle), appId)];
}

/** Input positions of the events a request carries. */
export function carried(request: HeapRequest): readonly number[] {
  return request.call === 'merge' ? request.merge.events : request.items.map((item) => item.event);
}

/**
 * The requests of a first attempt: each call's items cut to Heap's item limit and to `maxBytes` of
 * body, then the merges, except those Heap already accepted from this adapter (`skipped`).
 */
export function firstRequests(plan: DeliveryPlan, appId: string, maxBytes: number, accepted: (mergeKey: string) => boolean): { requests: HeapRequest[]; skipped: PlannedMerge[] } {
  const requests: HeapRequest[] = [];
  for (const kind of BULK_KINDS) {
    const envelope = Buffer.byteLength(bulkBody(kind, appId, []));
    for (const items of chunk(plan.bulks[kind], maxBytes - envelope)) requests.push(bulkRequest(kind, items, appId));
  }
  const skipped: PlannedMerge[] = [];
  for (const merge of plan.merges) {
    if (accepted(merge.key)) skipped.push(merge);
    else requests.push(mergeRequest(merge, appId));
  }
  return { requests, skipped };
}

/**
 * Splits items into runs of at most `maxItems` whose serialised items, commas included, take at most
 * `maxBytes` of UTF-8. An item larger than `maxBytes` on its own still travels, alone.
 */
export function chunk(items: readonly BulkItem[], maxBytes: number, maxItems: number = HEAP_LIMITS.bulkItems): BulkItem[][] {
  const chunks: BulkItem[][] = [];
  let current: BulkItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item.json);
    if (current.length > 0 && (current.length >= maxItems || bytes + 1 + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(item);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
