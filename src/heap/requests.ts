import { HEAP_LIMITS, HEAP_PATHS } from './constants.js';
import type { HeapUser } from './identity.js';
import type { HeapValue } from './properties.js';

export type TrackItem = HeapUser & {
  event: string;
  properties?: Record<string, HeapValue>;
  timestamp?: string;
  idempotency_key: string;
};
export interface UserPropertiesItem {
  identity: string;
  properties: Record<string, HeapValue>;
}
export interface AccountPropertiesItem {
  account_id: string;
  properties: Record<string, HeapValue>;
}
export interface MergeBody {
  user_id: string;
  identity: string;
  timestamp?: string;
}

/** The three bulk calls: one URL each, one array field each. */
export const BULK_CALLS = {
  track: { path: HEAP_PATHS.track, field: 'events' },
  user: { path: HEAP_PATHS.addUserProperties, field: 'users' },
  account: { path: HEAP_PATHS.addAccountProperties, field: 'accounts' },
} as const;
export type BulkKind = keyof typeof BULK_CALLS;

/**
 * A bulk request's body from items already serialised one by one: each item is stringified once,
 * for its size and for the wire, and a halved request reuses the same strings.
 */
export function bulkBodyJson(kind: BulkKind, appId: string, itemJsons: readonly string[]): string {
  return `{"app_id":${JSON.stringify(appId)},"${BULK_CALLS[kind].field}":[${itemJsons.join(',')}]}`;
}

export function mergeBody(appId: string, merge: MergeBody): Record<string, unknown> {
  return { app_id: appId, ...merge };
}

/**
 * Splits items into requests of at most `maxItems` and, by their serialised size, about `maxBytes`.
 * An item larger than `maxBytes` on its own still travels, alone.
 */
export function chunk<T extends { json: string }>(items: readonly T[], maxBytes: number, maxItems: number = HEAP_LIMITS.bulkItems): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = item.json.length + 1;
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
